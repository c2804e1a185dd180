"""The documents travel with the code: README.md and docs/*.md refer only to files inside
the repository, and every file they name exists (a person who clones it has them all)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Markdown links [text](target), and paths in backticks starting at a top-level folder.
LINK = re.compile(r"\]\(([^)\s]+)\)")
TOP_LEVEL = ("kapms", "docs", "tests", "templates", "migrations", "scripts", "bench")
NAMED_PATH = re.compile(r"`((?:" + "|".join(TOP_LEVEL) + r")/[\w./-]*[\w/])`")
# Folders of one machine (a scratch file in /tmp in an example command is fine).
OUTSIDE = re.compile(r"(?<![\w.])(?:/work/|/home/|/srv/|~/|\.\./)")


def _targets(document: Path):
    text = document.read_text()
    for match in LINK.finditer(text):
        target = match.group(1).split("#")[0]
        if target and not re.match(r"[a-z]+:", target):  # not http:, mailto:
            yield target, (document.parent / target).resolve()
    for match in NAMED_PATH.finditer(text):
        yield match.group(1), ROOT / match.group(1).rstrip("/")


def test_the_documents_exist_and_have_an_index():
    index = (ROOT / "docs" / "README.md").read_text()
    for document in DOCUMENTS[1:]:
        if document.name != "README.md":
            assert f"({document.name})" in index, f"docs/README.md does not list {document.name}"


def test_nothing_refers_to_a_path_outside_the_repository():
    outside = [(d.name, line.strip()) for d in DOCUMENTS
               for line in d.read_text().splitlines() if OUTSIDE.search(line)]
    assert outside == []


def test_every_file_a_document_names_exists_in_the_repository():
    missing = [(d.relative_to(ROOT).as_posix(), name) for d in DOCUMENTS
               for name, path in _targets(d)
               if not path.is_relative_to(ROOT) or not path.exists()]
    assert missing == []
    named = sum(1 for d in DOCUMENTS for _ in _targets(d))
    assert named > 20, "the documents name files; the patterns above find them"
