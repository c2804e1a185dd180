"""A whole synthetic KAP network for the scale benchmark, at any fraction of full size.

    python -m bench.scale_generate --size 1% --database sqlite:////tmp/kapms-1.db

Full size (``--size 100%``) is a network of 10,000 therapists, 1,000 prescribers, 50
billing staff and 10 admins with 100,000 patients: about 1.2 million care sessions with
dosing records and progress notes, a million measure administrations, 2 million estimate
lines and 5 million audit events. Every domain's tables are filled: users and roles,
directory profiles with licences, plans and weekly availability, care teams, clearances,
prescriptions and refills, sessions, dosing records, progress and process notes with
addenda, measures with safety alerts and self-report links, referrals, benefits, estimates
with their lines, Good Faith Estimates, payment plans with installments and payments,
consent documents and signatures, portal accounts with their links, intake answers,
chaperones, reminders and the outbox, session series (bench.portal_generate), and the audit
log those records would have left.

Patients move along the care path: each gets a stage (referral 6 %, intake 6 %, not cleared
or deferred 3 %, preparation 10 %, dosing 25 %, medical follow-up 8 %, maintenance 10 %,
completed 32 %), and the records of every step already taken: intake, one to three
preparation sessions, six to eight dosings each followed by an integration session,
follow-ups after dosing 2 and at the end, monthly maintenance dosings. Steps are a week or
two apart, end somewhere in the last two years, and the next one or two steps of an active
patient are booked in the coming days. Estimates are priced with the billing domain's own
pure pricing code, measures are scored by the measures scoring library (through
bench.measures_generate), and 12 % of PHQ-9s answer item 9 above 0, raising an alert.

The probe: four signed-in users (therapist, prescriber, billing, admin; password
:data:`PROBE_PASSWORD`), a fifth for the portal (the account of caseload patient
:data:`PROBE_PORTAL_PATIENT`) and the probe therapist's caseload of 30 patients (all with the
probe prescriber) plus two patients offered to the probe therapist, generated first from
their own fixed random seed, so that their rows and ids are identical at every size and a
per-user page can be compared across sizes. Everything is dated relative to ``anchor``
(the clinic-local day of generation); the probe's active patients each have a session in
the anchor week, so the probe therapist's calendar week holds about 20 sessions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench import measures_generate, portal_generate
from bench.network_generate import LANGUAGES, PAYERS, STATES, UNUSABLE_HASH
from bench.scale_load import Loader
from kapms.audit.chain import seal
from kapms.billing.codes import label
from kapms.billing.demo import BASE_ALLOWED, PRIVATE_PAY
from kapms.billing.services.watch import refresh_all
from kapms.care.constants import CO_MEDICATIONS, CONTRAINDICATIONS
from kapms.extensions import db
from kapms.measures.schedule import instruments_for
from kapms.network.vocabulary import SPECIALTIES

FULL = {"therapists": 10_000, "prescribers": 1_000, "patients": 100_000, "billing": 50,
        "admins": 10}
PROBE_PASSWORD = "probe-bench-lantern-2026"
PROBE_EMAILS = {role: f"probe.{role}@bench.kapms.test"
                for role in ("therapist", "prescriber", "billing", "admin")}
# A caseload patient's portal account.
PROBE_EMAILS["patient"] = portal_generate.PROBE_PATIENT_EMAIL
PROBE_PORTAL_PATIENT = 8  # mid-course (dosing stage): the portal pages' patient
PROBE_CASELOAD = 30
PROBE_SEED = 20_260_104
CLINIC_ZONE = ZoneInfo("America/Los_Angeles")

STAGE_WEIGHTS = {"referral": 6, "intake": 6, "not_cleared": 1, "deferred": 2,
                 "preparation": 10, "dosing": 25, "follow_up": 8, "maintenance": 10,
                 "completed": 32}
# The probe caseload, stage by stage (30 patients, all on the probe's care teams).
PROBE_STAGES = (["intake"] * 2 + ["preparation"] * 5 + ["dosing"] * 10 + ["follow_up"] * 3
                + ["maintenance"] * 3 + ["completed"] * 7)
DIAGNOSES = {"F33.1": 30, "F32.1": 12, "F32.2": 6, "F41.1": 20, "F43.10": 14, "F43.12": 6,
             "Z73.0": 12}
FIRST_NAMES = ("Avery Blake Camila Dana Elena Farah Gabriel Hana Isaac Jonah Keiko Liam Maya "
               "Nadia Omar Priya Quinn Rosa Samir Talia Uma Victor Wren Ximena Yusuf Zoe Ada "
               "Bruno Chloe Diego Esme Felix Greta Hugo Iris Jamal Kira Leo Mira Nico Olga "
               "Pablo Rhea Soren Tess Ulla Vera Wes Yara Zane").split()
LAST_NAMES = ("Abbott Baker Chen Diaz Evans Fischer Garcia Haddad Ito Jensen Kowalski Lopez "
              "Morales Nguyen Okafor Patel Quintero Rossi Singh Tanaka Usman Varga Walsh "
              "Xu Yilmaz Zimmer Alvarez Brooks Castillo Dubois Eriksen Flores Gupta Horvat "
              "Ibarra Johansson Kim Larsen Mendes Novak Ortiz Petrov Reyes Santos Torres "
              "Ueda Vasquez Weber Young Zhang").split()
NOTE_SENTENCES = (
    "Patient arrived on time, oriented and calm.",
    "Reviewed intentions for the session: loosening rumination and reconnecting with family.",
    "Discussed set and setting, the support person for the ride home and the plan for the day.",
    "Mild dissociation peaked around thirty minutes and resolved by ninety.",
    "Patient described a sense of spaciousness and a memory of childhood safety.",
    "Linked the experience to current avoidance at work and in close relationships.",
    "Vitals stable throughout; no nausea; oriented and steady at discharge.",
    "PHQ-9 reviewed with the patient; sleep improving, energy still low in the mornings.",
    "Plan: daily walk, journaling after waking, integration session later this week.",
    "Explored fear of losing control; practised grounding with breath and music.",
    "Partner drove home; patient advised not to drive until tomorrow.",
    "Patient reports fewer intrusive memories since the last dosing.",
)
SEPARATELY_SCHEDULED = ("Laboratory tests ordered by the prescriber and any pharmacy charges "
                        "for medication are billed separately by those providers.")


@dataclass(frozen=True)
class Size:
    """A fraction of the full network."""

    label: str
    fraction: float

    def count(self, what: str) -> int:
        """How many of ``what`` (therapists, prescribers, patients, billing, admins)."""
        return max(2, round(FULL[what] * self.fraction))


SIZES = {"1%": Size("1%", 0.01), "10%": Size("10%", 0.10), "100%": Size("100%", 1.0)}


def parse_size(text: str) -> Size:
    """"1%", "10%", "100%" or any "N%"."""
    if text in SIZES:
        return SIZES[text]
    return Size(text, float(text.rstrip("%")) / 100)


@dataclass
class Clinician:
    """What the patient generator needs to know about a clinician."""

    id: int
    email: str
    name: str
    state: str
    city: tuple[str, float, float]
    npi: str
    weight: int = 1


@dataclass
class Step:
    """One session of a course: kind, clinic-local day and start time, length."""

    kind: str
    day: date
    hour: int
    minute: int
    minutes: int
    past: bool = False
    status: str = "scheduled"
    id: int | None = None
    start: datetime | None = None
    remote: bool = False  # a dosing by telehealth or at home
    series: Step | None = None  # the first session of the series it was booked in
    series_weeks: int = 1
    series_id: int | None = None


@dataclass
class PatientPlan:
    """The choices made for one patient before their rows are written."""

    id: int
    first: str
    last: str
    stage: str
    state: str
    city: tuple[str, float, float]
    diagnosis: str
    plan_id: int | None
    therapist: Clinician | None
    prescriber: Clinician | None
    dob: date
    extra: dict = field(default_factory=dict)


class Network:
    """Writes one synthetic network through a :class:`Loader`."""

    def __init__(self, loader: Loader, size: Size, anchor: date, password_hash: str,
                 seed: int = 1, audit_key: bytes | None = None):
        self.db, self.size, self.anchor = loader, size, anchor
        self.password_hash = password_hash
        self.rng = random.Random(seed)
        self.now = datetime.combine(anchor, clock(12), CLINIC_ZONE).astimezone(UTC)
        self.plans: list[int] = []
        self.plan_labels: dict[int, str] = {}
        self.payer_of: dict[int, tuple[str, str, str]] = {}  # plan -> (payer, code, plan name)
        self.schedules: dict[int | None, tuple[int, dict[str, int]]] = {}
        self.price_cache: dict = {}
        self.gfe_cache: dict = {}
        # The audit log is generated sealed, as the app's sealer leaves it (kapms/audit):
        # otherwise the first requests would seal millions of old rows.
        self.audit_key, self.chain_head = audit_key, "0" * 64
        self.admins: list[Clinician] = []
        self.billing: list[Clinician] = []
        self.bookings: dict[int, int] = {}  # clinician -> sessions booked (their calendar row)
        self.people: set[tuple[str, str, date]] = set()  # patients' names and birth dates
        self.consents: dict = {}  # document -> [(version id, published, sha256, day)]
        self.portal_users = 0

    # -- helpers -----------------------------------------------------------------------
    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Clinic-local ``day`` at ``hour:minute`` as an aware UTC datetime."""
        return datetime.combine(day, clock(hour, minute), CLINIC_ZONE).astimezone(UTC)

    def audit(self, user: Clinician | None, action: str, entity: str, entity_id, at: datetime,
              patient_id: int | None = None, detail: str | None = None,
              outcome: str = "success") -> None:
        """One audit event, as the services would have written it, sealed into the chain."""
        table = self.db["audit_events"]
        row = {"id": table.next_id, "at": at, "user_id": user.id if user else None,
               "actor_email": user.email if user else None, "action": action,
               "entity_type": entity, "entity_id": None if entity_id is None else str(entity_id),
               "patient_id": patient_id, "ip_address": f"10.0.{at.day}.{at.hour}",
               "outcome": outcome, "detail": detail}
        if self.audit_key is not None:
            self.chain_head = seal(self.audit_key, self.chain_head, row["id"], row)
            row.update(seq=row["id"], chain_hash=self.chain_head)
        table.add(row)

    def user(self, email: str, name: str, roles: list[str], *, credentials=None,
             password_hash: str = UNUSABLE_HASH, created: datetime | None = None) -> int:
        """A user and their role rows; returns the id."""
        uid = self.db["users"].add({
            "email": email, "full_name": name, "credentials": credentials,
            "password_hash": password_hash, "active": True, "failed_logins": 0,
            "session_version": 1, "created_at": created or self.now - timedelta(days=900),
            "last_login_at": self.now - timedelta(hours=self.rng.randint(1, 200))})
        for role in roles:
            self.db["user_roles"].add({"user_id": uid, "role": role})
        return uid

    # -- reference data ----------------------------------------------------------------
    def payers_and_schedules(self) -> None:
        """The payers and plans of the network benchmark, a fee schedule per plan (a plan
        factor of the base amounts) and the private-pay schedule."""
        rng = random.Random(7)
        start = self.anchor.replace(month=1, day=1) - timedelta(days=3 * 365)
        for number, (payer, plans) in enumerate(PAYERS.items()):
            payer_code = f"{60054 + number * 111}"
            payer_id = self.db["payers"].add({"name": payer, "active": True,
                                              "payer_code": payer_code})
            for name in plans:
                plan_id = self.db["insurance_plans"].add({
                    "payer_id": payer_id, "name": name, "active": True,
                    "plan_type": name.split()[-1] if name.split()[-1] in ("PPO", "HMO")
                    else None})
                self.plans.append(plan_id)
                self.plan_labels[plan_id] = f"{payer} — {name}"
                self.payer_of[plan_id] = (payer, payer_code, name)
                factor = rng.choice([85, 90, 95, 100, 105, 110])
                self._schedule(plan_id, start, {c: (v * factor + 5000) // 10000 * 100
                                                for c, v in BASE_ALLOWED.items()})
        self._schedule(None, start, dict(PRIVATE_PAY))

    def _schedule(self, plan_id, start: date, amounts: dict[str, int]) -> None:
        sid = self.db["fee_schedules"].add({"plan_id": plan_id, "effective_from": start,
                                            "effective_to": None, "created_at": self.now})
        for code, cents in sorted(amounts.items()):
            self.db["fee_schedule_lines"].add({"schedule_id": sid, "code": code,
                                               "allowed_cents": cents})
        self.schedules[plan_id] = (sid, amounts)

    # -- clinicians --------------------------------------------------------------------
    def clinician(self, rng, email: str, name: str, kind: str, *, state: str | None = None,
                  password_hash: str = UNUSABLE_HASH) -> Clinician:
        """A therapist or prescriber with a directory profile (licences, plans, weekly
        availability) and, for prescribers, the prescriber profile a prescription prints."""
        state = state or rng.choices(list(STATES), weights=[v[0] for v in STATES.values()])[0]
        city = rng.choice(STATES[state][1])
        credentials = rng.choice(["LMFT", "LCSW", "PsyD", "LPC"]) if kind == "therapist" \
            else rng.choice(["MD", "PMHNP-BC", "DO", "NP"])
        uid = self.user(email, name, [kind], credentials=credentials,
                        password_hash=password_hash)
        capacity = rng.randint(4, 25) if kind == "therapist" else rng.randint(60, 160)
        in_office = rng.random() < 0.6
        npi = npi_for(uid)
        profile = self.db["clinician_profiles"].add({
            "user_id": uid, "kind": kind, "npi": npi,
            "kap_course": "KAP Foundations" if rng.random() < 0.9 else None,
            "kap_trained_on": self.anchor - timedelta(days=rng.randint(30, 2000)),
            "accepts_private_pay": rng.random() < 0.7,
            "private_pay_rate_cents": rng.choice([15000, 18000, 20000, 25000]),
            "in_office": in_office,
            "office_address": f"{rng.randint(1, 999)} Main St, {city[0]}, {state}"
            if in_office else None,
            "latitude": city[1] + rng.uniform(-0.3, 0.3) if in_office else None,
            "longitude": city[2] + rng.uniform(-0.3, 0.3) if in_office else None,
            "telehealth": not in_office or rng.random() < 0.7,
            "specialties": ",".join(rng.sample(list(SPECIALTIES), rng.randint(1, 4))),
            "languages": ",".join(n for n, w in LANGUAGES if rng.randint(1, 100) <= w),
            "accepting_new": rng.random() < 0.8, "capacity": capacity,
            "updated_at": self.now - timedelta(days=rng.randint(0, 400)), "version": 1})
        for lic_state in dict.fromkeys([state] + ([rng.choice(list(STATES))]
                                                  if rng.random() < 0.2 else [])):
            expired = rng.random() < 0.1
            self.db["clinician_licences"].add({
                "profile_id": profile, "licence_type": credentials.split("-")[0][:20],
                "number": f"L{uid}{lic_state}", "state": lic_state,
                "expires_on": self.anchor + timedelta(days=rng.randint(-400, -1) if expired
                                                      else rng.randint(30, 900))})
        for plan in rng.sample(self.plans, rng.choice([0, 1, 2, 2, 3, 3, 4, 5])):
            self.db["clinician_plans"].add({"profile_id": profile, "plan_id": plan})
        for weekday in sorted(rng.sample(range(6), rng.randint(0, 4))):
            start = rng.choice([8, 9, 13])
            self.db["clinician_availability"].add({
                "profile_id": profile, "weekday": weekday, "starts_at": clock(start),
                "ends_at": clock(start + 4)})
        if kind == "prescriber":
            self.db["prescriber_profiles"].add({
                "user_id": uid, "dea_number": f"F{rng.choice('ABM')}{uid % 10_000_000:07d}",
                "practice_address": f"{rng.randint(1, 999)} Harbor Way, {city[0]}, {state}",
                "updated_at": self.now})
        return Clinician(uid, email, f"{name}, {credentials}", state, city, npi,
                         weight=capacity)

    def staff(self, rng, count: int, role: str, prefix: str) -> list[Clinician]:
        """Billing staff or admins (no directory profile)."""
        people = []
        for n in range(count):
            email = f"{prefix}{n}@bench.kapms.test"
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            uid = self.user(email, name, [role])
            people.append(Clinician(uid, email, name, "CA", STATES["CA"][1][0], ""))
        return people

    # -- patients ----------------------------------------------------------------------
    def patient(self, rng, plan: PatientPlan) -> None:
        """Write one patient and every record their stage implies."""
        insured = plan.plan_id is not None
        steps = self.course(rng, plan)
        first_day = steps[0].day if steps else self.anchor - timedelta(days=rng.randint(1, 20))
        created = self.at(first_day - timedelta(days=rng.randint(7, 30)), 10)
        admin = rng.choice(self.admins)
        self.db["patients"].add({
            "id": plan.id, "first_name": plan.first, "last_name": plan.last,
            "date_of_birth": plan.dob, "address_line1": f"{rng.randint(1, 9999)} Oak Street",
            "city": plan.city[0], "state": plan.state,
            "postal_code": f"{rng.randint(90001, 99999)}",
            "latitude": plan.city[1] + rng.uniform(-0.2, 0.2),
            "longitude": plan.city[2] + rng.uniform(-0.2, 0.2),
            "phone": f"(510) 555-{rng.randint(0, 9999):04d}",
            "email": f"{plan.first.lower()}.{plan.last.lower()}{plan.id}@example.com",
            "preferred_language": "Spanish" if rng.random() < 0.15 else "English",
            "emergency_contact_name": f"{rng.choice(FIRST_NAMES)} {plan.last}",
            "emergency_contact_phone": f"(510) 555-{rng.randint(0, 9999):04d}",
            "emergency_contact_relation": rng.choice(["Partner", "Parent", "Friend", "Sibling"]),
            "diagnosis_code": plan.diagnosis, "plan_id": plan.plan_id,
            "member_id": f"M{plan.id:09d}" if insured else None, "stage": plan.stage,
            "created_at": created, "created_by_id": admin.id, "version": 1})
        self.audit(admin, "create", "patient", plan.id, created, plan.id)
        for member, role in ((plan.therapist, "therapist"), (plan.prescriber, "prescriber")):
            if member is not None:
                member_id = self.db["care_team_members"].add({
                    "patient_id": plan.id, "user_id": member.id, "role": role, "active": True,
                    "added_at": created + timedelta(days=1), "added_by_id": admin.id})
                self.audit(admin, "update", "care_team", member_id, created + timedelta(days=1),
                           plan.id, f"added {role} user {member.id}")
        self.referrals(rng, plan, created, admin)
        if plan.therapist is not None and rng.random() < 0.003:
            # Registered again by a clinician who cannot see the chart: an admin decides.
            self.db["registration_reviews"].add({
                "patient_id": plan.id, "requested_by_id": plan.therapist.id,
                "first_name": plan.first, "last_name": plan.last, "date_of_birth": plan.dob,
                "details": f"City: {plan.city[0]}", "status": "pending",
                "created_at": self.now - timedelta(days=rng.randint(0, 20))})
        if plan.stage == "referral":
            return
        own = portal_generate.patient_rng(plan.id)
        portal_generate.mark_series(own, steps)
        clearance = self.clearance(rng, plan, steps)
        self.sessions(rng, plan, steps, clearance)
        self.measures(rng, plan, steps)
        self.billing_records(rng, plan, steps)
        portal_generate.patient_records(self, own, plan, steps, created)

    def course(self, rng, plan: PatientPlan) -> list[Step]:
        """The patient's sessions: past ones held (or cancelled), the next one or two
        booked. Active patients of the probe have a session in the anchor week."""
        if plan.stage == "referral":
            return []
        dosings = rng.choice([6, 6, 6, 8])
        preparations = rng.choice([1, 2, 2, 3])
        plan.extra["dosings"] = dosings
        kinds: list[tuple[str, int]] = [("intake", 0)]
        kinds += [("preparation", rng.randint(7, 14))] + [("preparation", 7)] * (preparations - 1)
        for i in range(dosings):
            kinds.append(("dosing", 7 if i == 0 else rng.choice([7, 7, 14])))
            kinds.append(("integration", rng.randint(1, 3)))
            if i == 1:
                kinds.append(("follow_up", rng.randint(3, 10)))
        kinds.append(("follow_up", rng.randint(14, 30)))
        end_of_course = len(kinds)
        if plan.stage == "maintenance" or (plan.stage == "completed" and rng.random() < 0.3):
            for _ in range(rng.randint(1, 3)):
                kinds.append(("dosing", rng.randint(25, 40)))
                kinds.append(("integration", rng.randint(1, 3)))
        first_future = {
            "intake": 0, "not_cleared": 1, "deferred": 1,
            "preparation": rng.randint(1, preparations),
            "dosing": rng.randint(1 + preparations + 1, end_of_course - 2),
            "follow_up": end_of_course - 1,
            "maintenance": rng.randint(end_of_course, len(kinds) - 1)
            if len(kinds) > end_of_course else end_of_course - 1,
            "completed": len(kinds),
        }[plan.stage]
        if plan.stage in ("not_cleared", "deferred"):
            kinds = kinds[:1]
        # Offsets in days from the first step.
        offsets, total = [], 0
        for _, gap in kinds:
            total += gap
            offsets.append(total)
        if first_future >= len(kinds):
            pivot_day = self.anchor - timedelta(days=rng.randint(10, 700))
            base = pivot_day - timedelta(days=offsets[-1])
        else:
            if plan.extra.get("probe"):  # a weekday of the anchor week
                week = self.anchor - timedelta(days=self.anchor.weekday())
                pivot_day = week + timedelta(days=plan.id % 5)
            else:
                pivot_day = self.anchor + timedelta(days=rng.randint(0, 9))
            base = pivot_day - timedelta(days=offsets[first_future])
        steps = []
        future = 0
        # The probe's week: about 20 sessions for its therapist.
        most_future = 1 + (plan.id % 3 == 0) if plan.extra.get("probe") else 2
        for (kind, _), offset in zip(kinds, offsets, strict=True):
            day = base + timedelta(days=offset)
            if day.weekday() >= 5:  # the clinic is closed at weekends
                day += timedelta(days=7 - day.weekday())
            past = day < self.anchor
            if not past:
                future += 1
                if future > most_future:
                    break
            hour = {"dosing": 9, "intake": 10, "follow_up": 11}.get(kind, 13 + plan.id % 4)
            minutes = {"dosing": 180, "intake": 60, "follow_up": 30}.get(
                kind, rng.choice([50, 60]))
            steps.append(Step(kind, day, hour, 30 if kind == "dosing" else 0, minutes, past))
        return steps

    def clearance(self, rng, plan: PatientPlan, steps: list[Step]) -> int | None:
        """The prescriber's decision after the intake, a prescription and refills."""
        intake = steps[0]
        if not intake.past or plan.prescriber is None:
            return None
        decision = {"not_cleared": "not_cleared", "deferred": "deferred"}.get(plan.stage,
                                                                             "cleared")
        decided = self.at(intake.day + timedelta(days=rng.randint(0, 3)), 16)
        if decided > self.now:
            decided = self.now - timedelta(hours=2)
        cleared = decision == "cleared"
        clearance = self.db["clearances"].add({
            "patient_id": plan.id, "prescriber_id": plan.prescriber.id, "decided_at": decided,
            "screen": {key: {"yes": False, "notes": ""} for key, _ in CONTRAINDICATIONS},
            "co_medications": {key: False for key, _ in CO_MEDICATIONS},
            "bp_systolic": rng.randint(108, 138), "bp_diastolic": rng.randint(68, 88),
            "heart_rate": rng.randint(58, 90), "spo2": rng.randint(95, 99),
            "weight_kg": Decimal(rng.randint(520, 1100)) / 10,
            "decision": decision,
            "reason": "No contraindications; motivated; good support at home." if cleared
            else "Blood pressure to be controlled first; re-assess in three months.",
            "version": 1})
        plan.extra["plan_version"] = None
        if cleared:
            dose = Decimal(rng.choice([150, 200, 250]))
            versions = [self.db["care_plan_versions"].add({
                "clearance_id": clearance, "number": 1, "dosing_count": plan.extra["dosings"],
                "maintenance_dosings": 3 if plan.stage in ("maintenance", "completed") else 0,
                "product": "ketamine_sl_lozenge", "route": "sublingual", "dose_mg": dose,
                "expires_on": (decided + timedelta(days=365)).date(),
                "reason": "Initial plan.", "created_by_id": plan.prescriber.id,
                "created_at": decided})]
            plan.extra["plan_version"] = versions[0]
            probe = plan.extra.get("probe")
            if plan.stage in ("dosing", "follow_up") and (rng.random() < 0.1 or probe):
                # A therapist asked for a higher dose: approved as version 2, or still open
                # (the probe's: the prescriber's decision page).
                approved = rng.random() < 0.6 and not probe
                asked = decided + timedelta(days=21)
                if approved:
                    versions.append(self.db["care_plan_versions"].add({
                        "clearance_id": clearance, "number": 2,
                        "dosing_count": plan.extra["dosings"], "maintenance_dosings": 0,
                        "product": "ketamine_sl_lozenge", "route": "sublingual",
                        "dose_mg": dose + 50, "expires_on": (decided + timedelta(days=365)).date(),
                        "reason": "Little response at the first dose; higher dose requested.",
                        "created_by_id": plan.prescriber.id,
                        "created_at": asked + timedelta(days=1)}))
                if plan.therapist is not None:
                    self.db["care_plan_requests"].add({
                        "patient_id": plan.id, "clearance_id": clearance,
                        "requested_by_id": plan.therapist.id, "requested_at": asked,
                        "dose_mg": dose + 50, "reason": "Little response at the first dose.",
                        "status": "approved" if approved else "open",
                        "decided_by_id": plan.prescriber.id if approved else None,
                        "decided_at": asked + timedelta(days=1) if approved else None,
                        "plan_version_id": versions[-1] if approved else None,
                        "version": 2 if approved else 1})
                    self.audit(plan.therapist, "create", "plan_request", None, asked, plan.id)
        self.audit(plan.prescriber, "create", "clearance", clearance, decided, plan.id,
                   decision)
        if cleared:
            rx = self.db["prescriptions"].add({
                "patient_id": plan.id, "prescriber_id": plan.prescriber.id,
                "issued_on": decided.date(), "patient_name": f"{plan.first} {plan.last}",
                "patient_address": f"1 Oak Street, {plan.city[0]}, {plan.state}",
                "drug_name": "Ketamine HCl", "strength": "100 mg",
                "dosage_form": "sublingual troche", "quantity": 2 * plan.extra["dosings"],
                "directions": "Dissolve two troches under the tongue during a supervised "
                              "dosing session only.",
                "refills_authorized": 1, "prescriber_name": plan.prescriber.name,
                "prescriber_address": f"Harbor Way, {plan.prescriber.city[0]}",
                "prescriber_dea": "FA1234563", "created_at": decided})
            self.audit(plan.prescriber, "create", "prescription", rx, decided, plan.id)
            if rng.random() < 0.3 and decided.date() + timedelta(days=40) < self.anchor:
                self.db["prescription_refills"].add({
                    "prescription_id": rx, "dispensed_on": decided.date() + timedelta(days=40),
                    "recorded_by_id": plan.prescriber.id, "created_at": decided})
        return clearance

    def sessions(self, rng, plan: PatientPlan, steps: list[Step], clearance) -> None:
        """Care sessions with dosing records, progress notes, addenda, process notes."""
        for step in steps:
            clinician = plan.prescriber if step.kind in ("intake", "follow_up") \
                else plan.therapist
            if clinician is None:
                continue
            if step.kind != "intake" and clearance is None:
                continue  # nothing after an intake without a clearance
            start = self.at(step.day, step.hour, step.minute)
            step.start = start
            booked = start - timedelta(days=rng.randint(3, 14))
            held = step.kind == "dosing" and step.past and rng.random() < 0.04
            status = "scheduled"
            if step.past:
                roll = rng.random()
                status = "cancelled" if roll < 0.03 else "scheduled" if roll < 0.04 \
                    else "held" if held else "completed"
            step.status = status
            end = start + timedelta(minutes=step.minutes)
            modality = "telehealth" if step.kind == "follow_up" or rng.random() < 0.2 \
                else "office"
            step.remote = modality == "telehealth"
            sid = self.db["care_sessions"].add({
                "patient_id": plan.id, "kind": step.kind, "clinician_id": clinician.id,
                "scheduled_start": start, "duration_minutes": step.minutes,
                "modality": modality,
                "location": None if step.kind == "follow_up" else "Suite 200",
                "series_id": portal_generate.series_id(self, step, plan.id, clinician, booked),
                "status": status,
                "started_at": start if status in ("completed", "held") else None,
                "ended_at": end if status in ("completed", "held") else None,
                "actual_minutes": step.minutes if status in ("completed", "held") else None,
                "completed_at": end if status in ("completed", "held") else None,
                "cancel_reason": "Patient unwell; rebooked." if status == "cancelled" else None,
                "created_by_id": clinician.id, "created_at": booked, "version": 1})
            step.id = sid
            self.bookings[clinician.id] = self.bookings.get(clinician.id, 0) + 1
            self.audit(clinician, "create", "care_session", sid, booked, plan.id, step.kind)
            if (self.now - booked).days < 30:  # one-time form tokens are kept 30 days
                self.db["form_submissions"].add({
                    "token": hashlib.sha256(f"schedule-{sid}".encode()).hexdigest()[:43],
                    "user_id": clinician.id, "endpoint": "care.schedule",
                    "result_type": "CareSession", "result_id": sid, "created_at": booked})
            if status in ("scheduled", "cancelled"):
                continue
            if step.kind == "dosing":
                setting = self.dosing(rng, plan, sid, clearance, start, held, clinician)
                step.remote = step.remote or setting in portal_generate.REMOTE_SETTINGS
                self.audit(clinician, "create", "dosing_record", sid, end, plan.id)
            else:
                self.audit(clinician, "update", "care_session", sid, end, plan.id, "completed")
            self.note(rng, plan, step, sid, clinician, end)
            if plan.plan_id and status == "completed" and (self.anchor - step.day).days <= 180:
                self.claim(rng, plan, step, sid, clinician, rng.choice(self.billing))

    def dosing(self, rng, plan: PatientPlan, session_id: int, clearance, start: datetime,
               held: bool, clinician: Clinician) -> str:
        """The live dosing record of a past dosing session, every phase done: check-in,
        pre-dose vitals, the dose (or the hold), monitoring with vitals, adverse events and
        chaperone check-ins, discharge; the prescriber's review items for a hold or a
        blood-pressure rise (acknowledged unless recent), now and then an amendment.
        Returns the dosing's setting (office, telehealth, home)."""
        pre_s, pre_d = (rng.randint(162, 175), rng.randint(100, 108)) if held \
            else (rng.randint(110, 140), rng.randint(68, 90))
        rise = not held and rng.random() < 0.05
        mid_s = pre_s + (rng.randint(40, 50) if rise else rng.randint(0, 18))
        checked_in = start - timedelta(minutes=10)
        given = start + timedelta(minutes=20)
        setting = "office" if rng.random() < 0.8 else rng.choice(["telehealth", "home"])
        plan.extra["dosing_number"] = plan.extra.get("dosing_number", 0) + (0 if held else 1)
        number = plan.extra["dosing_number"] + (1 if held else 0)
        dosing = self.db["dosing_records"].add({
            "session_id": session_id, "clearance_id": clearance,
            "plan_version_id": plan.extra.get("plan_version"), "dosing_number": number,
            "maintenance": number > plan.extra["dosings"],
            "outcome": "held" if held else "administered",
            "hold_reason": f"Pre-dose blood pressure {pre_s}/{pre_d} at or above the hold "
                           "threshold." if held else None,
            "checked_in_at": checked_in, "checked_in_by_id": clinician.id, "setting": setting,
            "location": "Suite 200" if setting == "office" else None,
            "monitored_by": clinician.name, "monitoring_staff": 1,
            "chaperone_name": f"{rng.choice(FIRST_NAMES)} (partner)"
            if setting != "office" else None,
            "chaperone_phone": "(510) 555-0199" if setting != "office" else None,
            "checkin_interval_minutes": 15 if setting != "office" else None,
            "co_medications": {key: False for key, _ in CO_MEDICATIONS},
            "product": None if held else "ketamine_sl_lozenge",
            "route": None if held else "sublingual",
            "dose_mg": None if held else Decimal(rng.choice([150, 200, 250])),
            "lot_number": None if held else f"KX-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
            "given_at": None if held else given,
            "administered_by_id": None if held else clinician.id,
            "monitoring_start": None if held else given,
            "monitoring_end": None if held else given + timedelta(minutes=120),
            "monitoring_minutes": None if held else 120,
            "ready_to_leave_at": None if held else given + timedelta(minutes=125),
            "discharge_stable": None if held else True, "ride_home": None if held else True,
            "no_driving_advised": None if held else True,
            "discharged_by_id": None if held else clinician.id,
            "bp_flag": f"Blood pressure rose {mid_s - pre_s} mmHg systolic after the dose."
            if rise else None,
            "recorded_by_id": clinician.id, "recorded_at": checked_in,
            "updated_at": given + timedelta(minutes=130), "version": 5})
        readings = [("pre", checked_in + timedelta(minutes=5), pre_s, pre_d)]
        if not held:
            readings += [("mid", given + timedelta(minutes=40), mid_s,
                          pre_d + rng.randint(0, 12)),
                         ("discharge", given + timedelta(minutes=120),
                          pre_s + rng.randint(-5, 6), pre_d + rng.randint(-4, 4))]
        for kind, at, systolic, diastolic in readings:
            self.db["care_dosing_vitals"].add({
                "dosing_id": dosing, "kind": kind, "taken_at": at, "systolic": systolic,
                "diastolic": diastolic, "heart_rate": rng.randint(60, 92),
                "spo2": rng.randint(94, 99), "recorded_by_id": clinician.id, "recorded_at": at})
        if not held:
            for event in rng.sample(["dissociation", "nausea", "dizziness", "headache"],
                                    rng.randint(0, 2)):
                self.db["care_adverse_events"].add({
                    "dosing_id": dosing, "kind": event, "severity": "mild", "serious": False,
                    "occurred_at": given + timedelta(minutes=rng.randint(10, 60)),
                    "recorded_by_id": clinician.id,
                    "recorded_at": given + timedelta(minutes=65)})
            if setting != "office":
                for k in range(1, 5):
                    self.db["care_chaperone_checkins"].add({
                        "dosing_id": dosing, "at": given + timedelta(minutes=15 * k),
                        "by": clinician.name, "status": "ok", "recorded_by_id": clinician.id,
                        "recorded_at": given + timedelta(minutes=15 * k)})
            if rng.random() < 0.01:
                self.db["care_dosing_amendments"].add({
                    "dosing_id": dosing, "target": "lot_number", "label": "Lot number",
                    "old_value": "KX-00-0000", "new_value": "KX-10-1000",
                    "reason": "Lot number mistyped; corrected from the dispensing log.",
                    "amended_by_id": clinician.id, "amended_at": given + timedelta(days=1)})
        subjects = [("held", "held", f"Dosing held: pre-dose blood pressure {pre_s}/{pre_d}.")
                    ] if held else []
        if rise:
            subjects.append(("bp_rise", "bp_rise",
                             f"Blood pressure rose {mid_s - pre_s} mmHg systolic after the dose."))
        for kind, subject, summary in subjects:
            reviewed = (self.now - start).days > 7 and plan.prescriber is not None
            self.db["care_reviews"].add({
                "patient_id": plan.id, "dosing_id": dosing, "kind": kind, "subject": subject,
                "summary": summary, "raised_at": given,
                "reviewed_at": given + timedelta(days=1) if reviewed else None,
                "reviewed_by_id": plan.prescriber.id if reviewed else None,
                "note": "Reviewed; plan unchanged." if reviewed else None,
                "version": 2 if reviewed else 1})
        return setting

    def note(self, rng, plan: PatientPlan, step: Step, session_id: int,
             clinician: Clinician, end: datetime) -> None:
        """The session's progress note (mostly signed; a few drafts and a few missing, which
        show under "notes due"), an addendum now and then, and a process note sometimes."""
        roll = rng.random()
        recent = (self.now - end).days < 14
        if roll < (0.15 if recent else 0.02):
            return  # not written yet
        signed = roll > (0.35 if recent else 0.04)
        body = " ".join(rng.sample(NOTE_SENTENCES, rng.randint(4, 8)))
        written = end + timedelta(minutes=rng.randint(20, 240))
        note = self.db["progress_notes"].add({
            "session_id": session_id, "patient_id": plan.id, "author_id": clinician.id,
            "body": body, "status": "signed" if signed else "draft", "created_at": written,
            "updated_at": written, "signed_at": written if signed else None,
            "signed_by_id": clinician.id if signed else None, "version": 2 if signed else 1})
        if not signed:
            self.audit(clinician, "update", "progress_note", note, written, plan.id,
                       "draft saved")
        else:
            self.audit(clinician, "sign", "progress_note", note, written, plan.id)
            if rng.random() < 0.02:
                self.db["note_addenda"].add({
                    "note_id": note, "author_id": clinician.id,
                    "body": "Addendum: reviewed vitals again; unremarkable.",
                    "signed_at": written + timedelta(days=1)})
        if clinician is plan.therapist and rng.random() < 0.1:
            self.db["process_notes"].add({
                "patient_id": plan.id, "session_id": session_id, "author_id": clinician.id,
                "body": "Process note: transference themes; own reactions to the material.",
                "created_at": written, "updated_at": written, "version": 1})
            self.audit(clinician, "update", "process_note", None, written, plan.id)

    def measures(self, rng, plan: PatientPlan, steps: list[Step]) -> None:
        """PHQ-9 and the diagnosis's instrument at each point reached; an alert for every
        PHQ-9 with item 9 above 0 (12 % of them), acknowledged unless recent."""
        held = [s for s in steps if s.past and s.status in ("completed", "held")]
        dosings = [s for s in held if s.kind == "dosing"]
        points = []
        if held:
            points.append(("baseline", held[0].day))
        for n, point in ((2, "after_dosing_2"), (4, "after_dosing_4"), (6, "after_dosing_6")):
            if len(dosings) >= n:
                points.append((point, dosings[n - 1].day + timedelta(days=1)))
        if len(dosings) >= 6:
            last_follow = [s for s in held if s.kind == "follow_up" and s.day > dosings[5].day]
            if last_follow:
                points.append(("follow_up", last_follow[-1].day))
        completer = any(p == "after_dosing_6" for p, _ in points)
        recorder = plan.therapist or plan.prescriber
        for instrument in instruments_for(plan.diagnosis):
            severity = rng.uniform(0.35, 0.95)
            for point, given_on in points:
                index = measures_generate.POINTS.index(point)
                answers = measures_generate._answers(rng, instrument, severity, index)
                if instrument == "PHQ-9":
                    answers[8] = rng.randint(1, 2) if rng.random() < 0.12 else 0
                row = measures_generate._row(plan.id, instrument, point, given_on, answers,
                                             self.at(given_on, 15))
                row.update(recorded_by_id=recorder.id if recorder else None,
                           end_recorded=completer if point == "baseline" else None)
                admin_id = self.db["measure_administrations"].add(row)
                self.audit(recorder, "create", "administration", admin_id, row["recorded_at"],
                           plan.id, instrument)
                if row["item9"]:
                    acknowledged = (self.anchor - given_on).days > 14
                    self.db["measure_safety_alerts"].add({
                        "patient_id": plan.id, "administration_id": admin_id,
                        "item9_answer": row["item9"], "raised_at": row["recorded_at"],
                        "acknowledged_at": row["recorded_at"] + timedelta(hours=3)
                        if acknowledged else None,
                        "acknowledged_by_id": recorder.id if acknowledged and recorder else None,
                        "acknowledgement_note": "Safety plan reviewed; no intent or plan."
                        if acknowledged else None, "version": 1})
        if plan.stage in ("dosing", "preparation") and rng.random() < 0.1:
            token = hashlib.sha256(f"link-{plan.id}".encode()).hexdigest()
            self.db["measure_self_report_links"].add({
                "patient_id": plan.id, "instrument": "PHQ-9", "point": "after_dosing_2",
                "token_hash": token, "created_at": self.now - timedelta(days=1),
                "created_by_id": recorder.id if recorder else None,
                "expires_at": self.now + timedelta(days=6)})

    def referrals(self, rng, plan: PatientPlan, created: datetime, admin: Clinician) -> None:
        """Offers: an open one for most patients waiting for a therapist, and the accepted
        offer that brought a third of the others to their therapist."""
        offered = plan.extra.get("offered_to")
        if plan.stage == "referral" and (offered or rng.random() < 0.6):
            to = offered or plan.extra["candidate"]
            if rng.random() < 0.3 and not offered:
                self.db["referrals"].add({
                    "patient_id": plan.id, "clinician_id": to.id, "role": "therapist",
                    "status": "declined", "note": "Close to your office.",
                    "decline_reason": "My caseload is full this month.",
                    "offered_by_id": admin.id, "offered_at": created,
                    "responded_at": created + timedelta(days=2), "version": 2})
            rid = self.db["referrals"].add({
                "patient_id": plan.id, "clinician_id": to.id, "role": "therapist",
                "status": "offered", "note": "Prefers afternoons; telehealth is fine.",
                "offered_by_id": admin.id, "offered_at": created + timedelta(days=3),
                "version": 1})
            self.audit(admin, "create", "referral", rid, created + timedelta(days=3), plan.id)
        elif plan.therapist is not None and rng.random() < 0.33:
            self.db["referrals"].add({
                "patient_id": plan.id, "clinician_id": plan.therapist.id, "role": "therapist",
                "status": "accepted", "offered_by_id": admin.id, "offered_at": created,
                "responded_at": created + timedelta(days=1), "version": 2})

    # -- billing -----------------------------------------------------------------------
    def billing_records(self, rng, plan: PatientPlan, steps: list[Step]) -> None:
        """Benefits (insured), estimates with lines, a GFE (self-pay), a payment plan."""
        clerk = rng.choice(self.billing)
        insured = plan.plan_id is not None
        start = steps[0].day
        benefits_key = None
        if insured:
            benefits_key = rng.choice(BENEFIT_PROFILES)
            for n in range(1 if rng.random() < 0.7 else 2):
                as_of = start - timedelta(days=5) + timedelta(days=365 * n)
                if as_of > self.anchor:
                    break
                deductible, met, coins, oop, oop_met, copay = benefits_key
                bid = self.db["benefits_records"].add({
                    "patient_id": plan.id, "plan_id": plan.plan_id, "as_of": as_of,
                    "plan_year_start": as_of.replace(month=1, day=1),
                    "in_network": True, "deductible_cents": deductible,
                    "deductible_met_cents": met, "coinsurance": Decimal(coins),
                    "oop_max_cents": oop, "oop_met_cents": oop_met,
                    "copay_psychotherapy_cents": copay, "copay_bypasses_deductible": True,
                    "medication_covered": False, "reference": f"REF-{plan.id}-{n}",
                    "created_at": self.at(as_of, 10), "created_by_id": clerk.id})
                plan.extra["benefits_id"] = bid
                self.audit(clerk, "create", "benefits", bid, self.at(as_of, 10), plan.id)
        if insured and "benefits_id" not in plan.extra:
            return
        versions = 0 if rng.random() > plan.extra.get("estimate_odds", 0.4) \
            else (1 if rng.random() < 0.9 else 2)
        estimate_id, patient_total = None, 0
        monday = start - timedelta(days=start.weekday())
        for version in range(1, versions + 1):
            estimate_id, patient_total = self.estimate(plan, version, monday, benefits_key,
                                                       clerk)
        if not insured and rng.random() < 0.5:
            self.gfe(rng, plan, monday, clerk)
        if estimate_id and rng.random() < plan.extra.get("plan_odds", 0.25):
            self.payment_plan(rng, plan, estimate_id, patient_total, monday, clerk)
        self.audit(clerk, "view", "patient", plan.id, self.at(start, 9), plan.id, "billing")

    def estimate(self, plan: PatientPlan, version: int, start: date, benefits_key,
                 clerk: Clinician) -> tuple[int, int]:
        """One estimate version, low (6 dosings, 1 preparation) and high (8 and 3), each line
        priced on the patient's schedule (a plan's allowed amounts, or the practice's fees
        when self-pay) with the benefits' deductible, coinsurance and copay; returns (id, high
        patient total). The pricing is the benchmark's own simple model, so the billing
        domain's pricing code can change without breaking the generator."""
        schedule_id, allowed = self.schedules[plan.plan_id]
        key = (start, plan.plan_id, benefits_key)
        if key not in self.price_cache:
            self.price_cache[key] = [
                (scenario, price_lines(course_lines(start, dosings, preparations), allowed,
                                       self.schedules[None][1], benefits_key))
                for scenario, dosings, preparations in (("low", 6, 1), ("high", 8, 3))]
        created = self.at(start - timedelta(days=3), 11)
        eid = self.db["estimates"].add({
            "patient_id": plan.id, "version": version, "basis": "template", "start_date": start,
            "self_pay": plan.plan_id is None, "in_network": True if plan.plan_id else None,
            "low_dosings": 6, "high_dosings": 8, "session_minutes": 60,
            "dosing_minutes": 120, "low_therapy_minutes": 1140, "high_therapy_minutes": 1620,
            "schedule_id": schedule_id, "benefits_id": plan.extra.get("benefits_id"),
            "plan_label": self.plan_labels.get(plan.plan_id, "Self-pay"),
            "created_at": created, "created_by_id": clerk.id})
        position, high_total = 0, 0
        lines = self.db["estimate_lines"]
        for scenario, priced in self.price_cache[key]:
            for day, code, units, charge, allowed_cents, plan_cents, patient, shares in priced:
                lines.add({"estimate_id": eid, "scenario": scenario, "network": "in",
                           "position": position, "service_date": day,
                           "plan_year_start": day.replace(month=1, day=1)
                           if plan.plan_id else None,
                           "code": code, "units": units, "charge_cents": charge,
                           "allowed_cents": allowed_cents, "plan_cents": plan_cents,
                           "patient_cents": patient, "deductible_cents": shares[0],
                           "coinsurance_cents": shares[1], "copay_cents": shares[2],
                           "schedule_id": schedule_id})
                position += 1
                if scenario == "high":
                    high_total += patient
        self.audit(clerk, "create", "estimate", eid, created, plan.id, f"version {version}")
        self.audit(clerk, "view", "estimate", eid, created + timedelta(minutes=2), plan.id,
                   f"version {version}")
        return eid, high_total

    def gfe(self, rng, plan: PatientPlan, start: date, clerk: Clinician) -> None:
        """A Good Faith Estimate on the practice's fees, one line per code."""
        schedule_id, amounts = self.schedules[None]
        dosings = rng.choice([6, 8])
        key = (start, dosings)
        if key not in self.gfe_cache:
            grouped: dict[str, list] = {}
            for day, code, units in course_lines(start, dosings, 1):
                grouped.setdefault(code, []).append((day, units))
            self.gfe_cache[key] = grouped
        issued = start - timedelta(days=4)
        team = "; ".join(c.name for c in (plan.therapist, plan.prescriber) if c)
        gid = self.db["good_faith_estimates"].add({
            "patient_id": plan.id, "patient_name": f"{plan.first} {plan.last}",
            "patient_dob": plan.dob, "primary_service": "Ketamine-assisted psychotherapy course",
            "primary_service_date": start, "scheduled_on": issued, "requested_on": None,
            "issue_by": issued + timedelta(days=3), "issued_on": issued,
            "diagnosis_codes": plan.diagnosis, "separately_scheduled": SEPARATELY_SCHEDULED,
            "provider_name": "KAP Bench Network", "provider_npi": "1000000004",
            "provider_tin": "94-0000000", "provider_location": "100 Harbor Way, Oakland, CA",
            "clinicians": team[:500], "dosings": dosings, "schedule_id": schedule_id,
            "created_at": self.at(issued, 10), "created_by_id": clerk.id})
        for position, (code, group) in enumerate(self.gfe_cache[key].items()):
            quantity = sum(units for _, units in group)
            self.db["gfe_lines"].add({
                "gfe_id": gid, "position": position, "code": code, "description": label(code),
                "diagnosis_code": plan.diagnosis, "quantity": quantity,
                "unit_cents": amounts[code], "charge_cents": amounts[code] * quantity,
                "first_date": group[0][0], "last_date": group[-1][0]})
        self.audit(clerk, "create", "gfe", gid, self.at(issued, 10), plan.id)

    def claim(self, rng, plan: PatientPlan, step: Step, session_id: int,
              clinician: Clinician, clerk: Clinician) -> None:
        """The claim of one held session of an insured patient: paid or denied once the
        payer answered (after about six weeks), submitted before that, a draft this week."""
        age = (self.anchor - step.day).days
        status = "draft" if age < 7 else "submitted" if age < 45 else \
            ("denied" if rng.random() < 0.08 else "paid")
        payer, payer_code, plan_name = self.payer_of[plan.plan_id]
        charges, allowed = self.schedules[None][1], self.schedules[plan.plan_id][1]
        codes = COURSE_CODES[step.kind]
        charge = sum(charges[code] * units for code, units in codes)
        allowed_cents = sum(allowed[code] * units for code, units in codes)
        share = allowed_cents // 5
        made = self.at(step.day, 18)
        first, _, last = clinician.name.split(",")[0].partition(" ")
        cid = self.db["claims"].add({
            "patient_id": plan.id, "plan_id": plan.plan_id, "status": status,
            "payer_name": payer, "payer_code": payer_code, "plan_name": plan_name,
            "member_id": f"M{plan.id:09d}", "patient_name": f"{plan.first} {plan.last}",
            "patient_first": plan.first, "patient_last": plan.last, "patient_dob": plan.dob,
            "patient_address": "1 Oak Street", "patient_city": plan.city[0],
            "patient_state": plan.state, "patient_postal_code": "94610",
            "diagnosis_code": plan.diagnosis, "billing_name": "KAP Bench Network",
            "billing_npi": "1000000004", "billing_tin": "94-0000000",
            "billing_address": "100 Harbor Way, Oakland, CA 94607",
            "clinician_id": clinician.id, "rendering_name": clinician.name[:200],
            "rendering_first": first[:80], "rendering_last": (last or first)[:80],
            "rendering_npi": clinician.npi, "first_date": step.day, "last_date": step.day,
            "charge_cents": charge,
            "allowed_cents": allowed_cents if status == "paid" else None,
            "paid_cents": allowed_cents - share if status == "paid" else None,
            "patient_share_cents": share if status == "paid" else None,
            "adjustment_cents": charge - allowed_cents if status == "paid" else None,
            "denial_reason": "CO-197: precertification absent" if status == "denied" else None,
            "payer_reference": f"EFT{session_id}" if status == "paid" else None,
            "posted_on": step.day + timedelta(days=40) if status in ("paid", "denied")
            else None,
            "submitted_at": made + timedelta(days=2) if status != "draft" else None,
            "submitted_by_id": clerk.id if status != "draft" else None,
            "created_at": made, "created_by_id": clerk.id,
            "version": {"draft": 1, "submitted": 2}.get(status, 3)})
        for position, (code, units) in enumerate(codes):
            self.db["claim_lines"].add({
                "claim_id": cid, "position": position, "session_id": session_id,
                "service_date": step.day, "code": code, "units": units,
                "place_of_service": "11", "charge_cents": charges[code] * units})
        self.audit(clerk, "create", "claim", cid, made, plan.id)

    def payment_plan(self, rng, plan: PatientPlan, estimate_id: int, balance: int,
                     start: date, clerk: Clinician) -> None:
        """A plan for the estimate's high patient share: upfront, monthly installments, and
        the payments made so far (most on time, some late or missing: overdue plans);
        closed once paid off."""
        balance = max(balance, 60000)
        upfront = min(12000, balance)
        count = rng.choice([6, 6, 9, 12])
        rest = balance - upfront
        schedule = list(zip(
            [start] + [_add_months(start, n) for n in range(1, count + 1)],
            [upfront] + [rest // count + (1 if i < rest % count else 0) for i in range(count)],
            strict=True))
        reliable = rng.random() < 0.75
        payments = []
        for due, cents in schedule:
            paid_on = due + timedelta(days=rng.randint(0, 5))
            if paid_on <= self.anchor and (reliable or rng.random() < 0.5):
                payments.append((paid_on, cents, rng.choice(["card", "card", "hsa", "ach"])))
        paid_off = sum(cents for _, cents, _ in payments) >= balance
        pid = self.db["payment_plans"].add({
            "patient_id": plan.id, "estimate_id": estimate_id, "balance_cents": balance,
            "upfront_cents": upfront, "installment_count": count, "first_due": start,
            "status": "closed" if paid_off else "open",
            "closed_at": self.at(payments[-1][0], 14) if paid_off else None,
            "created_at": self.at(start - timedelta(days=2), 11),
            "created_by_id": clerk.id, "version": 1 + len(payments)})
        self.audit(clerk, "create", "payment_plan", pid, self.at(start - timedelta(days=2), 11),
                   plan.id)
        for number, (due, cents) in enumerate(schedule):
            self.db["plan_installments"].add({"plan_id": pid, "number": number,
                                              "due_date": due, "amount_cents": cents})
        for paid_on, cents, method in payments:
            payment = self.db["payments"].add({
                "patient_id": plan.id, "plan_id": pid, "amount_cents": cents, "paid_on": paid_on,
                "method": method, "reference": f"R{plan.id}-{paid_on:%m%y}",
                "recorded_at": self.at(paid_on, 14), "recorded_by_id": clerk.id})
            self.audit(clerk, "create", "payment", payment, self.at(paid_on, 14), plan.id,
                       f"plan {pid}")

    # -- the whole network -------------------------------------------------------------
    def logins(self, rng, people: list[Clinician], per_person: int) -> None:
        """Sign-ins (and a few failed ones) spread over the last two years."""
        for person in people:
            for _ in range(per_person):
                at = self.now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
                failed = rng.random() < 0.03
                self.audit(person if not failed else None,
                           "login-failed" if failed else "login", "user", person.id, at,
                           outcome="failed" if failed else "success",
                           detail=person.email if failed else None)


# What each kind of visit bills (code, units): dosings as two hours of in-person monitoring
# plus the medication.
COURSE_CODES = {"intake": [("99204", 1)], "preparation": [("90837", 1)],
                "dosing": [("0820T", 2), ("MED-KETAMINE", 1)], "integration": [("90837", 1)],
                "follow_up": [("99214", 1)]}


def course_lines(start: date, dosings: int, preparations: int) -> list[tuple[date, str, int]]:
    """A typical course from ``start`` as (date, code, units): the intake, weekly
    preparations, weekly dosings each followed two days later by an integration, and
    medical follow-ups 30 days in and a week after the last dosing."""
    first = start + timedelta(weeks=preparations + 1)
    visits = [("intake", start)] + [("preparation", start + timedelta(weeks=k))
                                    for k in range(1, preparations + 1)]
    for n in range(dosings):
        day = first + timedelta(weeks=n)
        visits += [("dosing", day), ("integration", day + timedelta(days=2))]
    visits += [("follow_up", start + timedelta(days=30)),
               ("follow_up", first + timedelta(weeks=dosings, days=7))]
    visits = [(kind, day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() > 4 else 0))
              for kind, day in visits]
    return [(day, code, units) for kind, day in sorted(visits, key=lambda v: v[1])
            for code, units in COURSE_CODES[kind]]


def price_lines(lines, allowed: dict[str, int], charges: dict[str, int], benefits):
    """(date, code, units, charge, allowed, plan, patient, (deductible, coinsurance, copay))
    per line: self-pay pays the practice's fee; insured pays the psychotherapy copay, the
    deductible left, then coinsurance, up to the out-of-pocket maximum left."""
    priced = []
    deductible_left = oop_left = 0
    if benefits:
        deductible, met, coinsurance, oop, oop_met, copay = benefits
        deductible_left, oop_left, rate = deductible - met, oop - oop_met, Decimal(coinsurance)
    for day, code, units in lines:
        charge = charges[code] * units
        if not benefits:
            priced.append((day, code, units, charge, charge, 0, charge, (0, 0, 0)))
            continue
        amount = allowed[code] * units
        copay_part = min(copay or 0, amount) if code.startswith("908") else 0
        deductible_part = min(deductible_left, amount - copay_part)
        coinsurance_part = int((amount - copay_part - deductible_part) * rate)
        patient = min(copay_part + deductible_part + coinsurance_part, oop_left)
        deductible_left -= deductible_part
        oop_left -= patient
        priced.append((day, code, units, charge, amount, amount - patient, patient,
                       (deductible_part, coinsurance_part, copay_part)))
    return priced


BENEFIT_PROFILES = (
    # deductible, met, coinsurance, oop max, oop met, psychotherapy copay (cents)
    (100000, 25000, "0.2", 400000, 40000, 3000),
    (150000, 30000, "0.2", 500000, 30000, None),
    (50000, 50000, "0.1", 300000, 120000, 2500),
    (250000, 0, "0.3", 700000, 0, None),
    (0, 0, "0.2", 350000, 0, 4000),
    (200000, 180000, "0.25", 600000, 250000, None),
)


def npi_for(n: int) -> str:
    """A valid NPI (Luhn check digit over 80840 and the first nine digits) for number ``n``."""
    base = f"{100_000_000 + n:09d}"
    total = 0
    for i, ch in enumerate(reversed("80840" + base)):
        digit = int(ch) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return base + str((10 - total % 10) % 10)


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    return d.replace(year=year, month=month, day=min(d.day, 28))


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(loader: Loader, size: Size, *, anchor: date, password_hash: str,
             seed: int = 1, audit_key: bytes | None = None, progress=print) -> dict:
    """Write the probe and then the network of ``size``; returns what the page benchmark
    needs to know (anchor day, last ids, row counts). ``audit_key`` is the app's audit
    chain key (the log is generated sealed)."""
    net = Network(loader, size, anchor, password_hash, seed, audit_key)
    net.payers_and_schedules()
    probe_rng = random.Random(PROBE_SEED)
    probe = {role: net.user(PROBE_EMAILS[role], f"Probe {role.title()}", [role],
                            password_hash=password_hash)
             for role in ("billing", "admin")}
    therapist = net.clinician(probe_rng, PROBE_EMAILS["therapist"], "Probe Therapist",
                              "therapist", state="CA", password_hash=password_hash)
    prescriber = net.clinician(probe_rng, PROBE_EMAILS["prescriber"], "Probe Prescriber",
                               "prescriber", state="CA", password_hash=password_hash)
    net.admins = [Clinician(probe["admin"], PROBE_EMAILS["admin"], "Probe Admin", "CA",
                            STATES["CA"][1][0], "")]
    net.billing = [Clinician(probe["billing"], PROBE_EMAILS["billing"], "Probe Billing", "CA",
                             STATES["CA"][1][0], "")]
    net.consents = portal_generate.consent_documents(net)
    # The probe caseload: fixed stages, fixed seed, ids 1..32.
    for n, stage in enumerate(PROBE_STAGES + ["referral", "referral"], start=1):
        plan = _patient_plan(probe_rng, n, stage, net, therapist, prescriber)
        plan.extra.update(probe=True, estimate_odds=0.8, plan_odds=0.5,
                          portal_probe=n == PROBE_PORTAL_PATIENT)
        if stage == "referral":  # waiting for a therapist: offered to the probe's
            plan.therapist = plan.prescriber = None
            plan.extra["offered_to"] = therapist
        net.patient(probe_rng, plan)
    probe_last_patient = len(PROBE_STAGES) + 2
    net.logins(probe_rng, [therapist, prescriber] + net.admins + net.billing, 40)
    progress(f"  probe: 4 users, {probe_last_patient} patients")

    # The network's own staff: the probe users never touch a network patient.
    rng = random.Random(seed)
    net.admins = net.staff(rng, size.count("admins"), "admin", "admin")
    net.billing = net.staff(rng, size.count("billing"), "billing", "billing")
    therapists = [net.clinician(rng, f"therapist{n}@bench.kapms.test",
                                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                                "therapist") for n in range(size.count("therapists"))]
    prescribers = [net.clinician(rng, f"prescriber{n}@bench.kapms.test",
                                 f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                                 "prescriber") for n in range(size.count("prescribers"))]
    progress(f"  clinicians: {len(therapists)} therapists, {len(prescribers)} prescribers")
    by_state: dict[str, list[Clinician]] = {}
    for p in prescribers:
        by_state.setdefault(p.state, []).append(p)
    weights = [t.weight for t in therapists]
    patients = size.count("patients")
    started = time.perf_counter()
    for n in range(patients):
        stage = _weighted(rng, STAGE_WEIGHTS)
        therapist_pick = rng.choices(therapists, weights=weights)[0]
        local = by_state.get(therapist_pick.state) or prescribers
        plan = _patient_plan(rng, probe_last_patient + 1 + n, stage, net,
                             None if stage == "referral" else therapist_pick,
                             None if stage in ("referral",) else rng.choice(local))
        plan.extra["candidate"] = therapist_pick
        net.patient(rng, plan)
        if (n + 1) % 10_000 == 0:
            progress(f"  patients: {n + 1:,} of {patients:,} "
                     f"({time.perf_counter() - started:.0f} s)")
    net.logins(rng, therapists + prescribers + net.admins + net.billing, 45)
    portal_generate.daily_runs(net)
    for clinician_id, bookings in sorted(net.bookings.items()):
        loader["care_clinician_calendars"].add({"clinician_id": clinician_id,
                                                "bookings": bookings})
    loader.finish()
    # The GFE watch the billing domain keeps at write time, priced by its own code (in the
    # app context the caller holds).
    refresh_all(db.session, CLINIC_ZONE)
    db.session.commit()
    db.session.remove()
    counts = loader.counts()
    return {"size": size.label, "anchor": anchor.isoformat(), "seed": seed,
            "last_ids": {name: t.next_id - 1 for name, t in loader.tables.items()},
            "counts": counts}


def _patient_plan(rng, pid: int, stage: str, net: Network, therapist, prescriber) -> PatientPlan:
    """A patient's name, place, diagnosis and coverage (70 % insured)."""
    home = therapist or prescriber
    state = home.state if home else rng.choice(list(STATES))
    city = home.city if home else rng.choice(STATES[state][1])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    diagnosis = _weighted(rng, DIAGNOSES)
    plan_id = rng.choice(net.plans) if rng.random() < 0.7 else None
    dob = date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28))
    while (first, last, dob) in net.people:  # one chart per person (name and birth date)
        dob += timedelta(days=1)
    net.people.add((first, last, dob))
    return PatientPlan(id=pid, first=first, last=last, stage=stage, state=state, city=city,
                       diagnosis=diagnosis, plan_id=plan_id, therapist=therapist,
                       prescriber=prescriber, dob=dob)


def main(argv=None) -> None:
    """Command line: generate one size into one database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1%")
    parser.add_argument("--database", required=True, help="SQLAlchemy URL")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from bench.scale_data import build

    manifest = build(args.database, parse_size(args.size), seed=args.seed)
    print(json.dumps(manifest["counts"], indent=1))



if __name__ == "__main__":
    main()
