"""The network's verbs. Services take (session, actor, ...), flush, never commit, and raise
kapms.errors exceptions; every read and write of patient data is audited.

- ``profiles``: directory profiles (read, check, save, list);
- ``search``: matching against the directory (eligibility in SQL, ranking in Python);
- ``referrals``: a coordinator's offers and the clinician's answer;
- ``directory_csv``: CSV import and export.

The profile verbs are re-exported here for other domains (billing reads NPIs from profiles).
"""

from kapms.network.services.profiles import (
    ProfileData,
    get_clinician,
    profile_for,
    save_profile,
)

__all__ = ["ProfileData", "get_clinician", "profile_for", "save_profile"]
