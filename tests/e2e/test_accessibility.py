"""Every page each role can reach passes axe-core (no serious or critical violation, nor the
rules tests/e2e/axe.py adds), on a desktop (1366x768) and a tablet (820x1180) viewport.

The walk follows the navigation and every link from there (patients, sessions, notes,
estimates, claims, the directory, referrals, outcomes, the audit log, admin pages...),
visiting up to two instances of each page, so the demo records' different states are seen.
"""

import pytest

from tests.e2e import axe
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

ROLES = ["therapist", "prescriber", "billing", "admin"]


@pytest.fixture
def axe_page(page):
    """The test's page with axe-core loaded on every document."""
    axe.install(page.context)
    return page


def _report(problems) -> str:
    return f"{len(problems)} accessibility failures:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_passes_axe(axe_page, live_server, role):
    sign_in(axe_page, role)
    problems, visited = [], []
    for path in axe.walk(axe_page, live_server):
        visited.append(path)
        problems += axe.check(axe_page, where=f"{role} {path}")
    assert len(visited) > 10, visited  # the walk really went somewhere
    assert not problems, _report(problems)


def test_pages_before_sign_in_pass_axe(axe_page):
    problems = []
    axe_page.goto("/login")
    problems += axe.check(axe_page, where="login")
    axe_page.get_by_label("Email").fill("nobody@demo.kapms.test")
    axe_page.get_by_label("Password").fill("not the right password")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Sign in").click()
    problems += axe.check(axe_page, where="login refused")
    axe_page.goto("/no-such-page")
    problems += axe.check(axe_page, where="404 page")
    assert not problems, _report(problems)
