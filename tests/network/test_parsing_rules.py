"""The directory's compact text forms (kapms/network/parsing.py), item by item.

The profile form (one item per line) and the CSV import (items separated by ";") read the
same syntax (docs/network.md, "CSV import"): licences "TYPE NUMBER STATE EXPIRY", weekly
availability "Tue 09:00-12:00", specialties by key or label, languages, yes/no, amounts in
dollars to the cent, numbers within bounds. Every refusal is a message for the user, checked
word for word.
"""

import re
from datetime import date, time

import pytest

from kapms.network.parsing import (
    items,
    parse_bool,
    parse_cents,
    parse_date,
    parse_float,
    parse_int,
    parse_languages,
    parse_licence,
    parse_licences,
    parse_slot,
    parse_slots,
    parse_specialties,
    parse_state,
    parse_time,
)


def refused(message: str):
    return pytest.raises(ValueError, match="^" + re.escape(message) + "$")


def test_items_split_on_semicolons_and_lines():
    assert items("a; b\nc;;\n\n d ") == ["a", "b", "c", "d"]
    assert items(" ; \n") == []
    assert items(None) == [] and items("") == []


def test_states():
    assert parse_state(" ca ") == "CA"
    assert parse_state("DC") == "DC"
    with refused("'XX' is not a US state code (e.g. CA)."):
        parse_state("XX")
    with refused("None is not a US state code (e.g. CA)."):
        parse_state(None)


def test_dates():
    assert parse_date(" 2027-06-30 ") == date(2027, 6, 30)
    with refused("date '30/06/2027' is not a date like 2027-06-30."):
        parse_date("30/06/2027")
    with refused("Expiry None is not a date like 2027-06-30."):
        parse_date(None, "Expiry")


def test_a_licence():
    assert parse_licence("lmft 12345 ca 2027-06-30") == ("LMFT", "12345", "CA",
                                                         date(2027, 6, 30))
    assert parse_licence("PsyD A-1 OR 2028-01-01") == ("PsyD", "A-1", "OR", date(2028, 1, 1))
    assert parse_licence("PMHNP " + "9" * 40 + " WA 2027-01-01")[1] == "9" * 40


def test_licence_refusals():
    with refused("Licence 'LMFT 12345 CA' should read TYPE NUMBER STATE EXPIRY, "
                 "e.g. LMFT 12345 CA 2027-06-30."):
        parse_licence("LMFT 12345 CA")
    with refused("Licence 'LMFT 1 CA 2027-06-30 x' should read TYPE NUMBER STATE EXPIRY, "
                 "e.g. LMFT 12345 CA 2027-06-30."):
        parse_licence("LMFT 1 CA 2027-06-30 x")
    with refused("Licence type 'RN' is not one of LMFT, LCSW, LPC, LMHC, PsyD, PhD, MD, DO, "
                 "PMHNP, NP, PA."):
        parse_licence("RN 1 CA 2027-06-30")
    with refused("A licence number has at most 40 characters."):
        parse_licence("MD " + "9" * 41 + " CA 2027-06-30")
    with refused("'ZZ' is not a US state code (e.g. CA)."):
        parse_licence("MD 1 ZZ 2027-06-30")
    with refused("Expiry '2027-13-01' is not a date like 2027-06-30."):
        parse_licence("MD 1 CA 2027-13-01")


def test_several_licences():
    assert parse_licences("MD 1 CA 2027-06-30; DO 2 OR 2028-01-31") == [
        ("MD", "1", "CA", date(2027, 6, 30)), ("DO", "2", "OR", date(2028, 1, 31))]
    assert parse_licences(None) == []


def test_times():
    assert parse_time("9:00") == time(9, 0)
    assert parse_time("09:05") == time(9, 5)
    assert parse_time("23:59") == time(23, 59)
    for text in ("24:00", "9:60", "nine", "9"):
        with refused(f"{text!r} is not a time like 09:00."):
            parse_time(text)


def test_weekly_slots():
    assert parse_slot("Tue 09:00-12:00") == (1, time(9), time(12))
    assert parse_slot(" monday 9:30 - 17:00 ") == (0, time(9, 30), time(17))
    assert parse_slot("SUN 8:00-8:01") == (6, time(8), time(8, 1))
    assert parse_slots("Mon 09:00-10:00\nFri 13:00-14:00") == [(0, time(9), time(10)),
                                                               (4, time(13), time(14))]
    assert parse_slots(None) == []


def test_slot_refusals():
    with refused("Availability 'Tue 9-12' should read like Tue 09:00-12:00."):
        parse_slot("Tue 9-12")
    with refused("'Tus' is not a weekday (Mon ... Sun)."):
        parse_slot("Tus 09:00-12:00")
    with refused("In 'Tue 12:00-12:00' the end is not after the start."):
        parse_slot("Tue 12:00-12:00")
    with refused("In 'Tue 12:00-09:00' the end is not after the start."):
        parse_slot("Tue 12:00-09:00")
    with refused("'25:00' is not a time like 09:00."):
        parse_slot("Tue 25:00-26:00")


def test_specialties_by_key_or_label():
    assert parse_specialties("PTSD, sleep; Substance use\nend_of_life") == [
        "ptsd", "sleep", "substance_use", "end_of_life"]
    assert parse_specialties("Eating disorders; eating; EATING") == ["eating"]
    assert parse_specialties("chronic pain") == ["chronic_pain"]
    assert parse_specialties("end of life") == ["end_of_life"]  # a key typed with spaces
    assert parse_specialties(None) == []
    with refused("Unknown specialty 'Phobias'; use: anxiety, depression, ptsd, trauma, "
                 "burnout, sleep, ocd, substance_use, chronic_pain, grief, eating, "
                 "end_of_life."):
        parse_specialties("sleep, Phobias")


def test_languages():
    assert parse_languages("english, SPANISH; Haitian Creole\nenglish") == [
        "English", "Spanish", "Haitian Creole"]
    assert parse_languages("Tai-Kadai") == ["Tai-Kadai"]
    assert parse_languages("A" * 40) == ["A" + "a" * 39]  # title-cased
    assert parse_languages(None) == []
    for bad in ("Fr3nch", "-French", "A" * 41):
        with refused(f"{bad!r} is not a language name."):
            parse_languages(bad)


@pytest.mark.parametrize("text, value", [
    ("yes", True), (" Y ", True), ("TRUE", True), ("1", True), ("x", True),
    ("no", False), ("N", False), ("false", False), ("0", False), ("", False), (None, False)])
def test_yes_and_no(text, value):
    assert parse_bool(text, "KAP trained") is value


def test_neither_yes_nor_no():
    with refused("KAP trained should be yes or no, not 'maybe'."):
        parse_bool("maybe", "KAP trained")


@pytest.mark.parametrize("text, cents", [
    ("180", 18000), ("$180.00", 18000), ("180.5", 18050), ("180.05", 18005),
    (" $1,250.99 ", 125099), ("0", 0), ("999999.99", 99999999), ("", None), (None, None)])
def test_amounts_in_cents(text, cents):
    assert parse_cents(text, "Private-pay rate") == cents


@pytest.mark.parametrize("text", ["180.123", "1000000", "-5", "12a", ".50"])
def test_amounts_refused(text):
    with refused(f"Private-pay rate {text!r} is not an amount like 180.00."):
        parse_cents(text, "Private-pay rate")


def test_numbers_within_bounds():
    assert parse_float(" 37.5 ", "Latitude", -90, 90) == 37.5
    assert parse_float("-90", "Latitude", -90, 90) == -90.0
    assert parse_float("90", "Latitude", -90, 90) == 90.0
    assert parse_float("", "Latitude", -90, 90) is None
    assert parse_float(None, "Latitude", -90, 90) is None
    with refused("Latitude 'north' is not a number."):
        parse_float("north", "Latitude", -90, 90)
    with refused("Latitude must be between -90 and 90."):
        parse_float("90.5", "Latitude", -90, 90)
    with refused("Latitude must be between -90 and 90."):
        parse_float("-91", "Latitude", -90, 90)


def test_whole_numbers_within_bounds():
    assert parse_int(" 12 ", "Capacity", 0, 500) == 12
    assert parse_int("0", "Capacity", 0, 500) == 0
    assert parse_int("500", "Capacity", 0, 500) == 500
    with refused("Capacity '' is not a whole number."):
        parse_int("", "Capacity", 0, 500)
    with refused("Capacity None is not a whole number."):
        parse_int(None, "Capacity", 0, 500)
    with refused("Capacity '1.5' is not a whole number."):
        parse_int("1.5", "Capacity", 0, 500)
    with refused("Capacity must be between 0 and 500."):
        parse_int("501", "Capacity", 0, 500)
    with refused("Capacity must be between 0 and 500."):
        parse_int("-1", "Capacity", 0, 500)
