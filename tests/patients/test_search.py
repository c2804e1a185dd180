"""Finding patients from one box: what the text is read as (pure), what it finds within the
actor's patients, a page at a time, audited as one search; the results page and the
suggestions behind the navigation's search box."""

from datetime import date

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.patients import services
from kapms.patients.search import read_query
from tests.factories import make_patient, make_user


@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("  elena  ", {"words": ("elena",)}),
    ("Morales, Elena", {"words": ("morales", "elena")}),
    ("1988-03-14", {"birth_date": date(1988, 3, 14)}),
    ("3/14/1988", {"birth_date": date(1988, 3, 14)}),
    ("03.14.1988", {"birth_date": date(1988, 3, 14)}),
    ("+1 (510) 555-0110", {"phone_digits": "5105550110"}),
    ("555-0110", {"phone_digits": "5550110", "member_id": "555-0110"}),
    ("0110", {"phone_digits": "0110", "member_id": "0110"}),
    ("12", {}),  # too short to be part of a phone number; two digits are no member id
    ("W123-456", {"words": ("w123-456",), "member_id": "W123-456"}),
    ("2/30/1990", {"words": ("2/30/1990",)}),  # no such day: not a date
])
def test_the_box_reads_names_birth_dates_phones_and_member_ids(text, expected):
    query = read_query(text)
    for name in ("words", "birth_date", "phone_digits", "member_id"):
        default = () if name == "words" else None
        assert getattr(query, name) == expected.get(name, default), name


def test_finds_by_name_birth_date_phone_or_member_id_among_visible_patients(db):
    therapist = make_user(db)
    make_patient(db, therapist, first_name="Elena", last_name="Morales",
                 date_of_birth=date(1988, 3, 14), phone="(510) 555-0110",
                 member_id="W100200300")
    make_patient(db, therapist, first_name="Marcus", last_name="Elliott",
                 date_of_birth=date(1979, 7, 1), phone="+44 20 7946 0958")
    hidden = make_patient(db, make_user(db), first_name="Elena", last_name="Hidden",
                          date_of_birth=date(1988, 3, 14), phone="(510) 555-0110")

    def names(text, actor=therapist):
        return [p.full_name for p in services.find_patients(db, actor, text).rows]

    assert names("el") == ["Marcus Elliott", "Elena Morales"]  # first or last name
    assert names("elena mor") == ["Elena Morales"]  # every word must match
    assert names("mor elena") == ["Elena Morales"]
    assert names("lena") == []  # names match from their start
    assert names("3/14/1988") == names("1988-03-14") == ["Elena Morales"]
    assert names("510 555 0110") == names("5550110") == ["Elena Morales"]
    assert names("+1 510-555-0110") == ["Elena Morales"]
    assert names("7946 0958") == ["Marcus Elliott"]
    assert names("w1002") == ["Elena Morales"]
    assert names("%") == names("_a") == []  # LIKE wildcards are plain characters
    assert names("12") == names("-") == names("+") == []  # too short to be anything: no one
    assert names("ELENA", make_user(db, roles=("admin",))) == ["Elena Hidden", "Elena Morales"]
    assert hidden.id not in [p.id for p in services.find_patients(db, therapist, "").rows]


def test_a_search_is_one_audit_record_with_the_ids_listed_and_pages(db):
    biller = make_user(db, roles=("billing",))
    patients = [make_patient(db, last_name=f"Page{n:02d}") for n in range(5)]
    first = services.find_patients(db, biller, "page", per_page=2)
    second = services.find_patients(db, biller, "page", page=3, per_page=2)
    assert [p.last_name for p in first.rows] == ["Page00", "Page01"] and first.has_next
    assert [p.last_name for p in second.rows] == ["Page04"] and not second.has_next
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "patient")
                        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity_type, e.patient_id) for e in events] == [
        ("search", "patient", None), ("search", "patient", None)]
    assert events[0].detail == (f"by name; page 1; listed: {patients[0].id}, "
                                f"{patients[1].id}")
    assert "page 3" in events[1].detail and "Page04" not in events[1].detail


def test_results_page_and_suggestions(client, db, login):
    therapist = make_user(db)
    elena = make_patient(db, therapist, first_name="Elena", last_name="Morales",
                         date_of_birth=date(1988, 3, 14))
    make_patient(db, make_user(db), first_name="Elena", last_name="Hidden")
    db.commit()
    login(therapist)
    page = client.get("/patients/?q=elena").get_data(as_text=True)
    assert "Morales, Elena" in page and "Hidden" not in page
    assert "Patients found by name for “elena”" in page
    data = client.get("/patients/suggest?q=el").get_json()
    assert data["results"] == [{"name": "Elena Morales",
                                "detail": "Born Mar 14, 1988 · Oakland, CA",
                                "url": f"/patients/{elena.id}"}]
    assert data["all"] == "/patients/?q=el" and data["more"] is False
    assert client.get("/patients/suggest?q=e").get_json() == {"results": [], "more": False}
    searches = db.scalars(select(AuditEvent).where(AuditEvent.action == "search")).all()
    assert len(searches) == 2  # the page and one suggestion; a single letter asks nothing


def test_the_navigation_search_box_is_for_those_who_may_list_patients(client, db, login):
    patient = make_patient(db)
    db.commit()
    login(make_user(db, roles=("billing",)))
    page = client.get("/patients/").get_data(as_text=True)
    assert 'id="patient-search"' in page  # one list: billing staff open billing from it
    assert f'href="/billing/patients/{patient.id}"' in page
    client.post("/logout")
    login(make_user(db, roles=()))
    assert 'id="patient-search"' not in client.get("/account/security").get_data(as_text=True)


NAME_INDEXES = {"ix_patients_first_name_lower", "ix_patients_last_name_lower"}


@pytest.mark.parametrize("text, indexes, found", [
    ("mor", NAME_INDEXES, ["Elena0", "Elena1", "Elena2"]),
    ("elena1 MOR", NAME_INDEXES, ["Elena1"]),
    ("w1002", NAME_INDEXES | {"ix_patients_member_id_upper"}, ["Elena2"]),
    ("1988-03-14", {"ix_patients_date_of_birth"}, ["Elena1"]),
])
def test_the_search_reads_the_matching_rows_through_indexes(db, text, indexes, found):
    """A name, member id or date of birth is found through its index (no scan of every
    patient), on SQLite and PostgreSQL, for the statement the search runs, with its values
    bound. PostgreSQL may use nothing but bitmap scans here (on a few rows it would rightly
    prefer a scan): a bitmap scan needs an index that serves the condition, so without one
    the plan falls back to the (disabled) sequential scan and the test fails."""
    admin = make_user(db, roles=("admin",))
    for n in range(3):
        make_patient(db, first_name=f"Elena{n}", last_name=f"Morales{n}",
                     date_of_birth=date(1988, 3, 13 + n), member_id=f"W100{n}00")
    connection = db.connection()
    statement = services.search_select(admin, read_query(text)).limit(26).compile(connection)
    params = statement.params
    if statement.positional:
        params = tuple(params[name] for name in statement.positiontup)
    if connection.dialect.name == "sqlite":
        plan = " ".join(row[-1] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", params))
        assert "SCAN patients" not in plan, plan
    else:
        for method in ("seqscan", "indexscan", "indexonlyscan"):
            connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
        plan = " ".join(row[0] for row in connection.exec_driver_sql(
            f"EXPLAIN {statement}", params))
        assert "Seq Scan on patients" not in plan, plan
    assert {name for name in indexes if name in plan} == indexes, plan
    assert [p.first_name for p in services.find_patients(db, admin, text).rows] == found
