"""Network sections of shared pages: offers and coordinator work on the home page, the
care team (who is on it and why, who is no longer eligible, offers) on the patient page."""

from flask import current_app

from kapms import clinic_time
from kapms.extensions import db
from kapms.network.services import eligibility, profiles, queue, referrals
from kapms.network.views.care_team import team_form
from kapms.patients.access import CLINICAL
from kapms.web import panels


def dashboard_panels(user, **_context) -> list[panels.Panel]:
    """For coordinators: how many patients wait, offers awaiting an answer, recent declines
    and licences about to expire. For clinicians: offers and invitations made to them
    (initials only until opened) and a profile reminder.

    The home page shows no full patient name to clinicians: the offer is read on its own
    page, where the read is audited.
    """
    result = []
    if user.has_role("admin"):
        open_offers, declined = referrals.coordinator_queue(db.session)
        days = current_app.config["LICENCE_EXPIRY_WARNING_DAYS"]
        result += [
            panels.Panel("network/_dashboard_queue.html", {
                "open_offers": open_offers, "declined": declined,
                "waiting": queue.waiting_count(db.session)}, order=10),
            panels.Panel("network/_dashboard_licences.html", {
                "warnings": profiles.licence_warnings(db.session, clinic_time.today(), days),
                "days": days}, order=12)]
    if user.has_role("therapist", "prescriber"):
        result.append(panels.Panel("network/_dashboard_offers.html", {
            "offers": referrals.pending_offers(db.session, user),
            "has_profile": profiles.has_profile(db.session, user.id)}, order=10))
    return result


def patient_panels(user, patient=None, categories=frozenset(), **_context
                   ) -> list[panels.Panel]:
    """The care team: each member with how and why they joined, flags for members no
    longer eligible, open offers, and the assign (admins) or invite (members) form."""
    if patient is None or CLINICAL not in categories:
        return []
    admin = user.has_role("admin")
    on_team = any(m.user_id == user.id for m in patient.care_team)
    today = clinic_time.today()
    offers = [r for r in referrals.patient_referrals(db.session, patient)
              if r.status == "offered"]  # a lapsed one shows as expired until recorded
    return [panels.Panel("network/_patient_care_team.html", {
        "patient": patient, "is_admin": admin,
        "members": eligibility.team_standing(db.session, patient, today),
        "offers": offers, "form": team_form(patient, today) if admin or on_team else None,
        "needs_therapist": not patient.members("therapist"),
        "needs_prescriber": not patient.members("prescriber"),
        "may_withdraw": lambda r: admin or r.offered_by_id == user.id,
    }, order=15)]


panels.register(panels.DASHBOARD, dashboard_panels)
panels.register(panels.PATIENT_PAGE, patient_panels)
