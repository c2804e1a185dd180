"""How each reminder is written, checked again when it is sent: an appointment cancelled
or moved meanwhile, a document signed, a payment made, or the kind turned off, and the
reminder is not sent. Each says only what its kind needs: a date and a time, an amount;
staff emails say only that something waits in KAPMS, with a link to sign in."""

from datetime import datetime

from kapms import clinic_time
from kapms.billing.models import PlanInstallment
from kapms.billing.services.plans import ledger
from kapms.care.models import CareSession
from kapms.intake.models import IntakeResponse
from kapms.measures.models import SafetyAlert
from kapms.network.models import Referral
from kapms.outbox import kinds, writing
from kapms.patients.models import Patient
from kapms.portal.ics import appointments_ics
from kapms.reminders import services
from kapms.web.filters import money


def _portal_link() -> str:
    return writing.external_url("auth.login", next="/portal/")


def _when(instant: datetime) -> str:
    local = instant.astimezone(clinic_time.zone())
    return f"{local:%A, %B} {local.day} at {local:%I:%M %p}".replace(" 0", " ")


def render_session(session, message, config):
    """"You have an appointment on ...", with the .ics attached."""
    care_session = session.get(CareSession, message.subject_id)
    if (care_session is None or care_session.status != "scheduled"
            or care_session.scheduled_start.isoformat() != message.params.get("start")
            or not services.wants(session, message.user_id, message.kind)):
        return None
    where = ("by telehealth (your clinician sends the video link)"
             if care_session.modality == "telehealth" else f"at {config['CLINIC_ADDRESS']}")
    ics = appointments_ics([care_session], config["CLINIC_NAME"], config["CLINIC_ADDRESS"],
                           care_session.created_at)
    return writing.write("session_reminder", "Appointment reminder",
                         [kinds.Attachment("appointment.ics", ics, "text/calendar")],
                         when=_when(care_session.scheduled_start), where=where,
                         link=_portal_link())


def _outstanding(kind: str, subject: str, still):
    def render(session, message, config):
        patient = session.get(Patient, message.patient_id)
        if patient is None or not services.wants(session, message.user_id, kind) \
                or not still(session, patient):
            return None
        return writing.write(kind, subject, link=_portal_link())
    return render


def render_installment(session, message, config):
    """"A payment of $X is due on ..." (or "was due"), while it is unpaid."""
    installment = session.get(PlanInstallment, message.subject_id)
    if installment is None or installment.plan.status != "open" \
            or not services.wants(session, message.user_id, message.kind):
        return None
    state = next(i for i in ledger(installment.plan, clinic_time.today()).installments
                 if i.number == installment.number)
    if state.unpaid <= 0:
        return None
    overdue = message.kind == "installment_overdue"
    return writing.write(message.kind, "A payment is overdue" if overdue else
                         "A payment is due soon", amount=money(state.unpaid),
                         due=f"{state.due_date:%B} {state.due_date.day}, {state.due_date:%Y}",
                         link=_portal_link())


def render_referral_offer(session, message, config):
    """"A referral offer is waiting for you": no patient detail, a link to sign in."""
    offer = session.get(Referral, message.subject_id)
    if offer is None or offer.status != "offered":
        return None
    return writing.write("staff_referral_offer", "A referral offer is waiting for you",
                         link=writing.external_url("auth.login"))


def render_safety_alert(session, message, config):
    """"A safety alert needs your attention": no patient detail, a link to sign in."""
    alert = session.get(SafetyAlert, message.subject_id)
    if alert is None or alert.acknowledged_at is not None:
        return None
    return writing.write("staff_safety_alert", "A safety alert needs your attention",
                         link=writing.external_url("auth.login"))


def render_intake_crisis(session, message, config):
    """"A patient's intake needs your attention": no patient detail, a link to sign in."""
    if session.get(IntakeResponse, message.subject_id) is None:
        return None
    return writing.write("staff_intake_crisis", "A patient's intake needs your attention",
                         link=writing.external_url("auth.login"))


for _kind in (
    kinds.Kind("session_reminder", "Appointment reminder", render_session, optional=True),
    kinds.Kind("consent_outstanding", "Documents to sign", _outstanding(
        "consent_outstanding", "A document is waiting for your signature",
        lambda s, p: services.consents_waiting(s, p.id)), optional=True),
    kinds.Kind("intake_outstanding", "Health questionnaire to complete", _outstanding(
        "intake_outstanding", "Please complete your health questionnaire",
        services.intake_waiting), optional=True),
    kinds.Kind("measure_due", "Questionnaire due", _outstanding(
        "measure_due", "A short questionnaire is waiting for you",
        services.measures_waiting), optional=True),
    kinds.Kind("installment_due", "Payment due soon", render_installment, optional=True),
    kinds.Kind("installment_overdue", "Payment overdue", render_installment, optional=True),
    kinds.Kind("staff_referral_offer", "Referral offer (staff)", render_referral_offer),
    kinds.Kind("staff_safety_alert", "Safety alert (staff)", render_safety_alert),
    kinds.Kind("staff_intake_crisis", "Intake answered yes to self-harm (staff)",
               render_intake_crisis),
):
    kinds.register(_kind)


