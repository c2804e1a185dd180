"""Care-team pages over HTTP: the patient page's care team (why, flags, assign/invite), the
care-team page (history, removal and transfer), the coordinators' queue, invitations, and
the licence warnings on the admin's home page."""

import re
from datetime import timedelta

from kapms import clinic_time
from kapms.network.models import Referral
from kapms.network.services import care_teams, profile_for
from kapms.patients.models import CareTeamMember, Patient
from tests.factories import make_user
from tests.network.helpers import fill_caseload, make_clinician, make_patient, make_plan


def page_of(client, url) -> str:
    return client.get(url).get_data(as_text=True)


def test_admin_assigns_only_with_a_reason_when_the_rule_refuses(client, login_as, db):
    plan = make_plan(db)
    patient = make_patient(db, plan=plan)
    eligible = make_clinician(db, name="Ellie Gibble", plans=[plan])
    york = make_clinician(db, name="Nora York", states=("NY",), plans=[plan])
    db.commit()
    login_as("admin")
    page = page_of(client, f"/patients/{patient.id}")
    assert "Ellie Gibble" in page and "Nora York" not in page  # the list is the eligible
    url = f"/network/patients/{patient.id}/care-team"
    refused = client.post(url, data={"email": york.email, "role": "therapist"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Nora York holds no current licence in CA (licensed in NY)." in text
    assert "override reason" in text
    assert db.query(CareTeamMember).count() == 0
    done = client.post(url, data={"email": york.email, "role": "therapist",
                                  "override_reason": "Relocating; CA licence issued Monday"})
    assert done.status_code == 302
    page = page_of(client, f"/patients/{patient.id}")
    assert "Eligibility overridden: Relocating; CA licence issued Monday" in page
    assert "Assigned by an admin" in page
    assert client.post(url, data={"user_id": "0", "role": "therapist"}).status_code == 400
    assert client.post(url, data={"user_id": eligible.id, "role": "therapist"}).status_code == 302
    db.expire_all()
    assert {m.user_id for m in db.get(Patient, patient.id).care_team} == {york.id, eligible.id}


def test_the_patient_page_flags_members_no_longer_eligible(client, login, db):
    plan = make_plan(db)
    admin = make_user(db, roles=("admin",))
    therapist = make_clinician(db, name="Dee Lapsed", plans=[plan])
    patient = make_patient(db, plan=plan)
    care_teams.assign_member(db, admin, patient, therapist, "therapist")
    db.commit()
    login(admin)
    page = page_of(client, f"/patients/{patient.id}")
    assert "No longer eligible" not in page
    profile = profile_for(db, therapist.id)
    profile.licences[0].expires_on = clinic_time.today() - timedelta(days=1)
    profile.plan_rows = []  # and the plan was dropped
    db.commit()
    page = page_of(client, f"/patients/{patient.id}")
    assert "No longer eligible" in page
    assert "Dee Lapsed holds no current licence in CA (it expired on" in page
    assert "Dee Lapsed is not in network with" in page


def test_transfer_over_http_and_refusals_are_form_errors(client, login, db):
    plan = make_plan(db)
    admin = make_user(db, roles=("admin",))
    leaving = make_clinician(db, name="Lee Ving", plans=[plan])
    successor = make_clinician(db, name="Sue Cessor", plans=[plan])
    patient = make_patient(db, plan=plan)
    member = care_teams.assign_member(db, admin, patient, leaving, "therapist")
    db.commit()
    login(leaving)
    assert page_of(client, f"/network/patients/{patient.id}/care-team").count("leave-form") == 0
    assert client.post(f"/network/care-team/{member.id}/leave").status_code == 403
    client.post("/logout")
    login(admin)
    page = page_of(client, f"/network/patients/{patient.id}/care-team")
    assert "Sue Cessor" in page and 'data-testid="leave-form"' in page
    prefix = f"m{member.id}-"
    form = {prefix + "reason": "Moving practice", prefix + "successor_id": str(successor.id),
            prefix + "sessions": "reassign",
            prefix + "effective": (clinic_time.today() + timedelta(days=3)).isoformat()}
    future = client.post(f"/network/care-team/{member.id}/leave", data=form)
    assert future.status_code == 400 and "access ends when it is recorded" in \
        future.get_data(as_text=True)
    form[prefix + "effective"] = clinic_time.today().isoformat()
    done = client.post(f"/network/care-team/{member.id}/leave", data=form,
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Lee Ving has left the care team. No scheduled sessions to hand over." in text
    assert "Took over in a transfer" in text and "replaced by Sue Cessor" in text
    db.expire_all()
    assert [m.user_id for m in db.get(Patient, patient.id).care_team] == [successor.id]
    assert client.post("/network/care-team/999999/leave").status_code == 404


def test_invitation_accepted_over_http(client, login, db):
    therapist = make_clinician(db, accepts_private_pay=True, private_pay_rate_cents=15000)
    prescriber = make_clinician(db, kind="prescriber", name="Ivy Invited",
                                accepts_private_pay=True, private_pay_rate_cents=20000)
    patient = make_patient(db)
    db.add(CareTeamMember(patient_id=patient.id, user_id=therapist.id, role="therapist"))
    db.commit()
    login(therapist)
    client.post(f"/network/patients/{patient.id}/care-team",
                data={"user_id": prescriber.id, "role": "prescriber", "note": "Intake please"})
    invitation = db.query(Referral).one()
    assert "Invitation to Ivy Invited" in page_of(client, f"/patients/{patient.id}")
    client.post("/logout")
    login(prescriber)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)  # their calendar
    assert "Review invitation" in home
    offer = page_of(client, f"/network/offers/{invitation.id}")
    assert "Intake please" in offer and "Accept invitation" in offer
    assert client.post(f"/network/offers/{invitation.id}/accept").status_code == 302
    db.expire_all()
    assert [u.id for u in db.get(Patient, patient.id).members("prescriber")] == [prescriber.id]


def test_queue_page(client, login, login_as, db):
    plan = make_plan(db)
    make_patient(db, plan=plan, last_name="Waiting", diagnosis_code="F43.10",
                 urgency="urgent", care_modality="telehealth")
    db.commit()
    login_as("therapist")
    assert client.get("/network/queue").status_code == 403
    client.post("/logout")
    login_as("admin")
    page = page_of(client, "/network/queue")
    assert "Waiting" in page and "PTSD, Trauma" in page and "Urgent" in page
    assert "Telehealth" in page and "Find a therapist" in page and "Find a prescriber" in page
    assert client.get("/network/queue?role=nobody&page=abc").status_code == 200
    assert client.get("/network/queue?role=prescriber&page=-5").status_code == 200
    assert "Nobody is waiting" in page_of(client, "/network/queue?page=99")
    for _ in range(25):
        make_patient(db)
    db.commit()
    first = page_of(client, "/network/queue?role=therapist")
    assert "Page 1 of 2" in first and "/network/queue?page=2&amp;role=therapist" in first
    assert "Page 2 of 2" in page_of(client, "/network/queue?role=therapist&page=2")


def test_admin_home_warns_of_expiring_licences(client, login_as, db):
    soon = clinic_time.today() + timedelta(days=10)
    make_clinician(db, name="Soon Expiring", expires=soon)
    make_clinician(db, name="Far Off", expires=soon + timedelta(days=300))
    db.commit()
    login_as("admin")
    page = page_of(client, "/")
    assert "Licences expiring within 60 days" in page
    assert "Soon Expiring" in page and "in 10 days" in page and "Far Off" not in page


def eligible_on(html: str) -> list[str]:
    """The names in the care-team page's list of eligible clinicians, in order."""
    return re.findall(r'data-testid="eligible-clinician">([^<]+?) <span', html)


def test_care_team_page_finds_eligible_clinicians_a_page_at_a_time(client, login_as, db):
    """The eligible of the role searched for (at first the one the team lacks), by name,
    10 a page, fewest places taken first; the team's members and the ineligible are not
    offered; odd parameters fall back to the first page of the lacking role."""
    plan = make_plan(db)
    patient = make_patient(db, plan=plan)
    member = make_clinician(db, name="Mem Ber", plans=[plan])
    db.add(CareTeamMember(patient_id=patient.id, user_id=member.id, role="therapist"))
    for n in range(12):
        make_clinician(db, kind="prescriber", name=f"Presc {n:02d}", plans=[plan])
        make_clinician(db, name=f"Thera {n:02d}", plans=[plan])
    make_clinician(db, kind="prescriber", name="Presc York", states=("NY",), plans=[plan])
    busy = make_clinician(db, kind="prescriber", name="Presc Busy", plans=[plan])
    fill_caseload(db, busy, 2, role="prescriber")
    db.commit()
    login_as("admin")
    url = f"/network/patients/{patient.id}/care-team"
    first = page_of(client, url)  # the team lacks a prescriber
    assert eligible_on(first) == [f"Presc {n:02d}" for n in range(10)]
    assert "role=prescriber&amp;page=2" in first
    second = page_of(client, url + "?role=prescriber&page=2")
    assert eligible_on(second) == ["Presc 10", "Presc 11", "Presc Busy"]  # busiest last
    assert "page=3" not in second
    assert eligible_on(page_of(client, url + "?role=therapist&q=thera 1")) == [
        "Thera 10", "Thera 11"]
    assert eligible_on(page_of(client, url + "?role=therapist&q=ber")) == []  # on the team
    for odd in ("?role=nobody&page=abc", "?q=" + "x" * 500, "?page=-3"):
        response = client.get(url + odd)
        assert response.status_code == 200
        assert eligible_on(response.get_data(as_text=True))[0] == "Presc 00"
    nobody = page_of(client, url + "?role=prescriber&q=zzz")
    assert 'data-testid="no-eligible"' in nobody and "by that name" in nobody
