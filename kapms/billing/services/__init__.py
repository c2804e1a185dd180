"""Billing verbs, split by meaning: fees, benefits, estimates, gfe, watch, plans,
superbills, claims, statements, clinicians, and care_link (the one reader of the care record).

Every function that changes or reads patient data takes ``(session, actor, ...)``, flushes
but never commits, raises ``kapms.errors`` exceptions for refused operations and audits.
The clinic's settings reach them as the two small objects below.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kapms.errors import RuleViolation
from kapms.network.npi import valid_npi


@dataclass(frozen=True)
class Practice:
    """The billing provider printed on GFEs, superbills and claims (from the clinic settings)."""

    name: str
    npi: str
    tin: str
    address: str
    timezone: str = "UTC"  # the clinic's zone: service dates are local dates

    @classmethod
    def from_config(cls, config) -> "Practice":
        """Build from a Flask config mapping (CLINIC_NAME, CLINIC_NPI, ...)."""
        return cls(config["CLINIC_NAME"], config["CLINIC_NPI"], config["CLINIC_TIN"],
                   config["CLINIC_ADDRESS"], config["CLINIC_TIMEZONE"])

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's time zone as a tzinfo."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Policy:
    """The clinic's billing choices (settings; defaults in kapms/config.py)."""

    course_months: int = 5  # a course is laid out over this many months (source 003: 4-6)
    dosing_minutes: int = 120  # expected length of a dosing session
    bill_held_dosings: bool = True  # a held dosing is billed as psychotherapy by its minutes
    gfe_dispute_cents: int = 40000  # 45 CFR 149.620: $400 above the GFE
    gfe_watch_margin_cents: int = 10000  # list patients this close to the dispute threshold

    @classmethod
    def from_config(cls, config) -> "Policy":
        """Build from a Flask config mapping."""
        return cls(config["COURSE_MONTHS"], config["DOSING_MINUTES"],
                   config["BILL_HELD_DOSINGS"], config["GFE_DISPUTE_THRESHOLD_CENTS"],
                   config["GFE_WATCH_MARGIN_CENTS"])


def require_npis(*named: tuple[str, str | None]) -> None:
    """Refuse a document that would print an NPI failing its check digit (45 CFR 162.406).

    ``named`` holds (whose, NPI) pairs; an empty NPI is not checked (not on file).
    """
    bad = [f"{who} ({npi})" for who, npi in named if npi and not valid_npi(npi)]
    if bad:
        raise RuleViolation("Not a valid NPI (the check digit is wrong): " + ", ".join(bad)
                            + ". Correct it in the settings or the clinician's directory "
                            "profile before printing.")


DEFAULT_POLICY = Policy()  # the settings' defaults, for callers without an app (tests, scripts)
