"""The demo clinic's billing shows what issue 12 promises, whatever day it is seeded on."""

from datetime import datetime, time

import pytest
import time_machine
from sqlalchemy import select

from kapms import clinic_time
from kapms.auth.models import User
from kapms.billing.models import Claim, Estimate, GoodFaithEstimate
from kapms.demo import DEMO_LOGINS, seed_demo
from kapms.patients.models import Patient
from tests.billing.x12check import validate


@pytest.mark.parametrize("day", ["2026-11-30", "2027-03-15", "2027-06-10"])
def test_demo_billing(client, login, db, day):
    noon = datetime.combine(datetime.fromisoformat(day).date(), time(12), clinic_time.zone())
    with time_machine.travel(noon, tick=False):
        seed_demo(db)
        db.commit()
        by_name = {p.first_name: p for p in db.scalars(select(Patient))}
        elena = db.scalar(select(Estimate).where(Estimate.patient_id == by_name["Elena"].id))
        years = [year for year, _ in elena.plan_years("high")]
        assert len(years) == 2 and years[1].month == 1 and years[1].day == 1  # across 1 January
        assert elena.networks == ["in", "out"]
        assert elena.total("high", "patient_cents", "out") > elena.total("high", "patient_cents")
        statuses = sorted(c.status for c in db.scalars(select(Claim).where(
            Claim.patient_id == by_name["Marcus"].id)))
        assert "submitted" in statuses and "paid" in statuses
        lucia = db.scalar(select(GoodFaithEstimate).where(
            GoodFaithEstimate.patient_id == by_name["Lucia"].id))
        assert lucia.dosing_minutes == 180
        assert any(line.code == "0820T" and line.quantity % 3 == 0 for line in lucia.lines)
        email, password = next((e, p) for r, e, p in DEMO_LOGINS if r == "billing")
        login(db.scalar(select(User).where(User.email == email)), password)
        home = client.get("/billing/").get_data(as_text=True)
        assert 'data-testid="gfe-watch-entry"' in home and "Grace Kim" in home
        submitted = db.scalar(select(Claim).where(Claim.status == "submitted"))
        assert client.get(f"/billing/claims/{submitted.id}.pdf").status_code == 200
        edi = client.get(f"/billing/claims/{submitted.id}.837")
        ok, errors = validate(edi.get_data(as_text=True))
        assert ok, errors
