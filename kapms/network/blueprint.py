"""The network blueprint: directory, matching, referral offers and care teams.

Admins (network coordinators) by default; the views for clinicians (their own profile,
offers made to them) declare their roles one by one.
"""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("network", __name__, url_prefix="/network")
guard_blueprint(bp, "admin")
nav.add("Waiting patients", "network.waiting", 15)
nav.add("Find a therapist", "network.match", 20)
nav.add("Directory", "network.directory", 30)
nav.add("My directory profile", "network.my_profile", 40)
