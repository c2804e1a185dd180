"""Correcting the medication of a dosing after the fact: a correction that departs from the
plan (another product or route, a higher dose) is what was given, so the record can say it,
but only when confirmed, and the prescriber signs it off from their review list. The plan
itself changes only by a plan version."""

import pytest

from kapms.care import services as care
from kapms.care.models import PrescriberReview
from kapms.errors import RuleViolation
from tests.care.factories import THRESHOLDS, at, dose, later, ready_for_dosing


def _amend(db, team, cs, target, value, confirm=False, actor=None):
    return care.amend_dosing(db, actor or team.therapist, cs, target, value,
                             "Pharmacy log shows 250 mg", THRESHOLDS, cs.dosing.version,
                             now=later(cs), confirm_deviation=confirm)


def _deviations(db, team):
    return db.query(PrescriberReview).filter_by(patient_id=team.patient.id,
                                                kind="plan_deviation").all()


def test_a_dose_above_the_plan_needs_confirmation_then_goes_for_sign_off(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    with pytest.raises(RuleViolation, match="above the plan's dose.*tick the confirmation") \
            as refused:
        _amend(db, team, cs, "dose_mg", "250")
    assert refused.value.field == "confirm_deviation" and cs.dosing.dose_mg == 200
    amendment = _amend(db, team, cs, "dose_mg", "250", confirm=True)
    assert cs.dosing.dose_mg == 250 and (amendment.old_value, amendment.new_value) == (
        "200", "250")
    [review] = _deviations(db, team)
    assert review.reviewed_at is None and "200 → 250" in review.summary
    assert "above the plan's dose" in review.summary and "Pharmacy log" in review.summary
    assert cs.dosing.plan_version.dose_mg == 200  # the plan did not change
    # the prescriber signs it off from the review list
    care.acknowledge_review(db, team.prescriber, review.id, "Reviewed; tolerated.",
                            review.version)
    assert review.reviewed_by_id == team.prescriber.id
    # the record stays correctable for other values
    care.amend_dosing(db, team.therapist, cs, "lot_number", "KX-9", "typo", THRESHOLDS,
                      cs.dosing.version, now=later(cs))
    assert cs.dosing.lot_number == "KX-9" and len(_deviations(db, team)) == 1


def test_another_route_is_a_deviation_but_nonsense_is_still_refused(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    _amend(db, team, cs, "route", "Intramuscular (in office)", confirm=True)
    assert cs.dosing.route == "intramuscular" and len(_deviations(db, team)) == 1
    with pytest.raises(RuleViolation, match="not a valid value"):
        _amend(db, team, cs, "dose_mg", "abc", confirm=True)
    with pytest.raises(RuleViolation, match="Give the dose"):
        _amend(db, team, cs, "dose_mg", "0", confirm=True)
    assert cs.dosing.dose_mg == 200


def test_a_correction_within_the_plan_needs_no_sign_off(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    _amend(db, team, cs, "dose_mg", "150")
    assert cs.dosing.dose_mg == 150 and _deviations(db, team) == []


def test_the_days_co_medications_and_contraindication_are_amendable(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    values = {a.target: a.current for a in care.amendable_values(cs.dosing)}
    assert values["co_medications:benzodiazepines"] == "No"
    assert values["new_contraindication"] == "—"
    amendment = care.amend_dosing(db, team.therapist, cs, "co_medications:benzodiazepines",
                                  "Yes", "Patient recalled a lorazepam at 7am", THRESHOLDS,
                                  cs.dosing.version, now=later(cs))
    assert (amendment.old_value, amendment.new_value) == ("No", "Yes")
    assert cs.dosing.co_medications["benzodiazepines"] is True
    assert cs.dosing.co_medications["maois"] is False  # the other answers are kept
    assert cs.dosing.sedation_reason == ("Reported after the dose (amendment): Patient "
                                         "recalled a lorazepam at 7am")
    # a contraindication added afterwards would have held the dose: the decision stands
    with pytest.raises(RuleViolation, match="hold decision"):
        care.amend_dosing(db, team.therapist, cs, "new_contraindication", "Pregnant", "late",
                          THRESHOLDS, cs.dosing.version, now=later(cs))
    assert cs.dosing.new_contraindication is None
