"""The pages the scale benchmark opens, and the probe facts their addresses come from.

Every page is one entry: who opens it (a probe role) and how its address is built from
:class:`Probe`, whose facts are discovered from the probe data (the probe therapist's
caseload, its showcase patient, a signed dosing note, an estimate ...). Adding a page as it
lands is one line:

    page("referral queue", "admin", lambda p: "/network/queue")

``uncovered_routes`` lists the GET routes no entry opens, so a new page shows up in the
benchmark's output until it is added here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode

from sqlalchemy import func, select


@dataclass(frozen=True)
class Page:
    """One page: a name, the probe role that opens it, its address from the probe."""

    name: str
    role: str
    url: object  # Callable[[Probe], str]
    pdf: bool = False


PAGES: list[Page] = []


def page(name: str, role: str, url, *, pdf: bool = False) -> None:
    """Register a page (see the module docstring)."""
    PAGES.append(Page(name, role, url, pdf))


class Probe:
    """Facts about the probe users and caseload, read from the database once."""

    def __init__(self, session, manifest: dict):
        from bench.scale_generate import PROBE_EMAILS
        from kapms.auth.models import User

        self.session = session
        self.anchor = date.fromisoformat(manifest["anchor"])
        self.user = {role: session.scalar(select(User.id).where(User.email == email))
                     for role, email in PROBE_EMAILS.items()}

    def _scalar(self, query):
        value = self.session.scalar(query)
        if value is None:
            raise LookupError(f"the probe data has no row for: {query}")
        return value

    @cached_property
    def caseload(self) -> list[int]:
        """The probe therapist's patients."""
        from kapms.patients.models import CareTeamMember

        return list(self.session.scalars(select(CareTeamMember.patient_id).where(
            CareTeamMember.user_id == self.user["therapist"], CareTeamMember.active)
            .order_by(CareTeamMember.patient_id)))

    @cached_property
    def patient(self) -> int:
        """The showcase patient: mid-course, with 4 administered dosings (or the most)."""
        from kapms.care.models import CareSession, DosingRecord

        counts = dict(self.session.execute(
            select(CareSession.patient_id, func.count()).join(DosingRecord)
            .where(CareSession.patient_id.in_(self.caseload),
                   DosingRecord.outcome == "administered")
            .group_by(CareSession.patient_id)).all())
        return min(counts, key=lambda pid: (abs(counts[pid] - 4), pid))

    @cached_property
    def patient_name(self) -> tuple[str, str]:
        """(first, last) of the showcase patient."""
        from kapms.patients.models import Patient

        return tuple(self.session.execute(select(Patient.first_name, Patient.last_name)
                                          .where(Patient.id == self.patient)).one())

    @cached_property
    def signed_dosing(self) -> int:
        """A held dosing session of the showcase patient with a signed note."""
        from kapms.care.models import CareSession, DosingRecord, ProgressNote

        return self._scalar(select(CareSession.id).join(DosingRecord).join(ProgressNote)
                            .where(CareSession.patient_id == self.patient,
                                   ProgressNote.status == "signed")
                            .order_by(CareSession.scheduled_start.desc()).limit(1))

    @cached_property
    def booked_dosing(self) -> int:
        """A scheduled dosing session of the probe therapist (its dosing form)."""
        from kapms.care.models import CareSession

        return self._scalar(select(CareSession.id).where(
            CareSession.clinician_id == self.user["therapist"], CareSession.kind == "dosing",
            CareSession.status == "scheduled", CareSession.patient_id.in_(self.caseload))
            .order_by(CareSession.scheduled_start.desc()).limit(1))

    @cached_property
    def busiest_day(self) -> date:
        """The day of the anchor week with the most probe-therapist sessions."""
        from kapms.care.models import CareSession
        from kapms.clinic_time import local_date

        week = self.anchor - timedelta(days=self.anchor.weekday())
        starts = self.session.scalars(select(CareSession.scheduled_start).where(
            CareSession.clinician_id == self.user["therapist"])).all()
        days = [local_date(s) for s in starts]
        return max((week + timedelta(days=i) for i in range(7)),
                   key=lambda d: (days.count(d), -d.toordinal()))

    @cached_property
    def clearance(self) -> int:
        """The showcase patient's clearance (cleared, with its plan versions)."""
        from kapms.care.models import Clearance

        return self._scalar(select(Clearance.id).where(Clearance.patient_id == self.patient)
                            .order_by(Clearance.id.desc()).limit(1))

    @cached_property
    def plan_request(self) -> int:
        """An open plan change request of the caseload (the prescriber decides it)."""
        from kapms.care.models import PlanChangeRequest

        return self._scalar(select(PlanChangeRequest.id).where(
            PlanChangeRequest.patient_id.in_(self.caseload), PlanChangeRequest.status == "open")
            .order_by(PlanChangeRequest.id).limit(1))

    def _billing_row(self, model, *, order=None) -> int:
        """The newest ``model`` row of the caseload (estimates, GFEs, plans)."""
        return self._scalar(select(model.id).where(model.patient_id.in_(self.caseload))
                            .order_by((order or model.id).desc()).limit(1))

    @cached_property
    def estimate(self) -> int:
        from kapms.billing.models import Estimate

        return self._billing_row(Estimate)

    @cached_property
    def gfe(self) -> int:
        from kapms.billing.models import GoodFaithEstimate

        return self._billing_row(GoodFaithEstimate)

    @cached_property
    def plan(self) -> int:
        from kapms.billing.models import PaymentPlan

        return self._billing_row(PaymentPlan)

    @cached_property
    def claim(self) -> int:
        """The newest claim of the caseload."""
        from kapms.billing.models import Claim

        return self._billing_row(Claim)

    @cached_property
    def insured_patient(self) -> int:
        """The caseload patient of the newest claim (insured: statements are for them)."""
        from kapms.billing.models import Claim

        return self._scalar(select(Claim.patient_id).where(Claim.id == self.claim))

    @cached_property
    def billing_patient(self) -> int:
        """The caseload patient with an estimate and a payment plan."""
        from kapms.billing.models import PaymentPlan

        return self._scalar(select(PaymentPlan.patient_id).where(PaymentPlan.id == self.plan))

    @cached_property
    def offer(self) -> int:
        """An open offer to the probe therapist."""
        from kapms.network.models import Referral

        return self._scalar(select(Referral.id).where(
            Referral.clinician_id == self.user["therapist"], Referral.status == "offered")
            .order_by(Referral.id).limit(1))

    @cached_property
    def process_note(self) -> int:
        """One of the probe therapist's own psychotherapy notes."""
        from kapms.care.models import ProcessNote

        return self._scalar(select(ProcessNote.id).where(
            ProcessNote.author_id == self.user["therapist"]).order_by(ProcessNote.id).limit(1))

    @cached_property
    def consent_document(self) -> int:
        """The KAP informed consent (two versions, thousands of signatures)."""
        from kapms.consent.models import ConsentDocument

        return self._scalar(select(ConsentDocument.id)
                            .where(ConsentDocument.title == "KAP informed consent"))

    @cached_property
    def consent_version(self) -> int:
        """The KAP informed consent's current version."""
        from kapms.consent.models import ConsentVersion

        return self._scalar(select(ConsentVersion.id).where(
            ConsentVersion.document_id == self.consent_document)
            .order_by(ConsentVersion.number.desc()).limit(1))

    @cached_property
    def signature(self) -> int:
        """The showcase patient's newest consent signature."""
        from kapms.consent.models import ConsentSignature

        return self._scalar(select(ConsentSignature.id).where(
            ConsentSignature.patient_id == self.patient)
            .order_by(ConsentSignature.signed_at.desc()).limit(1))

    @cached_property
    def portal_patient(self) -> int:
        """The patient whose portal account the probe patient user is."""
        from kapms.auth.models import User

        return self._scalar(select(User.patient_id).where(User.id == self.user["patient"]))

    def _portal_row(self, model, *where) -> int:
        return self._scalar(select(model.id).where(model.patient_id == self.portal_patient,
                                                   *where).order_by(model.id.desc()).limit(1))

    @cached_property
    def portal_session(self) -> int:
        """The portal patient's last booked session (ahead: its calendar file)."""
        from kapms.care.models import CareSession

        return self._scalar(select(CareSession.id).where(
            CareSession.patient_id == self.portal_patient, CareSession.status == "scheduled")
            .order_by(CareSession.scheduled_start.desc()).limit(1))

    @cached_property
    def portal_to_sign(self) -> int:
        """A current consent version the portal patient has not signed (else the KAP
        consent's: its page then says it is signed)."""
        from kapms.consent.models import ConsentSignature, ConsentVersion

        signed = select(ConsentSignature.version_id).where(
            ConsentSignature.patient_id == self.portal_patient)
        latest = select(func.max(ConsentVersion.id)).group_by(ConsentVersion.document_id)
        return self.session.scalar(select(ConsentVersion.id).where(
            ConsentVersion.id.in_(latest), ConsentVersion.id.not_in(signed))
            .order_by(ConsentVersion.id).limit(1)) or self.consent_version

    def superbill(self) -> str:
        """Superbill query: this calendar year up to the anchor."""
        return urlencode({"start": self.anchor.replace(month=1, day=1).isoformat(),
                          "end": self.anchor.isoformat()})


def _model(domain: str, name: str):
    """A model class by domain and name (imported when a page's address is built)."""
    from importlib import import_module

    return getattr(import_module(f"kapms.{domain}.models"), name)


def _audit(**query) -> object:
    return lambda p: "/admin/audit/?" + urlencode({k: v(p) if callable(v) else v
                                                   for k, v in query.items()})


# --- the therapist --------------------------------------------------------------------------
page("home", "therapist", lambda p: "/")
page("calendar week", "therapist", lambda p: f"/care/calendar?date={p.anchor}")
page("calendar day", "therapist", lambda p: f"/care/calendar?view=day&date={p.busiest_day}")
page("calendar .ics", "therapist", lambda p: "/care/calendar.ics")
page("notes due", "therapist", lambda p: "/care/notes-due")
page("patient list", "therapist", lambda p: "/patients/")
page("patient search", "therapist", lambda p: f"/patients/?q={p.patient_name[1][:3].lower()}")
page("patient suggest", "therapist",
     lambda p: f"/patients/suggest?q={p.patient_name[1][:3].lower()}")
page("patient page", "therapist", lambda p: f"/patients/{p.patient}")
page("patient edit", "therapist", lambda p: f"/patients/{p.patient}/edit")
page("session page", "therapist", lambda p: f"/care/sessions/{p.signed_dosing}")
page("dosing page", "therapist", lambda p: f"/care/sessions/{p.booked_dosing}/dosing")
page("dosing record (closed)", "therapist",
     lambda p: f"/care/sessions/{p.signed_dosing}/dosing")
page("plan change request form", "therapist",
     lambda p: f"/care/sessions/{p.booked_dosing}/plan-request")
page("note PDF", "therapist", lambda p: f"/care/sessions/{p.signed_dosing}/note.pdf", pdf=True)
page("schedule session", "therapist", lambda p: f"/care/patients/{p.patient}/sessions/new")
page("reschedule session", "therapist",
     lambda p: f"/care/sessions/{p.booked_dosing}/reschedule")
page("process notes", "therapist", lambda p: f"/care/patients/{p.patient}/process-notes")
page("process note", "therapist", lambda p: f"/care/process-notes/{p.process_note}")
page("measure trends", "therapist", lambda p: f"/measures/patients/{p.patient}/trends")
page("record PHQ-9", "therapist", lambda p: f"/measures/patients/{p.patient}/record/PHQ-9")
page("referral offer", "therapist", lambda p: f"/network/offers/{p.offer}")
page("my directory profile", "therapist", lambda p: "/network/profile")
page("outcomes (own)", "therapist", lambda p: "/outcomes/")
page("care team", "therapist", lambda p: f"/network/patients/{p.patient}/care-team")
page("signed consent PDF", "therapist", lambda p: f"/consent/signatures/{p.signature}.pdf",
     pdf=True)
page("book free time", "therapist", lambda p: "/care/book?" + urlencode(
    {"clinician_id": p.user["therapist"], "day": p.anchor + timedelta(days=1),
     "start_time": "16:00", "duration_minutes": 50}))
page("change password", "therapist", lambda p: "/account/password")
page("account security", "therapist", lambda p: "/account/security")
page("set up second factor", "therapist", lambda p: "/account/security/set-up")

# --- the prescriber -------------------------------------------------------------------------
page("home", "prescriber", lambda p: "/")
page("calendar week", "prescriber", lambda p: f"/care/calendar?date={p.anchor}")
page("notes due", "prescriber", lambda p: "/care/notes-due")
page("patient page", "prescriber", lambda p: f"/patients/{p.patient}")
page("clearance form", "prescriber", lambda p: f"/care/patients/{p.patient}/clearance")
page("prescription form", "prescriber",
     lambda p: f"/care/patients/{p.patient}/prescriptions/new")
page("prescriber profile", "prescriber", lambda p: "/care/profile")
page("review list", "prescriber", lambda p: "/care/review")
page("clearance", "prescriber", lambda p: f"/care/clearances/{p.clearance}")
page("clearance PDF", "prescriber", lambda p: f"/care/clearances/{p.clearance}.pdf", pdf=True)
page("revise plan form", "prescriber", lambda p: f"/care/clearances/{p.clearance}/plan")
page("plan change request", "prescriber", lambda p: f"/care/plan-requests/{p.plan_request}")

# --- billing --------------------------------------------------------------------------------
page("home", "billing", lambda p: "/")
page("billing patients", "billing", lambda p: "/billing/")
# Billing staff search the one patient list (the billing home takes no search).
page("billing search", "billing", lambda p: f"/patients/?q={p.patient_name[1][:3].lower()}")
page("patient page", "billing", lambda p: f"/patients/{p.billing_patient}")
page("billing patient page", "billing", lambda p: f"/billing/patients/{p.billing_patient}")
page("estimate", "billing", lambda p: f"/billing/estimates/{p.estimate}")
page("estimate PDF", "billing", lambda p: f"/billing/estimates/{p.estimate}.pdf", pdf=True)
page("GFE", "billing", lambda p: f"/billing/gfe/{p.gfe}")
page("GFE PDF", "billing", lambda p: f"/billing/gfe/{p.gfe}.pdf", pdf=True)
page("payment plan", "billing", lambda p: f"/billing/plans/{p.plan}")
page("payment plan PDF", "billing", lambda p: f"/billing/plans/{p.plan}.pdf", pdf=True)
page("claims", "billing", lambda p: "/billing/claims")
page("claims submitted", "billing", lambda p: "/billing/claims?status=submitted")
page("claim", "billing", lambda p: f"/billing/claims/{p.claim}")
page("claim 837", "billing", lambda p: f"/billing/claims/{p.claim}.837")
page("claim PDF", "billing", lambda p: f"/billing/claims/{p.claim}.pdf", pdf=True)
page("statement PDF", "billing",
     lambda p: f"/billing/patients/{p.insured_patient}/statement.pdf", pdf=True)
page("superbill PDF", "billing",
     lambda p: f"/billing/patients/{p.billing_patient}/superbill.pdf?{p.superbill()}", pdf=True)
page("new estimate form", "billing",
     lambda p: f"/billing/patients/{p.billing_patient}/estimates/new")
page("new benefits form", "billing",
     lambda p: f"/billing/patients/{p.billing_patient}/benefits/new")
page("new GFE form", "billing", lambda p: f"/billing/patients/{p.billing_patient}/gfe/new")
page("new plan form", "billing", lambda p: f"/billing/patients/{p.billing_patient}/plans/new")

# --- the admin ------------------------------------------------------------------------------
page("home", "admin", lambda p: "/")
page("patient list", "admin", lambda p: "/patients/")
page("patient search", "admin", lambda p: f"/patients/?q={p.patient_name[1][:3].lower()}")
page("patient page", "admin", lambda p: f"/patients/{p.patient}")
page("register patient form", "admin", lambda p: "/patients/new")
page("registrations to review", "admin", lambda p: "/patients/reviews")
page("directory", "admin", lambda p: "/network/directory")
page("directory CA therapists", "admin",
     lambda p: "/network/directory?kind=therapist&state=CA")
page("directory by name", "admin", lambda p: "/network/directory?q=probe")
page("directory CSV", "admin", lambda p: "/network/directory/export.csv")
page("directory profile edit", "admin",
     lambda p: f"/network/directory/{p.user['therapist']}/edit")
page("match", "admin", lambda p: "/network/match?" + urlencode(
    {"state": "CA", "plan_id": 0, "modality": "either", "city": "", "max_distance": 25,
     "language": "English"}))
page("match for patient", "admin", lambda p: f"/network/match?patient_id={p.patient}")
page("prescribers for patient", "admin", lambda p: f"/network/patients/{p.patient}/prescribers")
page("care team", "admin", lambda p: f"/network/patients/{p.patient}/care-team")
page("waiting for a clinician", "admin", lambda p: "/network/queue")
page("directory import form", "admin", lambda p: "/network/directory/import")
page("outcomes report", "admin", lambda p: "/outcomes/")
page("outcomes report PDF", "admin", lambda p: "/outcomes/report.pdf", pdf=True)
page("outcomes report CSV", "admin", lambda p: "/outcomes/report.csv")
page("outcomes summary", "admin", lambda p: "/outcomes/summary")
page("outcomes summary HTML", "admin", lambda p: "/outcomes/summary.html")
page("outcomes summary PDF", "admin", lambda p: "/outcomes/summary.pdf", pdf=True)
page("outcomes summary CSV", "admin", lambda p: "/outcomes/summary.csv")
page("MBI-GS item text", "admin", lambda p: "/admin/measures/item-text")
page("practice week", "admin", lambda p: f"/care/practice?date={p.anchor}")
page("practice day", "admin", lambda p: f"/care/practice?view=day&date={p.busiest_day}")
page("clinician calendar", "admin",
     lambda p: f"/care/practice/{p.user['therapist']}?date={p.anchor}")
page("consent documents", "admin", lambda p: "/admin/consents/")
page("consent document", "admin", lambda p: f"/admin/consents/{p.consent_document}")
page("consent version", "admin", lambda p: f"/admin/consents/versions/{p.consent_version}")
page("new consent document form", "admin", lambda p: "/admin/consents/new")
page("outbox", "admin", lambda p: "/admin/outbox/")
page("outbox, gave up", "admin", lambda p: "/admin/outbox/?status=failed")
page("signed consent PDF", "admin", lambda p: f"/consent/signatures/{p.signature}.pdf",
     pdf=True)
page("users", "admin", lambda p: "/admin/users/")
page("user edit", "admin", lambda p: f"/admin/users/{p.user['therapist']}")
page("new user form", "admin", lambda p: "/admin/users/new")
page("payers", "admin", lambda p: "/admin/payers/")
page("payer", "admin", lambda p: "/admin/payers/1")
page("fee schedules", "admin", lambda p: "/admin/fees/")
page("plan fee schedules", "admin", lambda p: "/admin/fees/plans/1")
page("fee schedule", "admin", lambda p: "/admin/fees/1")
page("new fee schedule form", "admin", lambda p: "/admin/fees/plans/1/new")
page("audit log", "admin", _audit())
page("audit export, one patient", "admin",
     lambda p: f"/admin/audit/export.csv?patient_id={p.patient}")
page("audit log by user", "admin", _audit(user_id=lambda p: p.user["therapist"]))
page("audit log by user name", "admin", _audit(user="probe.therapist"))
page("audit log by patient", "admin", _audit(patient_id=lambda p: p.patient))
page("audit log by action", "admin", _audit(action="sign"))
page("audit log by day", "admin", _audit(date_from=lambda p: p.anchor - timedelta(days=1),
                                         date_to=lambda p: p.anchor - timedelta(days=1)))
page("audit log, all filters", "admin", _audit(
    user_id=lambda p: p.user["therapist"], patient_id=lambda p: p.patient, action="view",
    date_from=lambda p: p.anchor - timedelta(days=30), date_to=lambda p: p.anchor))

# --- the patient, in the portal ---------------------------------------------------------------
page("portal home", "patient", lambda p: "/portal/")
page("portal consents", "patient", lambda p: "/portal/consents")
page("portal sign consent", "patient", lambda p: f"/portal/consents/{p.portal_to_sign}")
page("portal intake", "patient", lambda p: "/portal/intake")
page("portal reminders", "patient", lambda p: "/portal/reminders")
page("portal billing", "patient", lambda p: "/portal/billing")
page("portal appointments .ics", "patient", lambda p: "/portal/appointments.ics")
page("portal appointment .ics", "patient",
     lambda p: f"/portal/appointments/{p.portal_session}.ics")
page("portal estimate PDF", "patient", lambda p: "/portal/billing/estimates/"
     f"{p._portal_row(_model('billing', 'Estimate'))}.pdf", pdf=True)
page("portal plan PDF", "patient", lambda p: "/portal/billing/plans/"
     f"{p._portal_row(_model('billing', 'PaymentPlan'))}.pdf", pdf=True)
page("portal statement PDF", "patient", lambda p: "/portal/billing/statement.pdf", pdf=True)
page("portal superbill PDF", "patient",
     lambda p: f"/portal/billing/superbill.pdf?{p.superbill()}", pdf=True)

# Endpoints that are not pages someone opens to work in: anonymous ones and the steps of
# signing in (the benchmark signs in with a password only).
NOT_PAGES = {"static", "web.health", "web.favicon", "auth.login", "self_report.fill",
             "auth.enter_code", "auth.enrol_at_sign_in", "auth.forgot_password",
             "auth.open_password_link", "auth.set_password",
             # the development mail folder (files the folder backend wrote, not the database)
             "outbox.mail_folder", "outbox.folder_message"}


def uncovered_routes(app, probe: Probe) -> list[str]:
    """GET endpoints that no page above opens (a page that landed since)."""
    covered = set()
    adapter = app.url_map.bind("localhost")
    for entry in PAGES:
        try:
            path = entry.url(probe).split("?")[0]
            covered.add(adapter.match(path, method="GET")[0])
        except Exception:  # noqa: BLE001 - a page whose address fails is reported elsewhere
            continue
    return sorted(rule.endpoint for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and rule.endpoint not in covered
                  and rule.endpoint not in NOT_PAGES)
