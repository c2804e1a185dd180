"""An admin registering a patient chooses the therapist from a paged, searchable list of the
therapists eligible for the state and coverage entered (never from every therapist); the
patient list is paged."""

import re

from kapms.patients.models import Patient
from tests.factories import make_user
from tests.network.helpers import make_clinician
from tests.patients.test_views import FORM


def _private_pay(db, name, **kw):
    return make_clinician(db, name=name, accepts_private_pay=True,
                          private_pay_rate_cents=15000, **kw)


def _shown(page: str) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(
        r'data-testid="therapist-choice">([^<]*)<', page)]


def test_only_eligible_therapists_are_listed_and_found_by_name(client, login_as, db):
    login_as("admin")
    _private_pay(db, "Ada Eligible")
    _private_pay(db, "Ben Newyork", states=("NY",))
    _private_pay(db, "Cy Untrained", kap_trained_on=None, kap_course=None)
    make_clinician(db, name="Dee Insured-only")  # takes no private pay: FORM is self-pay
    make_user(db, roles=("therapist",), full_name="Eve Noprofile")
    db.commit()
    first = client.get("/patients/new").get_data(as_text=True)
    assert 'data-testid="no-therapists"' in first and "Enter the state" in first
    assert "Ben Newyork" not in first and "Eve Noprofile" not in first
    page = client.post("/patients/new", data={**FORM, "turn": "find"}).get_data(as_text=True)
    assert _shown(page) == ["Ada Eligible"] and "0 of 5 places taken" in page
    assert db.query(Patient).count() == 0  # finding saves nothing
    none = client.post("/patients/new", data={**FORM, "turn": "find", "therapist_q": "zed"}
                       ).get_data(as_text=True)
    assert _shown(none) == [] and "No eligible therapist by that name" in none


def test_the_list_is_paged_and_a_choice_survives_paging(client, login_as, db):
    login_as("admin")
    therapists = [_private_pay(db, f"Therapist {n:02d}") for n in range(12)]
    db.commit()
    page1 = client.post("/patients/new", data={**FORM, "turn": "find"}).get_data(as_text=True)
    assert len(_shown(page1)) == 10 and "Page 1 of 2 (12 therapists)" in page1
    page2 = client.post("/patients/new", data={**FORM, "turn": "next", "therapist_page": "1",
                                               "therapist_id": str(therapists[0].id)}
                        ).get_data(as_text=True)
    assert [s.split(" ·")[0] for s in _shown(page2)] == ["Therapist 10", "Therapist 11"]
    assert "Therapist 00 (chosen)" in page2
    searched = client.post("/patients/new", data={**FORM, "turn": "find",
                                                  "therapist_q": "ist 11"}).get_data(as_text=True)
    assert [s.split(" ·")[0] for s in _shown(searched)] == ["Therapist 11"]
    response = client.post("/patients/new", data={**FORM, "therapist_id": str(therapists[11].id)})
    assert response.status_code == 302
    patient = db.query(Patient).filter_by(last_name="Diaz").one()
    assert [u.id for u in patient.members("therapist")] == [therapists[11].id]


def test_an_ineligible_or_unknown_therapist_is_refused(client, login_as, db):
    login_as("admin")
    outsider = _private_pay(db, "Ben Newyork", states=("NY",))
    db.commit()
    page = client.post("/patients/new", data={**FORM, "therapist_id": str(outsider.id)}
                       ).get_data(as_text=True)
    assert "holds no current licence in CA" in page
    page = client.post("/patients/new", data={**FORM, "therapist_id": "99999"}
                       ).get_data(as_text=True)
    assert "No such therapist" in page
    assert db.query(Patient).count() == 0


def test_the_patient_list_is_paged(client, login_as, db):
    from tests.factories import make_patient

    login_as("admin")
    for n in range(53):
        make_patient(db, first_name=f"P{n:02d}", last_name="Pager")
    db.commit()
    from kapms.patients.views import PER_PAGE

    first = client.get("/patients/?q=pager").get_data(as_text=True)
    assert first.count("Pager, P") == PER_PAGE and "Page 1" in first and "Next" in first
    last_page = -(-53 // PER_PAGE)
    last = client.get(f"/patients/?q=pager&page={last_page}").get_data(as_text=True)
    expected = [f"Pager, P{n:02d}" for n in range(PER_PAGE * (last_page - 1), 53)]
    assert [n for n in expected if n in last] == expected
    assert f"Pager, P{PER_PAGE * (last_page - 1) - 1:02d}" not in last and "Next" not in last
    assert client.get("/patients/?page=abc").status_code == 200


def test_the_form_sends_one_therapist_choice(client, login_as, db):
    """The page's radio buttons are the only therapist_id inputs (no hidden twin)."""
    login_as("admin")
    _private_pay(db, "Ada Eligible")
    db.commit()
    page = client.post("/patients/new", data={**FORM, "turn": "find"}).get_data(as_text=True)
    inputs = re.findall(r'<input[^>]*name="therapist_id"[^>]*>', page)
    assert inputs and all('type="radio"' in i for i in inputs)
