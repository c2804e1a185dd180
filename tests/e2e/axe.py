"""axe-core in the browser tests: check a page, and walk what a signed-in user can reach.

axe-core is vendored (tests/e2e/vendor/axe-core, see its README) and added to a browser
context as an init script, which the page's Content-Security-Policy does not apply to: the
app itself never serves it.

What fails a test: every violation axe rates serious or critical, plus the rules named in
ALSO_BLOCKING, which axe rates lower but which make a page hard to use with a screen reader
or the keyboard (headings out of order, action columns without a header, content outside the
landmarks a skip link and a screen reader's landmark list rely on), and controls of one kind
sharing a name in one place (duplicate_names: axe has no rule for it).
"""

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "tablet": {"width": 820, "height": 1180}}
BLOCKING_IMPACTS = {"serious", "critical"}
ALSO_BLOCKING = {"heading-order", "empty-table-header", "landmark-one-main", "region",
                 "page-has-heading-one", "skip-link", "duplicate-id-aria"}
# WCAG 2.0-2.2 A and AA, and Deque's best practices (heading order, landmarks, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(" "),
                                            html: n.html.slice(0, 160),
                                            summary: n.failureSummary}))}));
}"""

# Links the walk never follows: they leave the page for a file, end the session, or are
# one-off actions (a GET never writes in this app, but a download is not a page).
_SKIP = re.compile(r"(\.pdf|\.csv|\.ics|\.837|\.txt|/pdf|/export|/download|/logout|/static/)"
                   r"(/|$)")


@dataclass(frozen=True)
class Problem:
    """One failing axe rule on one page at one viewport."""

    where: str
    viewport: str
    rule: str
    impact: str
    help: str
    nodes: tuple[str, ...]

    def __str__(self) -> str:
        nodes = "\n      ".join(self.nodes)
        return (f"{self.where} [{self.viewport}] {self.rule} ({self.impact}): {self.help}\n"
                f"      {nodes}")


def install(context) -> None:
    """Make axe available on every page the context opens."""
    context.add_init_script(path=str(AXE_SCRIPT))


def blocking(violation: dict) -> bool:
    """Whether this axe violation fails the test."""
    return violation["impact"] in BLOCKING_IMPACTS or violation["id"] in ALSO_BLOCKING


# Controls a screen reader lists by name: two of one kind with one name in the same place
# (the same form group, dialog or landmark) cannot be told apart ("Serious", "Serious"...).
_CONTROLS = {"button", "checkbox", "textbox", "combobox", "radio", "spinbutton", "switch",
             "slider", "listbox", "searchbox"}
_PLACES = {"navigation", "search", "main", "group", "radiogroup", "dialog", "form", "region",
           "complementary", "banner", "contentinfo"}
_ARIA_LINE = re.compile(r'^(?P<indent>\s*)- (?P<role>[a-z]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?')
_YAML_QUOTED = re.compile(r"^(?P<indent>\s*)- '(?P<item>(?:[^']|'')*)'")


def _aria_line(line: str):
    """The match for one line of an ARIA snapshot; YAML quotes a whole item that holds
    ": " (`- 'group "9. ...: ..."':`), so that is unquoted first."""
    quoted = _YAML_QUOTED.match(line)
    if quoted:
        line = f"{quoted['indent']}- {quoted['item'].replace(chr(39) * 2, chr(39))}"
    return _ARIA_LINE.match(line)


def duplicate_names(page, where: str) -> list[Problem]:
    """Controls of one role sharing an accessible name within one place of the page (from
    Playwright's ARIA snapshot, so only what assistive technology is given)."""
    seen: Counter = Counter()
    stack: list[tuple[int, str]] = []  # (indent, place name)
    for line in page.locator("body").aria_snapshot().splitlines():
        m = _aria_line(line)
        if not m:
            continue
        indent, role, name = len(m["indent"]), m["role"], m["name"]
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if role in _PLACES:
            stack.append((indent, f"{role}:{name or ''}"))
        elif role in _CONTROLS and name:
            seen[(tuple(p for _, p in stack), role, name)] += 1
    return [Problem(where, "any", "duplicate-control-name", "serious",
                    "Controls of one kind must have different names in one place",
                    (f"{count} x {role} \"{name}\" in {' > '.join(place) or 'the page'}",))
            for (place, role, name), count in seen.items() if count > 1]


def check(page, where: str | None = None, viewports=VIEWPORTS) -> list[Problem]:
    """Run axe on the page as it is now, at each viewport, and look for repeated control
    names; the failing rules."""
    problems = duplicate_names(page, where or page.url)
    for name, size in viewports.items():
        page.set_viewport_size(size)
        for v in page.evaluate(_RUN, TAGS):
            if blocking(v):
                problems.append(Problem(
                    where or page.url, name, v["id"], v["impact"], v["help"],
                    tuple(f"{n['target']}  {n['html']}" for n in v["nodes"])))
    return problems


def pattern(url: str) -> str:
    """The page a URL is an instance of: ids, dates and page positions become placeholders,
    so the walk visits /patients/3 and /patients/4 as two instances of /patients/N."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    query = sorted((k, "N" if re.search(r"\d", v) else v) for k, v in parse_qsl(parts.query))
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


# Every demo patient's page and billing page (each shows a different stage of the path);
# two instances of any other page.
EVERY_INSTANCE = {"/patients/N": 20, "/billing/patients/N": 20, "/care/sessions/N": 6}


def walk(page, base: str, start: str = "/", per_pattern: int = 2, limit: int = 300):
    """Breadth-first over the same-site links from ``start``, yielding each page's path
    once it has loaded; at most ``per_pattern`` instances of each page (see pattern()),
    more of those in EVERY_INSTANCE."""
    queue, counts, seen = [start], Counter(), {start}
    counts[pattern(start)] += 1
    while queue and limit:
        path = queue.pop(0)
        try:
            response = page.goto(path)
        except Exception as error:  # a link that starts a download is not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        assert response.status < 500, f"{path} answered {response.status}"
        limit -= 1
        yield path
        for href in page.eval_on_selector_all("a[href]", "els => els.map((e) => e.href)"):
            parts = urlsplit(href)
            if not href.startswith(base) or _SKIP.search(parts.path):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            key = pattern(local)
            if local in seen or counts[key] >= EVERY_INSTANCE.get(key, per_pattern):
                continue
            seen.add(local)
            counts[key] += 1
            queue.append(local)
