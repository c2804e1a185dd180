"""Where sign-in may send someone afterwards: only a path on this site (no open redirect).

Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
``/%09/evil.example`` and ``/\\evil.example`` would leave the site; anything that is not
printable ASCII, any scheme or host, and anything starting with two slashes is refused.
"""

from urllib.parse import urlsplit


def same_site_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return None
    if any(not 0x21 <= ord(c) <= 0x7E for c in target) or "\\" in target:
        return None
    if target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
