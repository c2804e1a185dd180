"""Fee schedules (network admins): private pay and each plan's allowed amounts, by date."""

from datetime import date

import pytest
from sqlalchemy import func, select

from kapms.billing.forms import code_field_name
from kapms.billing.models import FeeSchedule
from kapms.billing.services.fees import FEE_CODES, schedule_on
from kapms.errors import RuleViolation
from tests.billing.helpers import make_plan, make_schedule


def schedule_form(start="2026-01-01", end="", **amounts):
    data = {"effective_from": start, "effective_to": end}
    data |= {code_field_name(code): "100.00" for code in FEE_CODES}
    data |= amounts
    return data


def test_admin_adds_fee_schedules_by_date(client, login_as, db):
    plan = make_plan(db)
    db.commit()
    login_as("admin")
    response = client.post(f"/admin/fees/plans/{plan.id}/new",
                           data=schedule_form(code_90837="151.25"))
    assert response.status_code == 302
    first = schedule_on(db, plan.id, date(2026, 6, 1))
    assert first.amounts()["90837"] == 15125 and first.amounts()["MED-KETAMINE"] == 10000
    # The next year's schedule closes the first; the new form starts from the latest amounts.
    form = client.get(f"/admin/fees/plans/{plan.id}/new").get_data(as_text=True)
    assert 'value="151.25"' in form
    client.post(f"/admin/fees/plans/{plan.id}/new",
                data=schedule_form(start="2027-01-01", code_90837="160.00"))
    db.expire_all()
    assert first.effective_to == date(2026, 12, 31)
    assert schedule_on(db, plan.id, date(2027, 3, 1)).amounts()["90837"] == 16000
    page = client.get(f"/admin/fees/{first.id}").get_data(as_text=True)
    assert "$151.25" in page and "Ketamine medication for one dosing session" in page


def test_bad_fee_schedules_are_form_errors(client, login_as, db):
    plan = make_plan(db)
    make_schedule(db, plan, start=date(2026, 1, 1), end=date(2026, 12, 31))
    db.commit()
    login_as("admin")
    for data, message in [
        (schedule_form(code_90791="-1"), "Enter an amount"),
        (schedule_form(code_90791=""), "Enter an amount"),
        (schedule_form(code_90791="1.001"), "two decimal places"),
        (schedule_form(start="2026-06-01"), "Overlaps"),
        (schedule_form(start="2027-06-01", end="2027-01-01"), "end date is before"),
    ]:
        response = client.post(f"/admin/fees/plans/{plan.id}/new", data=data)
        assert response.status_code == 200 and message in response.get_data(as_text=True), message
    assert db.scalar(select(func.count()).select_from(FeeSchedule)) == 1


def test_private_pay_schedules_use_plan_id_zero(client, login_as, db):
    login_as("admin")
    assert client.post("/admin/fees/plans/0/new", data=schedule_form()).status_code == 302
    assert schedule_on(db, None, date(2026, 2, 1)) is not None
    assert client.get("/admin/fees/plans/999").status_code == 404


def test_fee_index_lists_private_pay_and_plans(client, login_as, db):
    plan = make_plan(db, payer_name="Kaiser", plan_name="Gold HMO")
    make_schedule(db, plan, start=date(2026, 1, 1))
    db.commit()
    login_as("admin")
    page = client.get("/admin/fees/").get_data(as_text=True)
    assert "Private pay" in page and "Kaiser" in page and "Gold HMO" in page
    assert "from Jan 01, 2026" in page


def test_billing_staff_cannot_change_fees(client, login_as):
    login_as("billing")
    assert client.get("/admin/fees/").status_code == 403
    assert client.get("/admin/fees/plans/0/new").status_code == 403


def test_out_of_network_schedules_and_the_dosing_rule(client, login_as, db):
    plan = make_plan(db)
    make_schedule(db, plan, start=date(2026, 1, 1))
    db.commit()
    login_as("admin")
    response = client.post(f"/admin/fees/plans/{plan.id}/new", data=schedule_form(
        network="out", dosing_billed_as="psychotherapy", code_90837="120.00"))
    assert response.status_code == 302  # no overlap: the other network's schedules are apart
    out = schedule_on(db, plan.id, date(2026, 6, 1), network="out")
    assert (out.network, out.dosing_billed_as, out.amounts()["90837"]) == (
        "out", "psychotherapy", 12000)
    assert schedule_on(db, plan.id, date(2026, 6, 1)).network == "in"
    page = client.get("/admin/fees/").get_data(as_text=True)
    assert "Out of network, in force today" in page
    # Private pay has no network: the form does not ask, and the service refuses one.
    assert client.post("/admin/fees/plans/0/new",
                       data=schedule_form(network="out")).status_code == 302
    assert schedule_on(db, None, date(2026, 6, 1)).network == "in"
    with pytest.raises(RuleViolation, match="private pay has no network"):
        make_schedule(db, None, start=date(2027, 1, 1), network="out")
