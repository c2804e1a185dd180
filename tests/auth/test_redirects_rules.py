"""Where sign-in may send someone afterwards (kapms/auth/redirects.py): a path on this site
only. Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so any
character outside printable ASCII, a backslash or a leading "//" would leave the site."""

import pytest

from kapms.auth.redirects import same_site_path


@pytest.mark.parametrize("target", [
    "/", "/patients/3", "/care/calendar?week=2026-11-23&view=week", "/a#b", "/~x", "/!",
    "/http://evil.example",  # a path that merely contains a URL
    "/" + "a" * 1999,  # 2000 characters
])
def test_paths_on_this_site_are_followed(target):
    assert same_site_path(target) == target


@pytest.mark.parametrize("target", [
    None, "", "patients", "https://evil.example", "//evil.example", "///evil.example",
    "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/ /evil.example",
    "/caf\u00e9", "/\x7f", "/\x00",
    "/" + "a" * 2000,  # 2001 characters
])
def test_anything_else_is_refused(target):
    assert same_site_path(target) is None
