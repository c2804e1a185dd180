"""The network's verbs. Services take (session, actor, ...), flush, never commit, and raise
kapms.errors exceptions; every read and write of patient data is audited.

- ``profiles``: directory profiles (read, check, save, list, licence warnings);
- ``search``: matching against the directory (eligibility in SQL, ranking in Python);
- ``eligibility``: the care-team rule read from the directory (every door, prescriptions);
- ``care_teams``: joining a care team (the one writer of places), its history;
- ``referrals``: offers (a coordinator's referral, a colleague's invitation) and answers;
- ``departures``: removal and transfer, with the scheduled sessions handed over;
- ``queue``: the coordinators' queue of waiting patients;
- ``directory_csv``: CSV import and export.

Only the profile verbs are re-exported here (billing reads NPIs from profiles); importing
this package never imports the care domain, which itself calls ``eligibility``.
"""

from kapms.network.services.profiles import (
    ProfileData,
    get_clinician,
    profile_for,
    save_profile,
)

__all__ = ["ProfileData", "get_clinician", "profile_for", "save_profile"]
