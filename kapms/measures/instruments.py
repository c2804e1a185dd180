"""Definitions of the outcome instruments: item counts, answer ranges, wording and subscales.

PHQ-9 and GAD-7 (free to reproduce) and PCL-5 (public domain) ship with their standard
instructions, item wording and response option labels.

MBI-GS (Maslach Burnout Inventory - General Survey) is copyrighted, so this module ships
no item text and no option wording for it: only the item numbers, the subscale membership
and the 0-6 frequency scale as numbers. A clinic holding a licence loads the wording with
:func:`load_licensed_item_text`.

Licensed MBI-GS item text file format
-------------------------------------
A UTF-8 text file (a byte order mark is tolerated), one item per line::

    item_number,text

* ``item_number`` is an integer 1..16; every item must appear exactly once.
* ``text`` is everything after the first comma, stripped of surrounding whitespace, so it
  may itself contain commas. If it is wrapped in double quotes (as a spreadsheet exports
  CSV), the quotes are removed and doubled quotes ``""`` become ``"``. It must not be empty.
* Blank lines and lines starting with ``#`` are ignored, and so is a first line reading
  ``item_number,text`` (a CSV header).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

_FREQUENCY_2_WEEKS = ("Not at all", "Several days", "More than half the days", "Nearly every day")


@dataclass(frozen=True)
class Instrument:
    """One questionnaire: its answer range and, where we may reproduce it, its wording."""

    name: str
    item_count: int
    min_answer: int
    max_answer: int
    instructions: str | None  # None when the wording is licensed (MBI-GS)
    option_labels: tuple[str, ...] | None  # label for each answer value min..max
    items: tuple[str, ...] | None  # item text in item order, None when licensed
    # subscale name -> 1-based item numbers; read-only so the shared definition can't drift
    subscales: Mapping[str, tuple[int, ...]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )
    # items the clinic refers to by what they ask (e.g. PHQ-9 "sleep" is item 3) -> number
    named_items: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )

    @property
    def answer_values(self) -> tuple[int, ...]:
        """All valid answers, lowest first."""
        return tuple(range(self.min_answer, self.max_answer + 1))

    def answer(self, answers, name: str) -> int:
        """The answer to the item called ``name`` (see ``named_items``) in ``answers``."""
        return answers[self.named_items[name] - 1]


PHQ9 = Instrument(
    name="PHQ-9",
    item_count=9,
    min_answer=0,
    max_answer=3,
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    option_labels=_FREQUENCY_2_WEEKS,
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or "
        "your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite "
        "— being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    # item 3 is the sleep item (source articles' "sleep response"); item 9 the suicidal
    # ideation screen that raises a safety alert
    named_items=MappingProxyType({"sleep": 3, "suicidal_ideation": 9}),
)

GAD7 = Instrument(
    name="GAD-7",
    item_count=7,
    min_answer=0,
    max_answer=3,
    instructions="Over the last 2 weeks, how often have you been bothered by the following problems?",
    option_labels=_FREQUENCY_2_WEEKS,
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
)

PCL5 = Instrument(
    name="PCL-5",
    item_count=20,
    min_answer=0,
    max_answer=4,
    instructions="In the past month, how much were you bothered by:",
    option_labels=("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"),
    items=(
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "Repeated, disturbing dreams of the stressful experience?",
        "Suddenly feeling or acting as if the stressful experience were actually happening "
        "again (as if you were actually back there reliving it)?",
        "Feeling very upset when something reminded you of the stressful experience?",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)?",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "Avoiding external reminders of the stressful experience (for example, people, "
        "places, conversations, activities, objects, or situations)?",
        "Trouble remembering important parts of the stressful experience?",
        "Having strong negative beliefs about yourself, other people, or the world (for "
        "example, having thoughts such as: I am bad, there is something seriously wrong with "
        "me, no one can be trusted, the world is completely dangerous)?",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness "
        "or have loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    # DSM-5 symptom clusters
    subscales=MappingProxyType(
        {
            "B": (1, 2, 3, 4, 5),
            "C": (6, 7),
            "D": (8, 9, 10, 11, 12, 13, 14),
            "E": (15, 16, 17, 18, 19, 20),
        }
    ),
)

MBIGS = Instrument(
    name="MBI-GS",
    item_count=16,
    min_answer=0,
    max_answer=6,  # frequency scale, 0 = never .. 6 = every day; wording is licensed
    instructions=None,
    option_labels=None,
    items=None,
    subscales=MappingProxyType(
        {
            "exhaustion": (1, 2, 3, 4, 6),
            "cynicism": (8, 9, 13, 14, 15),
            "professional_efficacy": (5, 7, 10, 11, 12, 16),
        }
    ),
)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {i.name: i for i in (PHQ9, GAD7, PCL5, MBIGS)}
)


def get_instrument(name: str) -> Instrument:
    """Return the instrument called ``name`` (e.g. "PHQ-9"); ValueError if unknown."""
    try:
        return INSTRUMENTS[name]
    except (KeyError, TypeError):  # TypeError: unhashable name such as a list
        known = ", ".join(INSTRUMENTS)
        raise ValueError(f"unknown instrument {name!r}; expected one of {known}") from None


def _unquote(text: str) -> str:
    """Undo spreadsheet-style CSV quoting of a whole field."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"').strip()
    return text


def load_licensed_item_text(path: str | Path) -> dict[int, str]:
    """Read a licensed MBI-GS item text file and return ``{item_number: text}``.

    The format is described in this module's docstring. Raises ValueError naming the file
    line at fault (or the missing items) when the file is not exactly items 1..16, once each,
    with non-empty text.
    """
    # utf-8-sig: files saved by spreadsheet programs often start with a byte order mark
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    texts: dict[int, str] = {}
    first_seen: dict[int, int] = {}
    header_allowed = True
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        where = f"{path}, line {lineno}"
        if not line or line.startswith("#"):
            continue
        if header_allowed and line.replace(" ", "").lower() == "item_number,text":
            header_allowed = False
            continue
        header_allowed = False
        number_part, sep, text_part = line.partition(",")
        if not sep:
            raise ValueError(f"{where}: expected 'item_number,text', got {line!r}")
        number_part = number_part.strip()
        if not (number_part.isascii() and number_part.isdigit()):
            raise ValueError(f"{where}: item number {number_part!r} is not an integer")
        number = int(number_part)
        if not 1 <= number <= MBIGS.item_count:
            raise ValueError(f"{where}: item number {number} is out of range 1-{MBIGS.item_count}")
        if number in texts:
            raise ValueError(
                f"{where}: item {number} appears again (first on line {first_seen[number]})"
            )
        text = _unquote(text_part.strip())
        if not text:
            raise ValueError(f"{where}: item {number} has empty text")
        texts[number] = text
        first_seen[number] = lineno
    missing = [n for n in range(1, MBIGS.item_count + 1) if n not in texts]
    if missing:
        raise ValueError(f"{path}: missing item(s) {', '.join(map(str, missing))}")
    return dict(sorted(texts.items()))
