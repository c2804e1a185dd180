"""Posting the dosing page's phase forms over HTTP (tests of the views)."""

from datetime import timedelta

from kapms import clinic_time


def hhmm(cs, minutes: int) -> str:
    """The clinic-local time ``minutes`` after the session's start, as the form sends it."""
    return f"{(cs.scheduled_start + timedelta(minutes=minutes)).astimezone(clinic_time.zone()):%H:%M}"


def version(client, cs) -> str:
    """The dosing record's version as the page shows it."""
    from kapms.care.models import DosingRecord
    from kapms.extensions import db

    db.session.expire_all()
    return str(db.session.query(DosingRecord).filter_by(session_id=cs.id).one().version)


def check_in_form(cs, **changes) -> dict:
    """The check-in form, complete: office, every co-medication no, normal vitals."""
    data = {"checkin-checked_in_at": hhmm(cs, 5), "checkin-setting": "office",
            "checkin-monitoring_staff": "1", "checkin-monitoring_clinicians": "1",
            "checkin-monitored_by": "Therapist",
            "checkin-cm_benzodiazepines": "no", "checkin-cm_sedative_hypnotics": "no",
            "checkin-cm_stimulants": "no", "checkin-cm_maois": "no",
            "checkin-pre_systolic": "124", "checkin-pre_diastolic": "78",
            "checkin-pre_heart_rate": "72", "checkin-pre_spo2": "98"}
    data.update({f"checkin-{k}": v for k, v in changes.items()})
    return data


def post(client, cs, phase: str, data: dict, follow=False):
    """POST one phase form of the dosing page."""
    return client.post(f"/care/sessions/{cs.id}/dosing/{phase}", data=data,
                       follow_redirects=follow)


def run_dosing_over_http(client, cs) -> None:
    """Check-in, dose at +10, nausea at +25, ~40-minute vitals at +50, discharge at +130."""
    url = f"/care/sessions/{cs.id}/dosing"
    assert post(client, cs, "check-in", check_in_form(cs)).status_code == 302
    assert post(client, cs, "administer", {
        "dose-given_at": hhmm(cs, 10), "dose-product": "ketamine_sl_lozenge",
        "dose-route": "sublingual", "dose-dose_mg": "200", "dose-lot_number": "KX-2291",
        "dose-version": version(client, cs)}).status_code == 302
    assert post(client, cs, "adverse-events", {
        "event-occurred_at": hhmm(cs, 25), "event-kind": "nausea", "event-severity": "mild",
        "event-version": version(client, cs)}).status_code == 302
    assert post(client, cs, "vitals", {
        "vitals-kind": "mid", "vitals-taken_at": hhmm(cs, 50), "vitals-systolic": "138",
        "vitals-diastolic": "84", "vitals-heart_rate": "80", "vitals-spo2": "97",
        "vitals-version": version(client, cs)}).status_code == 302
    response = post(client, cs, "discharge", {
        "discharge-discharged_at": hhmm(cs, 130), "discharge-systolic": "126",
        "discharge-diastolic": "80", "discharge-heart_rate": "74", "discharge-stable": "y",
        "discharge-ride_home": "y", "discharge-no_driving_advised": "y",
        "discharge-version": version(client, cs)})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert client.get(url).status_code == 200
