"""Directory CSV import and export: good rows kept, every problem of each bad row reported
by line, one NPI per clinician, passwords hashed before the first write."""

from itertools import count

import pytest
from sqlalchemy import event

from kapms.auth.services import find_user_by_email
from kapms.errors import DomainError
from kapms.network.csv_io import COLUMNS, MAX_UPLOAD_BYTES, upload_text
from kapms.network.services import directory_csv, profile_for
from kapms.network.services.directory_csv import export_directory, import_directory
from tests.factories import make_user
from tests.network.helpers import make_clinician, make_plan, npi

HEADER = ",".join(COLUMNS)


_npis = count(100)


def row(**kw) -> str:
    """A CSV row, good unless ``kw`` spoils it; each row gets its own NPI."""
    values = dict(email="new.one@example.test", full_name="New One", credentials="LMFT",
                  role="therapist", npi=npi(next(_npis)), licences="LMFT 111 CA 2030-01-31",
                  kap_course="KAP Foundations", kap_trained_on="2024-03-01",
                  plans="Aetna/Open Access PPO", accepts_private_pay="yes",
                  private_pay_rate="180", in_office="yes", office_address="1 Market St",
                  latitude="37.79", longitude="-122.40", telehealth="no",
                  specialties="anxiety;PTSD", languages="English;Spanish", accepting_new="yes",
                  capacity="8", availability="Tue 09:00-12:00;Thu 13:00-17:00")
    values.update(kw)
    return ",".join(f'"{values[c]}"' for c in COLUMNS)


def test_good_rows_are_kept_and_bad_rows_reported_by_line(db):
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    existing = make_user(db, roles=("therapist",), email="known@example.test")
    text = "\n".join([
        HEADER,
        row(),                                                          # line 2: good, new
        row(email="bad.plan@example.test", plans="Nobody/Nothing"),     # 3
        row(email="bad.licence@example.test", licences="LMFT 1 ZZ 2030-01-01"),  # 4
        row(email="known@example.test", telehealth="yes", in_office="no"),  # 5: good, existing
        row(email="no.coords@example.test", latitude=""),               # 6: in office, no coords
        row(email="bad.slot@example.test", availability="Tue 12:00-09:00"),  # 7
        row(email="new.one@example.test"),                              # 8: duplicate
        row(email="wrong.role@example.test", role="billing"),           # 9
        row(email="bad.capacity@example.test", capacity="lots"),        # 10
    ]) + "\n"
    report = import_directory(db, admin, text)
    assert report.saved == 2 and report.created_accounts == 1
    assert [line for line, _ in report.errors] == [3, 4, 6, 7, 8, 9, 10]
    reasons = {line: " ".join(problems) for line, problems in report.errors}
    assert "unknown plan 'Nobody/Nothing'" in reasons[3]
    assert "not a US state" in reasons[4]
    assert "coordinates" in reasons[6]
    assert "end is not after the start" in reasons[7]
    assert "already appears on line 2" in reasons[8]
    assert "therapist or prescriber" in reasons[9]
    assert "capacity" in reasons[10]
    new = find_user_by_email(db, "new.one@example.test")
    profile = profile_for(db, new.id)
    assert profile.specialty_list == ["anxiety", "ptsd"] and profile.capacity == 8
    assert profile.private_pay_rate_cents == 18000 and len(profile.availability) == 2
    assert profile_for(db, existing.id).telehealth is True
    for email in ("bad.plan@example.test", "no.coords@example.test"):
        assert find_user_by_email(db, email) is None  # nothing half-saved


def test_missing_header_columns_refuse_the_file(db):
    admin = make_user(db, roles=("admin",))
    with pytest.raises(DomainError, match="lacks: capacity, licences"):
        import_directory(db, admin, "email,full_name,role\nx@example.test,X,therapist\n")


def test_existing_user_without_the_role_is_refused(db):
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    make_user(db, roles=("billing",), email="ledger@example.test")
    report = import_directory(db, admin, HEADER + "\n" + row(email="ledger@example.test") + "\n")
    [(line, problems)] = report.errors
    assert report.saved == 0 and line == 2
    assert [p for p in problems if p.startswith("role:") and "not hold the therapist" in p]


def test_export_round_trips(db):
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    import_directory(db, admin, HEADER + "\n" + row(full_name="=cmd()") + "\n")
    exported = export_directory(db, admin)
    lines = exported.strip().splitlines()
    assert lines[0] == HEADER and len(lines) == 2
    assert ",'=cmd()," in lines[1]  # spreadsheet formulas are neutralised
    report = import_directory(db, admin, exported)
    assert report.errors == [] and report.saved == 1
    assert export_directory(db, admin) == exported


def test_ragged_rows_are_reported_and_the_rest_kept(db):
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    text = "\n".join([HEADER, row() + ',"extra"', row(email="fine@example.test")]) + "\n"
    report = import_directory(db, admin, text)
    assert report.saved == 1 and report.errors == [(2, ["The row has more cells than the header."])]


def test_every_problem_of_a_bad_row_is_reported(db):
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    bad = row(email="many@example.test", plans="Nobody/Nothing",
              licences="LMFT 1 ZZ 2030-01-01;LMFT 2 CA 31-01-2030", latitude="",
              availability="Tue 12:00-09:00", capacity="lots", telehealth="maybe",
              npi="1234567890", kap_course="")
    report = import_directory(db, admin, HEADER + "\n" + bad + "\n")
    [(line, problems)] = report.errors
    assert line == 2 and report.saved == 0
    columns = sorted(p.split(":")[0].split()[0] for p in problems)
    assert columns == ["availability", "capacity", "kap_course", "licences", "licences",
                       "npi", "office_address", "plans", "telehealth"], problems
    assert find_user_by_email(db, "many@example.test") is None
    # A rule is not reported again for a column that could not be read: an unreadable
    # latitude is one problem, not also "in-office care needs coordinates".
    report = import_directory(db, admin, HEADER + "\n" + row(latitude="north") + "\n")
    assert [p.split()[0] for p in report.errors[0][1]] == ["latitude"]


def test_an_npi_belongs_to_one_clinician(db):
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    holder = make_clinician(db, name="First Holder", npi=npi(1))
    text = "\n".join([HEADER, row(email="a@example.test", npi=npi(1)),
                       row(email="b@example.test", npi=npi(2)),
                       row(email="c@example.test", npi=npi(2))]) + "\n"
    report = import_directory(db, admin, text)
    assert report.saved == 1
    reasons = {line: " ".join(problems) for line, problems in report.errors}
    assert f"NPI {npi(1)} is already listed for First Holder" in reasons[2]
    assert f"NPI {npi(2)} is already listed for New One" in reasons[4]
    assert profile_for(db, holder.id).npi == npi(1)


def test_the_database_refuses_a_second_profile_with_the_same_npi(db):
    """The service checks first; the unique constraint catches two saves racing."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from kapms.network.models import ClinicianProfile

    first = make_clinician(db, npi=npi(1))
    second = make_clinician(db, npi=npi(2))
    with pytest.raises(IntegrityError):
        db.execute(update(ClinicianProfile).where(ClinicianProfile.user_id == second.id)
                   .values(npi=npi(1)))
    db.rollback()
    assert first.id != second.id


def test_passwords_are_hashed_before_the_first_write(db, monkeypatch):
    """Issue 15: SQLite's write lock must not be held while argon2 runs."""
    make_plan(db)
    admin = make_user(db, roles=("admin",))
    db.commit()
    wrote, hashed_while_writing = [], []
    listener = lambda session, context: wrote.append(True)  # noqa: E731
    event.listen(db(), "after_flush", listener)
    real = directory_csv.hash_password

    def spy(password):
        hashed_while_writing.append(bool(wrote))
        return real(password)

    monkeypatch.setattr(directory_csv, "hash_password", spy)
    try:
        text = "\n".join([HEADER] + [row(email=f"n{i}@example.test") for i in range(3)])
        report = import_directory(db, admin, text + "\n")
    finally:
        event.remove(db(), "after_flush", listener)
    assert report.created_accounts == 3 and hashed_while_writing == [False, False, False]
    assert wrote  # and the import did write afterwards


def test_an_upload_is_utf8_text_of_at_most_two_megabytes():
    assert upload_text("\ufeffemail\n".encode()) == "email\n"  # Excel's byte order mark
    assert upload_text(b"x" * MAX_UPLOAD_BYTES) == "x" * MAX_UPLOAD_BYTES
    for raw, message in [(b"x" * (MAX_UPLOAD_BYTES + 1), "The file is larger than 2 MB; split it."),
                         ("café".encode("latin-1"),
                          "The file is not UTF-8 text; export it as CSV UTF-8.")]:
        with pytest.raises(DomainError) as refused:
            upload_text(raw)
        assert str(refused.value) == message and refused.value.field == "file"
