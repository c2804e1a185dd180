"""The patients services without HTTP: scoped, audited reads; search; registration (its
checks and the care-team door it opens); editing with the version check."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied
from kapms.patients import services
from kapms.patients.access import BILLING, CLINICAL, categories
from kapms.patients.models import Patient
from kapms.patients.services import PatientInput
from tests.factories import make_patient, make_user
from tests.network.helpers import make_clinician, make_plan


def data(**kw) -> PatientInput:
    values = dict(first_name="Rosa", last_name="Diaz", date_of_birth=date(1987, 2, 3),
                  address_line1="5 Elm St", city="Oakland", state="CA", postal_code="94610")
    values.update(kw)
    return PatientInput(**values)


def audits(db, **where):
    query = select(AuditEvent)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.scalars(query).all()


def test_get_patient_scopes_to_the_care_team_and_audits_every_read(db):
    therapist, stranger = make_user(db), make_user(db)
    admin, biller = make_user(db, roles=("admin",)), make_user(db, roles=("billing",))
    patient = make_patient(db, therapist)
    assert services.get_patient(db, therapist, patient.id) is patient
    assert services.get_patient(db, admin, patient.id) is patient
    with pytest.raises(NotFound):  # someone else's patient looks like no patient
        services.get_patient(db, stranger, patient.id)
    with pytest.raises(NotFound):
        services.get_patient(db, therapist, 999999)
    assert services.get_patient(db, biller, patient.id, need=BILLING) is patient
    with pytest.raises(PermissionDenied):  # billing never reads clinical data
        services.get_patient(db, biller, patient.id, need=CLINICAL)
    outcomes = [(e.user_id, e.outcome) for e in audits(db, entity_type="patient")]
    assert outcomes == [(therapist.id, "success"), (admin.id, "success"),
                        (stranger.id, "denied"), (therapist.id, "denied"),
                        (biller.id, "success"), (biller.id, "denied")]
    services.get_patient(db, therapist, patient.id, audit=False)
    assert len(audits(db, entity_type="patient")) == 6
    assert categories(biller, patient) == {BILLING}
    assert categories(therapist, patient) == {CLINICAL, BILLING}


def test_an_ended_place_ends_access(db):
    therapist = make_user(db)
    patient = make_patient(db, therapist)
    [member] = patient.care_team
    member.active = False
    db.flush()
    db.expire(patient, ["care_team"])
    with pytest.raises(NotFound):
        services.get_patient(db, therapist, patient.id)


def test_search_is_scoped_by_name_and_stage(db):
    therapist = make_user(db)
    make_patient(db, therapist, first_name="Zed", last_name="Alpha", stage="dosing")
    make_patient(db, therapist, first_name="Yan", last_name="Beta", stage="intake")
    make_patient(db, make_user(db), first_name="Hidden", last_name="Gamma")

    def found(actor, text=None, **kw):
        return [p.last_name for p in services.find_patients(db, actor, text, **kw).rows]

    assert found(therapist) == ["Alpha", "Beta"]
    assert found(therapist, " YAN ") == ["Beta"]
    assert found(therapist, stage="dosing") == ["Alpha"]
    assert found(make_user(db, roles=("admin",))) == ["Alpha", "Beta", "Gamma"]
    assert found(make_user(db, roles=("billing",)), per_page=1) == ["Alpha"]
    assert found(make_user(db, roles=())) == []  # deny by default


def test_registration_checks_its_input(db):
    therapist = make_clinician(db, accepts_private_pay=True, private_pay_rate_cents=1)
    plan = make_plan(db)
    retired = make_plan(db, "Old Payer", "Gone")
    retired.active = False
    cases = [
        (data(diagnosis_code="Z99.99"), "diagnosis_code"),
        (data(plan_id=retired.id, member_id="M1"), "plan_id"),
        (data(plan_id=plan.id), "member_id"),
        (data(date_of_birth=clinic_time.today()), "date_of_birth"),
        (data(urgency="whenever"), "urgency"),
        (data(care_modality="carrier pigeon"), "urgency"),
    ]
    for bad, field in cases:
        with pytest.raises(DomainError) as refused:
            services.register_patient(db, therapist, bad)
        assert refused.value.field == field
    assert db.query(Patient).count() == 0
    with pytest.raises(PermissionDenied):
        services.register_patient(db, make_user(db, roles=("prescriber",)), data())


def test_a_therapist_registers_and_joins_an_admin_may_assign(db):
    therapist = make_clinician(db, accepts_private_pay=True, private_pay_rate_cents=1)
    patient = services.register_patient(db, therapist, data(urgency="soon"))
    [member] = patient.care_team
    assert (member.user_id, member.joined_via, patient.stage, patient.urgency) == (
        therapist.id, "registration", "referral", "soon")  # the views refresh the stage
    admin = make_user(db, roles=("admin",))
    waiting = services.register_patient(db, admin, data(last_name="Vega"))
    assert waiting.care_team == [] and waiting.created_by_id == admin.id
    assigned = services.register_patient(db, admin, data(last_name="Cruz"), therapist=therapist)
    assert [(m.user_id, m.joined_via) for m in assigned.care_team] == [
        (therapist.id, "assignment")]
    created = audits(db, entity_type="patient", action="create")
    assert {e.user_id for e in created} == {therapist.id, admin.id} and len(created) == 3


def test_one_chart_per_person(db):
    admin = make_user(db, roles=("admin",))
    services.register_patient(db, admin, data())
    with pytest.raises(DomainError, match="already registered"):
        services.register_patient(db, admin, data(first_name="ROSA"))
    services.register_patient(db, admin, data(date_of_birth=date(1987, 2, 4)))


def test_update_checks_access_version_and_clears_the_member_id_of_self_pay(db):
    therapist, stranger = make_user(db), make_user(db)
    plan = make_plan(db)
    patient = make_patient(db, therapist, plan=plan, member_id="M9")
    version = patient.version
    with pytest.raises(PermissionDenied):
        services.update_patient(db, stranger, patient, data(), version)
    with pytest.raises(ConflictError):
        services.update_patient(db, therapist, patient, data(), version + 1)
    services.update_patient(db, therapist, patient, data(city="Berkeley", member_id="M9"),
                            version)
    assert (patient.city, patient.plan_id, patient.member_id) == ("Berkeley", None, None)
    assert patient.version == version + 1
    assert [e.user_id for e in audits(db, entity_type="patient", action="update")] == [
        therapist.id]
    # A save racing another at the database is refused too, not lost.
    db.execute(update(Patient).where(Patient.id == patient.id)
               .values(version=Patient.version + 1).execution_options(
                   synchronize_session=False))
    with pytest.raises(ConflictError):
        services.update_patient(db, therapist, patient, data(city="Alameda"), patient.version)
    db.rollback()


def test_the_date_of_birth_is_checked_against_the_clinic_day(db):
    admin = make_user(db, roles=("admin",))
    yesterday = clinic_time.today() - timedelta(days=1)
    assert services.register_patient(db, admin, data(date_of_birth=yesterday)).id
