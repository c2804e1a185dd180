"""Setting a password by link: the portal invitation, "Forgot your password?" and an
admin's reset, all by email; single use, expiring, the same password rules and lockout."""

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from kapms.auth.models import User
from kapms.outbox.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, make_patient, make_user
from tests.outbox.helpers import link_in, send_due


def _set_password(client, path, password):
    opened = client.get(path)
    assert opened.status_code == 302 and opened.location == "/set-password"
    return client.post("/set-password", data={"password": password, "confirm": password})


def test_a_clinician_invites_a_patient_who_chooses_a_password_once(app, client, db, login):
    therapist = make_user(db, roles=["therapist"])
    patient = make_patient(db, therapist=therapist, first_name="Rosa", last_name="Diaz")
    db.commit()
    login(therapist)
    response = client.post(f"/portal-invitations/patients/{patient.id}",
                           data={"portal-email": "Rosa.Diaz@Example.com"})
    assert response.status_code == 302
    account = db.scalar(select(User).where(User.patient_id == patient.id))
    assert account.email == "rosa.diaz@example.com" and account.roles == {"patient"}
    client.post("/logout")
    [email] = send_due(app, db)
    assert email.to == ["rosa.diaz@example.com"] and "patient portal" in email.subject
    assert "Diaz" not in email.subject
    path = link_in(email)
    refused = _set_password(client, path, "password1234")
    assert refused.status_code == 200 and "common" in refused.get_data(as_text=True)
    done = client.post("/set-password", data={"password": "blue heron at low tide",
                                              "confirm": "blue heron at low tide"})
    assert done.status_code == 302 and done.location == "/login"
    assert client.get(path).status_code == 410  # used: the link works once
    signed_in = client.post("/login", data={"email": "rosa.diaz@example.com",
                                            "password": "blue heron at low tide"})
    assert signed_in.status_code == 302
    assert client.get("/").location == "/portal/"


def test_an_expired_or_replaced_invitation_link_is_refused(app, client, db, login):
    therapist = make_user(db, roles=["therapist"])
    patient = make_patient(db, therapist=therapist)
    db.commit()
    login(therapist)
    client.post(f"/portal-invitations/patients/{patient.id}", data={"portal-email": "a@b.example"})
    [first] = send_due(app, db)
    client.post(f"/portal-invitations/patients/{patient.id}", data={"portal-email": "a@b.example"})
    [second] = send_due(app, db)
    client.post("/logout")
    assert client.get(link_in(first)).status_code == 410  # replaced by the newer one
    with time_machine.travel(timedelta(hours=73)):
        assert client.get(link_in(second)).status_code == 410  # expired after 72 hours


def test_billing_may_invite_but_an_active_portal_user_is_not_invited_again(
        app, client, db, login):
    billing = make_user(db, roles=["billing"])
    patient = make_patient(db)
    db.commit()
    login(billing)
    client.post(f"/portal-invitations/patients/{patient.id}", data={"portal-email": "p@x.example"})
    [email] = send_due(app, db)
    client.post("/logout")
    _set_password(client, link_in(email), "lantern over the bay")
    client.post("/set-password", data={"password": "lantern over the bay",
                                       "confirm": "lantern over the bay"})
    login(billing)
    again = client.post(f"/portal-invitations/patients/{patient.id}",
                        data={"portal-email": "p@x.example"}, follow_redirects=True)
    assert "already uses the portal" in again.get_data(as_text=True)


def test_forgot_password_tells_nobody_who_has_an_account_and_limits_emails(app, client, db):
    user = make_user(db, roles=["therapist"], email="dana@clinic.example")
    db.commit()
    unknown = client.post("/forgot-password", data={"email": "nobody@clinic.example"},
                          follow_redirects=True).get_data(as_text=True)
    known = client.post("/forgot-password", data={"email": "dana@clinic.example"},
                        follow_redirects=True).get_data(as_text=True)
    assert "If an account uses this email" in unknown and "If an account uses this email" in known
    for _ in range(4):
        client.post("/forgot-password", data={"email": "DANA@clinic.example"})
    count = db.scalar(select(func.count()).select_from(OutboxMessage)
                      .where(OutboxMessage.user_id == user.id))
    assert count == app.config["PASSWORD_RESET_EMAILS_PER_HOUR"]
    emails = send_due(app, db)
    path = link_in(emails[-1])
    _set_password(client, path, "a quiet orchard road")
    client.post("/set-password", data={"password": "a quiet orchard road",
                                       "confirm": "a quiet orchard road"})
    assert client.post("/login", data={"email": "dana@clinic.example",
                                       "password": DEFAULT_PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": "dana@clinic.example",
                                       "password": "a quiet orchard road"}).status_code == 302


def test_an_admin_reset_mails_a_link_and_the_admin_never_sees_a_code(app, client, db, login_as):
    login_as("admin")
    user = make_user(db, roles=["therapist"], email="eli@clinic.example")
    db.commit()
    page = client.post(f"/admin/users/{user.id}/reset-password",
                       follow_redirects=True).get_data(as_text=True)
    assert "A password reset was sent to eli@clinic.example" in page
    assert 'data-testid="one-time-code"' not in page
    client.post("/logout")
    [email] = send_due(app, db)
    assert client.post("/login", data={"email": "eli@clinic.example",
                                       "password": DEFAULT_PASSWORD}).status_code == 200
    _set_password(client, link_in(email), "copper kettle morning")
    client.post("/set-password", data={"password": "copper kettle morning",
                                       "confirm": "copper kettle morning"})
    signed_in = client.post("/login", data={"email": "eli@clinic.example",
                                            "password": "copper kettle morning"})
    assert signed_in.location == "/"  # no forced change: the link set the password
    assert not db.get(User, user.id, populate_existing=True).must_change_password


def test_a_patient_account_locks_like_a_staff_account(app, client, db):
    from tests.factories import make_patient_account

    account = make_patient_account(db, make_patient(db))
    db.commit()
    for _ in range(app.config["LOGIN_LOCK_THRESHOLD"]):
        client.post("/login", data={"email": account.email, "password": "wrong guess here"})
    locked = client.post("/login", data={"email": account.email, "password": DEFAULT_PASSWORD})
    assert "locked" in locked.get_data(as_text=True)


def test_an_admin_deactivates_a_patients_portal_account(app, client, db, login_as):
    from tests.factories import make_patient_account

    account = make_patient_account(db, make_patient(db))
    db.commit()
    login_as("admin")
    assert client.get(f"/admin/users/{account.id}").status_code == 200
    # the "active" box left unticked (a real form always sends its CSRF token)
    assert client.post(f"/admin/users/{account.id}", data={"x": "1"}).status_code == 302
    db.expire_all()
    changed = db.get(User, account.id)
    assert not changed.active and changed.roles == {"patient"}
