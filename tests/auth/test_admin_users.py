"""The admin's account list finds people by name or email, a page at a time; an admin
corrects a person's name, email and credentials, audited with the old and new values."""

from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.auth.models import User
from kapms.auth.services import search_users
from tests.factories import make_patient, make_patient_account, make_user


def test_search_by_name_or_email_a_page_at_a_time(db):
    make_user(db, email="ana.silva@clinic.example", full_name="Ana Silva")
    make_user(db, email="jordan@clinic.example", full_name="Jordan Lee")
    make_user(db, email="maya@clinic.example", full_name="Maya Okafor")
    assert [u.full_name for u in search_users(db, "SILVA")[0]] == ["Ana Silva"]
    assert [u.full_name for u in search_users(db, "jordan@")[0]] == ["Jordan Lee"]
    assert search_users(db, "%")[0] == []  # wildcards are plain characters
    first, more = search_users(db, "clinic.example", per_page=2)
    last, no_more = search_users(db, "clinic.example", page=2, per_page=2)
    assert [u.full_name for u in first + last] == ["Ana Silva", "Jordan Lee", "Maya Okafor"]
    assert more and not no_more


def test_staff_and_patients_accounts_are_listed_apart(client, db, login_as):
    login_as("admin")
    therapist = make_user(db, email="ana.silva@clinic.example", full_name="Ana Silva")
    make_patient_account(db, make_patient(db, therapist, first_name="Sam", last_name="Silva"),
                         email="sam.silva@mail.example")
    db.commit()
    staff = client.get("/admin/users/?q=silva").get_data(as_text=True)
    assert "ana.silva@clinic.example" in staff and "sam.silva@mail.example" not in staff
    portal = client.get("/admin/users/?q=silva&accounts=patients").get_data(as_text=True)
    assert "sam.silva@mail.example" in portal and "ana.silva@clinic.example" not in portal
    assert 'name="accounts" value="patients"' in portal  # the search stays on the tab
    assert [u.email for u in search_users(db, "silva", patients=True)[0]] == [
        "sam.silva@mail.example"]


def test_admin_lists_and_searches_accounts(client, db, login_as):
    login_as("admin")
    make_user(db, email="ana.silva@clinic.example", full_name="Ana Silva")
    db.commit()
    page = client.get("/admin/users/?q=silva").get_data(as_text=True)
    assert "ana.silva@clinic.example" in page and 'aria-label="Edit Ana Silva"' in page
    assert "No account matches “nobody”" in client.get(
        "/admin/users/?q=nobody").get_data(as_text=True)


def test_admin_corrects_name_and_email_audited(client, db, login_as):
    admin = login_as("admin")
    person = make_user(db, email="a.silva@clinic.example", full_name="Ana Silvia")
    make_user(db, email="taken@clinic.example")
    db.commit()
    response = client.post(f"/admin/users/{person.id}/details", data={
        "details-full_name": " Ana  Silva ", "details-email": "Ana.Silva@Clinic.example",
        "details-credentials": "LMFT"})
    assert response.status_code == 302
    db.expire_all()
    person = db.get(User, person.id)
    assert (person.full_name, person.email, person.credentials) == (
        "Ana Silva", "ana.silva@clinic.example", "LMFT")
    [event] = db.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "user", AuditEvent.entity_id == str(person.id),
        AuditEvent.action == "update")).all()
    assert event.user_id == admin.id
    assert event.detail == ("name: Ana Silvia -> Ana Silva; email: a.silva@clinic.example -> "
                            "ana.silva@clinic.example; credentials: - -> LMFT")

    refused = client.post(f"/admin/users/{person.id}/details", data={
        "details-full_name": "Ana Silva", "details-email": "taken@clinic.example"})
    # Refused: back to the account page (a reload sends nothing again), the message once,
    # next to the email, with what was typed.
    assert refused.status_code == 302 and refused.location == f"/admin/users/{person.id}"
    page = client.get(refused.location).get_data(as_text=True)
    assert page.count("Another account already uses this email.") == 1
    assert 'value="taken@clinic.example"' in page
    again = client.get(refused.location).get_data(as_text=True)  # shown once, then gone
    assert "Another account already uses" not in again and 'value="ana.silva@' in again
    db.expire_all()
    assert db.get(User, person.id).email == "ana.silva@clinic.example"
