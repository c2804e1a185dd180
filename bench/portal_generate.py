"""The patient-facing part of the synthetic network: consent documents and signatures,
portal accounts with their invitation links and emails, intake answers, chaperones named
for remote dosings, reminder choices and the reminders sent, and the weekly series some
sessions were booked in.

Distributions (per patient past the referral): 60 % were invited to the portal (88 % of
them chose a password, 9 % have not yet, 3 % were deactivated); every patient past the
intake signed the financial responsibility agreement, every patient with a dosing (held,
booked or done) signed the KAP informed consent before it (again after the material
version 2, for a dosing after it) and, for a telehealth or at-home dosing, the chaperone
agreement; half signed the optional release. A patient with a portal account signs in the
portal once they chose a password, on paper before. Portal users sent their intake answers
before the intake (one in ten edited them after sending), named a chaperone for 70 % of
their remote dosings, and 10 % turned some reminders off; the outbox holds their invitation
and the appointment reminders of the last 60 days. Half the runs of preparation or
integration sessions a week (or two) apart were booked as one series.

Every choice is drawn from the patient's own generator (seeded by the patient's id), so the
rows of the rest of the network and the probe's rows do not change with these tables.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bench.network_generate import UNUSABLE_HASH
from kapms.care.constants import CO_MEDICATIONS, CONTRAINDICATIONS
from kapms.consent.demo import FINANCIAL, KAP_V1, KAP_V2, RELEASE, TELEHEALTH
from kapms.consent.rules import text_hash
from kapms.reminders.rules import appointment_key, outstanding_key
from kapms.reminders.services import PATIENT_KINDS

if TYPE_CHECKING:
    from bench.scale_generate import Network, PatientPlan, Step

SALT = 7_919
PROBE_PATIENT_EMAIL = "probe.patient@bench.kapms.test"
REMOTE_SETTINGS = ("telehealth", "home")
BROWSERS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Firefox/125.0")
REMINDER_DAYS = 60  # appointment reminders kept in the outbox, back from the anchor


def patient_rng(patient_id: int) -> random.Random:
    """The generator of one patient's portal, consent and series rows."""
    return random.Random(patient_id * SALT + 1)


def consent_documents(net: Network) -> dict:
    """The four documents of the consent demo, version 1 published before any course
    began and the KAP consent's material version 2 200 days before the anchor."""
    admin = net.admins[0]
    first_day = net.anchor - timedelta(days=1200)
    first = net.at(first_day, 7)
    documents = {}
    for key, title, before, applies, body in (
            ("kap", "KAP informed consent", "first_dosing", "all", KAP_V1),
            ("financial", "Financial responsibility agreement", "clearance", "all", FINANCIAL),
            ("telehealth", "Telehealth and chaperone agreement", "first_dosing",
             "remote_dosing", TELEHEALTH),
            ("release", "Release of information to the care team", "", "all", RELEASE)):
        doc = net.db["consent_documents"].add({
            "title": title, "required_before": before, "applies_to": applies,
            "active": True, "created_at": first})
        net.audit(admin, "create", "consent_document", doc, first, detail=title)
        documents[key] = [_version(net, admin, doc, 1, body, first_day, None, title)]
        if key == "kap":
            documents[key].append(_version(net, admin, doc, 2, KAP_V2,
                                           net.anchor - timedelta(days=200),
                                           "No driving until the morning after a dosing.",
                                           title))
    return documents


def _version(net, admin, document_id, number, body, day, note, title):
    """(id, published_at, sha256, clinic day published) of a new version, at 7:00."""
    sha, at = text_hash(body), net.at(day, 7)
    vid = net.db["consent_versions"].add({
        "document_id": document_id, "number": number, "body": body, "sha256": sha,
        "material": True, "change_note": note, "published_at": at,
        "published_by_id": admin.id})
    net.audit(admin, "create", "consent_version", vid, at,
              detail=f"{title} v{number} (material)")
    return vid, at, sha, day


def mark_series(rng, steps: list[Step]) -> None:
    """Book half the runs of preparation or integration sessions held a week (or two)
    apart at the same hour as one series (``step.series``: the run's first step)."""
    for kind in ("preparation", "integration"):
        run: list[Step] = []
        for step in [s for s in steps if s.kind == kind] + [None]:
            if run and step is not None and (step.day - run[-1].day).days in (7, 14) \
                    and step.hour == run[0].hour \
                    and (len(run) < 2 or step.day - run[-1].day == run[1].day - run[0].day):
                run.append(step)
                continue
            if len(run) >= 2 and rng.random() < 0.5:
                run[0].series_weeks = (run[1].day - run[0].day).days // 7
                for member in run:
                    member.series = run[0]
            run = [step] if step is not None else []


def series_id(net: Network, step: Step, patient_id: int, clinician, booked: datetime):
    """The series row of ``step`` (written with the series' first session), or None."""
    lead = step.series
    if lead is None:
        return None
    if lead.series_id is None:
        lead.series_id = net.db["care_session_series"].add({
            "patient_id": patient_id, "kind": step.kind,
            "every_weeks": lead.series_weeks,
            "created_by_id": clinician.id, "created_at": booked})
    return lead.series_id


def patient_records(net: Network, rng, plan: PatientPlan, steps: list[Step],
                    created: datetime) -> None:
    """Portal account, intake answers, consent signatures, chaperones and reminders of a
    patient whose sessions are written."""
    account = None
    if plan.extra.get("portal_probe") or rng.random() < 0.6:
        account = portal_account(net, rng, plan, created)
    intake_day = steps[0].day if steps else None
    if account and account["accepted"] and intake_day:
        intake_answers(net, rng, plan, account, intake_day)
    signed = signatures(net, rng, plan, steps, account)
    if account and account["accepted"]:
        chaperones(net, rng, plan, steps, account)
        reminders(net, rng, plan, steps, account, "kap" not in signed)


def portal_account(net: Network, rng, plan: PatientPlan, created: datetime) -> dict:
    """The invitation (account, link, email, audit) and whether the patient took it up."""
    inviter = plan.therapist or plan.prescriber or net.billing[0]
    invited = min(created + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6)),
                  net.now - timedelta(hours=rng.randint(2, 300)))
    # The probe's portal user signs in with the probe password (scale_pages' portal pages).
    probe = plan.extra.get("portal_probe")
    roll = 0.0 if probe else rng.random()
    accepted = invited + timedelta(hours=rng.randint(1, 60)) if roll < 0.91 else None
    if accepted and accepted > net.now:
        accepted = net.now - timedelta(hours=1) if probe else None
    email = PROBE_PATIENT_EMAIL if probe \
        else f"{plan.first.lower()}.{plan.last.lower()}{plan.id}@example.com"
    uid = net.db["users"].add({
        "email": email, "full_name": f"{plan.first} {plan.last}", "credentials": None,
        "password_hash": net.password_hash if probe else UNUSABLE_HASH,
        "active": roll < 0.97, "failed_logins": 0,
        "session_version": 1, "created_at": invited, "patient_id": plan.id,
        "password_changed_at": accepted,
        "last_login_at": max(accepted, net.now - timedelta(hours=rng.randint(1, 2000)))
        if accepted else None})
    net.db["user_roles"].add({"user_id": uid, "role": "patient"})
    net.portal_users += 1
    net.audit(inviter, "create", "portal_invitation", uid, invited, plan.id,
              "invitation link valid 72 h")
    expires = invited + timedelta(hours=72)
    net.db["password_tokens"].add({
        "user_id": uid, "purpose": "invitation", "created_at": invited, "expires_at": expires,
        "token_hash": hashlib.sha256(f"invitation-{uid}".encode()).hexdigest(),
        "used_at": accepted, "revoked_at": None})
    net.db["outbox_messages"].add({
        "kind": "invitation", "recipient": email, "user_id": uid, "patient_id": plan.id,
        "subject_id": None, "params": {"hours": 72}, "dedupe_key": None, "status": "sent",
        "attempts": 1, "next_attempt_at": invited, "claimed_at": invited,
        "sent_at": invited + timedelta(seconds=40),
        "subject": "Your KAP Bench Network patient portal", "created_at": invited})
    if accepted:
        net.audit(None, "update", "user", uid, accepted, plan.id,
                  "password set through a portal invitation link")
        if rng.random() < 0.05:  # forgot the password later
            asked = accepted + (net.now - accepted) * rng.random()
            net.db["password_tokens"].add({
                "user_id": uid, "purpose": "reset", "created_at": asked,
                "expires_at": asked + timedelta(hours=2),
                "token_hash": hashlib.sha256(f"reset-{uid}".encode()).hexdigest(),
                "used_at": asked + timedelta(minutes=5) if rng.random() < 0.8 else None,
                "revoked_at": None})
    return {"id": uid, "email": email, "accepted": accepted, "active": roll < 0.97}


def intake_answers(net: Network, rng, plan: PatientPlan, account: dict, intake_day: date):
    """The health questionnaire sent before the intake (a draft when the intake is ahead
    and the patient has not finished); one in ten sent it again, edited."""
    sent = min(net.at(intake_day - timedelta(days=rng.randint(1, 6)), 19),
               net.now - timedelta(hours=1))
    if sent < account["accepted"]:
        return
    draft = intake_day >= net.anchor and rng.random() < 0.4
    versions = 1 if draft or rng.random() < 0.9 else 2
    for n in range(versions):
        at = sent + timedelta(hours=n * 20)
        if at > net.now:
            break
        net.db["intake_responses"].add({
            "patient_id": plan.id,
            "contraindications": {key: False for key, _ in CONTRAINDICATIONS},
            "contraindication_details": None,
            "co_medications": {key: False for key, _ in CO_MEDICATIONS},
            "medications": rng.choice(["Sertraline 100 mg daily", "None",
                                       "Bupropion 150 mg daily", "Lamotrigine 100 mg"]),
            "allergies": rng.choice(["None known", "Penicillin", "None known"]),
            "substance_use": rng.choice(["Alcohol: a glass of wine at weekends", "None"]),
            "prior_ketamine": rng.random() < 0.1, "prior_psychedelics": rng.random() < 0.3,
            "prior_experience": None, "bp_systolic": rng.randint(110, 135),
            "bp_diastolic": rng.randint(68, 86),
            "emergency_contact_name": f"Alex {plan.last}",
            "emergency_contact_phone": "(510) 555-0142",
            "emergency_contact_relation": "Partner", "created_at": at - timedelta(minutes=25),
            "updated_at": at, "submitted_at": None if draft else at,
            "version": 1 if draft else 2})
        if not draft:
            net.audit(None, "update", "intake", None, at, plan.id, "sent")


def signatures(net: Network, rng, plan: PatientPlan, steps: list[Step], account) -> set:
    """The documents signed (returned: their keys): what the care path requires before
    the clearance and every dosing, and the optional release for half the patients."""
    intake = steps[0] if steps else None
    if intake is None or not intake.past or intake.id is None:
        return set()
    docs = net.consents
    dosings = [s for s in steps if s.kind == "dosing" and s.id is not None]
    signed = []  # (document, version index, day)
    signed.append(("financial", 0, intake.day))
    if rng.random() < 0.5:
        signed.append(("release", 0, intake.day))
    if not dosings and plan.stage == "preparation" and rng.random() < 0.5:
        dosings_due = [intake.day + timedelta(days=rng.randint(1, 7))]
    else:
        dosings_due = [s.day for s in dosings]
    v2_day = docs["kap"][1][3]
    for key, due in (("kap", dosings_due),
                     ("telehealth", [s.day for s in dosings if s.remote])):
        if not due:
            continue
        day = max(intake.day, min(due[0] - timedelta(days=rng.randint(1, 10)),
                                  net.anchor - timedelta(days=1)))
        day = min(day, due[0])
        later = [d for d in due if d >= v2_day]
        if key == "kap" and day < v2_day:
            signed.append((key, 0, day))
            if later:
                again = max(v2_day, min(v2_day + timedelta(days=rng.randint(1, 20)),
                                        later[0] - timedelta(days=1), net.anchor))
                signed.append((key, 1, again))
        else:
            signed.append((key, len(docs[key]) - 1, day))
    signer = plan.therapist or plan.prescriber
    for key, index, day in signed:
        vid, published, sha, _ = docs[key][index]
        at = max(net.at(day, 8, 30), published + timedelta(minutes=30))
        portal = account is not None and account["accepted"] is not None \
            and account["accepted"] < at
        sid = net.db["consent_signatures"].add({
            "patient_id": plan.id, "version_id": vid, "method": "portal" if portal else "paper",
            "typed_name": f"{plan.first} {plan.last}", "agreed": True, "signed_at": at,
            "ip_address": f"73.{plan.id % 250}.{day.day}.{day.month}" if portal else None,
            "user_agent": rng.choice(BROWSERS) if portal else None, "text_sha256": sha,
            "user_id": account["id"] if portal else signer.id,
            "paper_signed_on": None if portal else day,
            "witness": None if portal else "Front desk"})
        net.audit(None if portal else signer, "sign", "consent_signature", sid, at, plan.id,
                  f"v{index + 1} {'in the portal' if portal else 'on paper'}")
    return {key for key, _, _ in signed}


def chaperones(net: Network, rng, plan: PatientPlan, steps: list[Step], account) -> None:
    """The chaperone the patient named ahead of 70 % of their remote dosings."""
    for step in steps:
        if step.kind != "dosing" or step.id is None or not step.remote \
                or step.start - timedelta(days=1) < account["accepted"] \
                or rng.random() >= 0.7:
            continue
        at = min(step.start - timedelta(days=rng.randint(1, 3)), net.now)
        net.db["chaperone_nominations"].add({
            "session_id": step.id, "patient_id": plan.id,
            "name": f"{rng.choice(('Sam', 'Jo', 'Robin', 'Kai'))} {plan.last}",
            "phone": f"(510) 555-{rng.randint(0, 9999):04d}", "updated_at": at,
            "updated_by_id": account["id"], "version": 1})


def reminders(net: Network, rng, plan: PatientPlan, steps: list[Step], account,
              consent_outstanding: bool) -> None:
    """Reminder kinds turned off, the appointment reminders of the last 60 days (sent, or
    given up on a bounced address) and, for a required consent still unsigned, today's."""
    off = set()
    if rng.random() < 0.1:
        off = set(rng.sample(sorted(PATIENT_KINDS), rng.randint(1, 2)))
        for kind in sorted(off):
            net.db["reminder_opt_outs"].add({"user_id": account["id"], "kind": kind,
                                             "created_at": account["accepted"]})
    if not account["active"] or "session_reminder" in off:
        return
    since = net.now - timedelta(days=REMINDER_DAYS)
    for step in steps:
        if step.id is None or step.status == "cancelled":
            continue
        queued = step.start - timedelta(hours=24)
        if queued < max(since, account["accepted"]) or queued > net.now:
            continue
        failed = rng.random() < 0.01
        net.db["outbox_messages"].add({
            "kind": "session_reminder", "recipient": account["email"],
            "user_id": account["id"], "patient_id": plan.id, "subject_id": step.id,
            "params": {"start": step.start.isoformat()},
            "dedupe_key": appointment_key(step.id, step.start),
            "status": "failed" if failed else "sent", "attempts": 5 if failed else 1,
            "next_attempt_at": queued, "claimed_at": queued,
            "sent_at": None if failed else queued + timedelta(seconds=30),
            "subject": "Your appointment tomorrow",
            "last_error": "550 mailbox unavailable" if failed else None,
            "created_at": queued})
    if consent_outstanding and plan.stage == "preparation" \
            and "consent_outstanding" not in off:
        queued = net.at(net.anchor, 9)
        net.db["outbox_messages"].add({
            "kind": "consent_outstanding", "recipient": account["email"],
            "user_id": account["id"], "patient_id": plan.id, "subject_id": None,
            "params": {}, "status": "pending", "attempts": 0, "next_attempt_at": queued,
            "dedupe_key": outstanding_key("consent_outstanding", plan.id, net.anchor, 3),
            "created_at": queued})


def daily_runs(net: Network) -> None:
    """The marker of each clinic day's daily reminders over the last year."""
    rng = random.Random(SALT)
    for n in range(365, -1, -1):
        day = net.anchor - timedelta(days=n)
        net.db["reminder_daily_runs"].add({
            "day": day, "started_at": net.at(day, 9, rng.randint(0, 2)),
            "queued": round(net.portal_users * rng.uniform(0.02, 0.06))})
