"""Consent rules over plain values (no database, no Flask): the text's fingerprint, which
version a patient must sign, whom a document concerns, and whether a typed name is the
patient's."""

import hashlib
import unicodedata
from collections.abc import Iterable

REMOTE_SETTINGS = frozenset({"telehealth", "home"})


def text_hash(body: str) -> str:
    """SHA-256 of the exact text of a version (UTF-8), as recorded with each signature."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def version_to_sign(versions: Iterable[tuple[int, bool]], signed: Iterable[int]) -> int | None:
    """The version number the patient must sign, or None when their signature holds.

    ``versions``: (number, material) of every published version; ``signed``: the numbers
    the patient signed. A signature holds when it is of the latest material version or a
    later one (the first version always counts as material); the patient then signs
    nothing. Otherwise they sign the current (latest) version.
    """
    versions = sorted(versions)
    if not versions:
        return None
    first = versions[0][0]
    last_material = max(n for n, material in versions if material or n == first)
    if any(n >= last_material for n in signed):
        return None
    return versions[-1][0]


def concerns(applies_to: str, remote: bool | None) -> bool:
    """Whether a document applies: every patient ("all"), or remote dosings only.
    ``remote`` None means "any dosing the patient may have" (the portal's to-do list asks
    for the chaperone agreement only when a remote dosing is booked: the caller says)."""
    return applies_to == "all" or bool(remote)


def is_remote(modality: str | None, setting: str | None) -> bool:
    """A dosing by telehealth or at home (by the session's modality or, once checked in,
    the dosing record's setting)."""
    return modality == "telehealth" or setting in REMOTE_SETTINGS


def _words(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return "".join(c if c.isalnum() else " " for c in folded).split()


def name_matches(typed: str, first_name: str, last_name: str) -> bool:
    """True when the typed name holds the patient's first and last names (any case,
    accents, punctuation or middle names), e.g. "elena r. morales" for Elena Morales."""
    words = _words(typed)
    return all(w in words for w in _words(first_name) + _words(last_name))


def refusal(titles: list[str]) -> str | None:
    """The plain message of a dosing or clearance waiting for signatures, or None."""
    if not titles:
        return None
    listed = "; ".join(titles)
    return (f"Not signed yet: {listed}. The patient signs in the portal, or a clinician "
            "records a paper signature on the patient page.")
