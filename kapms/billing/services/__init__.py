"""Billing verbs, split by meaning: fees, benefits, estimates, gfe, plans, superbills.

Every function takes ``(session, actor, ...)``, flushes but never commits, raises
``kapms.errors`` exceptions for refused operations and audits patient-data reads and writes.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Practice:
    """The billing provider printed on GFEs and superbills (from the clinic settings)."""

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
