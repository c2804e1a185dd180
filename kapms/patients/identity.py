"""Who is the same person: the key behind "one chart per person and date of birth".

Pure rules, no database. A name is compared the way a person reading two registrations
would: without case, accents, spacing or punctuation, and with compatibility forms folded,
so "Ana-María O'Neil", "ana maria oneil" and "ＡＮＡ ＭＡＲÍＡ Ｏ’ＮＥＩＬ" are one person.
First and last names stay apart ("Mary Ann | Lee" is not "Mary | Ann Lee"); swapped first
and last names are not matched. The key is a SHA-256 of the folded names, so it is short
and fixed in size whatever the script, and it shows no name where it is stored.
"""

import hashlib
import unicodedata


def fold_name(name: str) -> str:
    """``name`` as compared: case-folded, accents and punctuation removed, letters and
    digits of any script kept. A name of only punctuation folds to itself, stripped."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    kept = "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", kept) or name.strip().casefold()


def person_key(first_name: str, last_name: str) -> str:
    """The stored key of a person's name (with the date of birth it is unique)."""
    folded = f"{fold_name(first_name)}\x1f{fold_name(last_name)}"
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
