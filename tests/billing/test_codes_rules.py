"""Service codes and their time rules (kapms/billing/codes.py), and dollars (money.py).

From domain.md ("Codes") and docs/billing.md ("Codes from the care record"): psychotherapy by
face-to-face minutes 16-37 -> 90832, 38-52 -> 90834, 53+ -> 90837 (add-ons 90833/90836/90838
beside an E/M visit), nothing under 16; 0820T-0822T per hour, an hour counting from its 31st
minute (31-90 minutes one unit, 91-150 two).
"""

import re

import pytest

from kapms.billing.codes import (
    PER_HOUR_CODES,
    SERVICE_CODES,
    SERVICE_TYPES,
    billing_units,
    label,
    psychotherapy_code,
    service_type,
)
from kapms.billing.money import dollars


@pytest.mark.parametrize("minutes, alone, with_em", [
    (16, "90832", "90833"), (30, "90832", "90833"), (37, "90832", "90833"),
    (38, "90834", "90836"), (45, "90834", "90836"), (52, "90834", "90836"),
    (53, "90837", "90838"), (60, "90837", "90838"), (180, "90837", "90838"),
])
def test_psychotherapy_code_by_minutes(minutes, alone, with_em):
    assert psychotherapy_code(minutes) == alone
    assert psychotherapy_code(minutes, with_em=False) == alone
    assert psychotherapy_code(minutes, with_em=True) == with_em


@pytest.mark.parametrize("minutes", [15, 0, -5])
def test_under_16_minutes_is_not_psychotherapy(minutes):
    message = f"{minutes} minutes is too short to bill as psychotherapy (16 minimum)"
    with pytest.raises(ValueError, match=re.escape(message)):
        psychotherapy_code(minutes)


@pytest.mark.parametrize("minutes", [True, 45.0, "45", None])
def test_minutes_must_be_an_int(minutes):
    message = f"minutes must be an int, not {type(minutes).__name__} {minutes!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        psychotherapy_code(minutes)


@pytest.mark.parametrize("minutes, units", [
    (31, 1), (60, 1), (90, 1), (91, 2), (120, 2), (150, 2), (151, 3), (180, 3), (210, 3),
    (211, 4), (None, 1)])
def test_monitoring_hours_count_from_their_31st_minute(minutes, units):
    for code in ("0820T", "0821T", "0822T"):
        assert billing_units(code, minutes) == units


@pytest.mark.parametrize("minutes", [30, 0])
def test_under_31_minutes_of_monitoring_is_not_billable(minutes):
    message = f"0821T needs at least 31 minutes to bill an hour, got {minutes}"
    with pytest.raises(ValueError, match=re.escape(message)):
        billing_units("0821T", minutes)


@pytest.mark.parametrize("code", ["90837", "99204", "96127", "MED-KETAMINE"])
def test_other_codes_are_one_unit_whatever_the_minutes(code):
    assert billing_units(code, 120) == 1
    assert billing_units(code, 10) == 1
    assert billing_units(code, None) == 1


def test_labels_and_service_types():
    assert label("90837") == "Psychotherapy session, about 60 minutes"
    assert service_type("90837") == "psychotherapy"
    assert service_type("99214") == "office_visit"
    assert service_type("0820T") == "monitoring"
    assert service_type("96127") == "testing"
    assert service_type("MED-KETAMINE") == "medication"
    assert PER_HOUR_CODES == {"0820T", "0821T", "0822T"}
    assert {kind for _, kind in SERVICE_CODES.values()} == set(SERVICE_TYPES)


@pytest.mark.parametrize("lookup", [label, service_type])
def test_an_unknown_code_is_named(lookup):
    with pytest.raises(ValueError, match=re.escape("unknown service code '90999'")):
        lookup("90999")


@pytest.mark.parametrize("cents, text", [
    (0, "$0.00"), (5, "$0.05"), (99, "$0.99"), (100, "$1.00"), (123456, "$1,234.56"),
    (100000000, "$1,000,000.00"), (-1, "-$0.01"), (-123456, "-$1,234.56")])
def test_dollars(cents, text):
    assert dollars(cents) == text
