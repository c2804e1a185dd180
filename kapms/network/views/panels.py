"""Network sections of shared pages: offers on a clinician's dashboard, referrals on the
patient page."""

from kapms.extensions import db
from kapms.network.services import profiles, referrals
from kapms.web import panels


def dashboard_panels(user, **_context) -> list[panels.Panel]:
    """A clinician's pending offers (initials only until opened) and a profile reminder;
    for coordinators, the offers awaiting an answer and the recent declines.

    The dashboard shows no patient name: the full offer is read on its own page, where
    the read is audited.
    """
    if user.has_role("admin"):
        open_offers, declined = referrals.coordinator_queue(db.session)
        result = [panels.Panel("network/_dashboard_queue.html",
                               {"open_offers": open_offers, "declined": declined}, order=10)]
    else:
        result = []
    if not user.has_role("therapist", "prescriber"):
        return result
    offers = referrals.pending_offers(db.session, user)
    profile = profiles.profile_for(db.session, user.id)
    return result + [panels.Panel("network/_dashboard_offers.html",
                                  {"offers": offers, "has_profile": profile is not None},
                                  order=10)]


def patient_panels(user, patient=None, **_context) -> list[panels.Panel]:
    """Referral status of the patient; links to find a therapist or prescriber (admins)."""
    if patient is None or not (user.has_role("admin")
                               or any(m.user_id == user.id for m in patient.care_team)):
        return []
    rows = referrals.patient_referrals(db.session, patient)
    return [panels.Panel("network/_patient_referrals.html",
                         {"referrals": rows, "patient": patient,
                          "is_admin": user.has_role("admin"),
                          "needs_therapist": not patient.members("therapist"),
                          "needs_prescriber": not patient.members("prescriber")}, order=15)]


panels.register(panels.DASHBOARD, dashboard_panels)
panels.register(panels.PATIENT_PAGE, patient_panels)
