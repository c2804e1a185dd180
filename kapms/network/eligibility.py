"""Who may be on a patient's care team: the one eligibility rule, as pure functions.

Every door into a care team (matching, a coordinator's referral, an admin's direct
assignment, a colleague's invitation, a therapist registering their own client) asks
``assess``; so does the patient page, to flag members who are no longer eligible. The
matcher's SQL and ``matching.failed_criteria`` are built from the same predicates
(``has_active_licence``, ``covers``, ``has_room``).

A clinician may join a patient's care team in a role when they
- have an active account holding that role (never overridable),
- have a directory profile (the licences, training and plans below are read from it),
- hold a licence in the patient's state that has not expired on the day (valid through
  its expiry date),
- are KAP-trained, when joining as therapist,
- take the patient's plan, or accept private pay when the patient pays privately (a
  self-pay patient, or one who agreed to pay this clinician out of network),
- are accepting new patients (waived when the clinician acts themselves: accepting an offer
  or registering their own client is their own decision), and
- have room under their capacity, counting offers not yet answered.
The first five are *standing* criteria: they must keep holding while the clinician stays on
the team (a lapsed licence or a dropped plan flags the member). An admin may override any
criterion but the account with a recorded reason.
"""

from dataclasses import dataclass
from datetime import date

# Criteria in the order they are explained (key -> what the clinician needs, in words).
CRITERIA = {
    "account": "an active account in the role",
    "profile": "a directory profile",
    "licence": "a current licence in the patient's state",
    "kap": "KAP training",
    "coverage": "the patient's plan, or private pay",
    "accepting": "to be accepting new patients",
    "capacity": "room under their capacity (counting offers not yet answered)",
}
STANDING = ("account", "profile", "licence", "kap", "coverage")
JOINING = (*STANDING, "accepting", "capacity")
# Criteria waived when the clinician themselves accepts or registers their own client.
OWN_DECISION = ("accepting",)
NEVER_OVERRIDDEN = ("account",)


@dataclass(frozen=True)
class ClinicianStanding:
    """What eligibility looks at for one clinician in one role, as plain values."""

    name: str
    active: bool  # the account is active
    holds_role: bool
    has_profile: bool
    licences: tuple[tuple[str, date], ...] = ()  # (state, expires_on)
    kap_trained: bool = False
    plan_ids: frozenset[int] = frozenset()
    accepts_private_pay: bool = False
    accepting_new: bool = True
    capacity: int = 0
    load: int = 0  # active care-team places in the role plus open offers


@dataclass(frozen=True)
class Placement:
    """The patient side: where they are and how they pay this clinician."""

    state: str
    plan_id: int | None  # None: self-pay
    plan_label: str | None = None
    private_pay: bool = False  # pays this clinician privately although insured

    @property
    def pays_privately(self) -> bool:
        """True for a self-pay patient or an agreed private arrangement."""
        return self.plan_id is None or self.private_pay


@dataclass(frozen=True)
class Refusal:
    """One criterion the clinician fails, with the reason in words."""

    criterion: str
    message: str


@dataclass(frozen=True)
class Assessment:
    """The outcome: what fails (empty: eligible) and why the clinician fits, in words."""

    refusals: tuple[Refusal, ...]
    basis: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        """True when no criterion fails."""
        return not self.refusals

    @property
    def overridable(self) -> bool:
        """True when an admin's recorded reason may override every refusal."""
        return all(r.criterion not in NEVER_OVERRIDDEN for r in self.refusals)

    def message(self) -> str:
        """Every refusal in one sentence-per-reason text."""
        return " ".join(r.message for r in self.refusals)


def has_active_licence(licences, state: str, day: date) -> bool:
    """True when one licence is in ``state`` and has not expired (valid through its date)."""
    return any(s == state and expires >= day for s, expires in licences)


def covers(plan_ids, accepts_private_pay: bool, plan_id: int | None,
           pays_privately: bool) -> bool:
    """True when the clinician takes the plan, or the patient pays privately and the
    clinician accepts private pay."""
    in_network = plan_id is not None and plan_id in plan_ids
    return in_network or (pays_privately and accepts_private_pay)


def has_room(capacity: int, load: int) -> bool:
    """True when the places taken (including offers not yet answered) leave one free."""
    return load < capacity


def _licence_words(licences, day: date) -> str:
    current = sorted({s for s, e in licences if e >= day})
    return "licensed in " + ", ".join(current) if current else "no current licence"


def assess(c: ClinicianStanding, p: Placement, role: str, day: date, *,
           criteria=JOINING, own_decision: bool = False) -> Assessment:
    """Check ``criteria`` for ``c`` joining (or staying on) ``p``'s care team as ``role``.

    ``own_decision``: the clinician acts themselves (accepts an offer, registers their own
    client), which waives OWN_DECISION criteria.
    """
    wanted = [k for k in criteria if not (own_decision and k in OWN_DECISION)]
    refusals, basis = [], []

    def check(key: str, ok: bool, refusal: str, reason: str | None = None) -> None:
        if key not in wanted:
            return
        if ok:
            if reason:
                basis.append(reason)
        else:
            refusals.append(Refusal(key, refusal))

    check("account", c.active and c.holds_role,
          f"{c.name} is not an active {role}." if c.active else
          f"{c.name}'s account is deactivated.")
    check("profile", c.has_profile,
          f"{c.name} has no directory profile (licences, training and plans unknown).")
    if c.has_profile or "profile" not in wanted:
        expiry = max((e for s, e in c.licences if s == p.state and e >= day), default=None)
        lapsed = max((e for s, e in c.licences if s == p.state and e < day), default=None)
        check("licence", has_active_licence(c.licences, p.state, day),
              f"{c.name} holds no current licence in {p.state}" + (
                  f" (it expired on {lapsed:%b %d, %Y})." if lapsed
                  else f" ({_licence_words(c.licences, day)})."),
              f"Licensed in {p.state} until {expiry:%b %d, %Y}" if expiry else None)
        if role == "therapist":
            check("kap", c.kap_trained, f"{c.name} is not KAP-trained.", "KAP-trained")
        in_network = p.plan_id is not None and p.plan_id in c.plan_ids
        plan = p.plan_label or "the patient's plan"
        check("coverage", covers(c.plan_ids, c.accepts_private_pay, p.plan_id, p.pays_privately),
              f"{c.name} does not accept private pay." if p.pays_privately else
              f"{c.name} is not in network with {plan} (offer it as private pay if the patient "
              "agrees to pay out of network).",
              f"In network with {plan}" if in_network else "Accepts private pay")
        check("accepting", c.accepting_new, f"{c.name} is not accepting new patients.")
        check("capacity", has_room(c.capacity, c.load),
              f"{c.name} is at capacity ({c.load} of {c.capacity} places taken, counting "
              "offers not yet answered).",
              f"{c.load} of {c.capacity} places taken")
    return Assessment(tuple(refusals), tuple(basis))
