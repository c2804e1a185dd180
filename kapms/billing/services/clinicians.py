"""Clinicians' individual NPIs for superbills and GFEs, read from the network directory
(kapms.network: one NPI per clinician, kept on their directory profile)."""

from sqlalchemy import select

from kapms.network.models import ClinicianProfile


def npi_by_user(session, user_ids) -> dict[int, str]:
    """NPIs on file by user id, for ``user_ids``."""
    rows = session.execute(select(ClinicianProfile.user_id, ClinicianProfile.npi).where(
        ClinicianProfile.user_id.in_(list(user_ids)), ClinicianProfile.npi.is_not(None)))
    return {user_id: npi for user_id, npi in rows}
