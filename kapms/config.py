"""Configuration classes and loading.

Every clinic choice is a setting here with the domain guide's default. Any setting can
be overridden from the environment as ``KAPMS_<NAME>`` (for example
``KAPMS_BP_HOLD_SYSTOLIC=140``); ``DATABASE_URL`` and ``SECRET_KEY`` are read as-is.
Secrets never live in git: the secret key is generated on first run into
``instance/secret_key``.
"""

import os
import secrets
from pathlib import Path


class Config:
    """Defaults for a clinic's installation."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True in production behind TLS
    SESSION_COOKIE_NAME = "kapms_session"
    IDLE_TIMEOUT_MINUTES = 30
    ABSOLUTE_TIMEOUT_HOURS = 12
    PROXY_FIX_HOPS = 0  # number of trusted reverse proxies in front (e.g. 1 behind nginx)

    # CSRF token lives as long as the session, so a long note is not lost.
    WTF_CSRF_TIME_LIMIT = None
    # Every POST form carries a one-time submission token (kapms.web.forms); a POST without
    # one is refused. Only the unit-test suite, which posts raw data, switches this off.
    SUBMISSION_TOKENS_REQUIRED = True

    # Request size: the directory CSV (2 MB) is the largest upload; a 50,000-character
    # note URL-encodes to at most about 600 kB.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    # SQLite only: how long a writer waits for another's transaction before giving up.
    SQLITE_BUSY_TIMEOUT_SECONDS = 30

    # Logins
    LOGIN_LOCK_THRESHOLD = 10
    LOGIN_LOCK_MINUTES = 15
    LOGIN_RATE_LIMIT = "20 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # memory:// counts per process; outside debug and tests the app refuses to start with it
    # unless this says it runs as one process (as `make run` does).
    SINGLE_PROCESS = False
    # Second factor: roles that must use one (comma-separated), how long a remembered
    # browser skips it (0: never remember), and how long an admin's one-time code works.
    MFA_REQUIRED_ROLES = "admin,prescriber"
    REMEMBER_DEVICE_DAYS = 30
    RESET_CODE_HOURS = 72
    # Key of the audit log's hash chain. Default: derived from SECRET_KEY. Set it once in
    # production and never change it (old seals would no longer verify); keep it off the
    # database server.
    AUDIT_CHAIN_KEY: str | None = None
    # Key that encrypts authenticator secrets in the database. Default: derived from
    # SECRET_KEY; changing it means everyone sets up their app again.
    TOTP_ENCRYPTION_KEY: str | None = None
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Clinic
    CLINIC_NAME = "KAP Demo Network"
    CLINIC_TIMEZONE = "America/Los_Angeles"
    CLINIC_ADDRESS = "100 Harbor Way, Suite 200, Oakland, CA 94607"
    CLINIC_NPI = "1000000004"
    CLINIC_TIN = "94-0000000"
    CLINIC_PHONE = "510-555-0100"  # billing contact on claims
    CLINIC_COUNTRY = "US"  # phone numbers without a country code are read as this country's

    # Care path (domain guide defaults; kapms.care.rules.Thresholds carries them into the
    # services, docs/care.md says what each does)
    BP_HOLD_SYSTOLIC = 160
    BP_HOLD_DIASTOLIC = 100
    BP_RISE_FLAG_SYSTOLIC = 40
    BP_RISE_FLAG_DIASTOLIC = 25
    CLEARANCE_VALID_MONTHS = 12
    CLEARANCE_RENEWAL_WARNING_DAYS = 30
    CHAPERONE_CHECKIN_MINUTES = 15
    # Missed appointments: a cancellation with less notice than this is a late one, and
    # whether no-shows and late cancellations are billed (recorded on each session).
    LATE_CANCEL_HOURS = 24
    BILL_NO_SHOWS = False
    BILL_LATE_CANCELS = False
    DOSE_TOLERANCE_PERCENT = 0  # a dose above the plan's by more needs the prescriber
    MIN_MONITORING_MINUTES = 60  # from the dose to discharge
    VITALS_DUE_MINUTES = 40  # the "~40 minutes" vitals after the dose
    VITALS_OVERDUE_MINUTES = 50  # ... shown as overdue after this many minutes
    FOLLOW_UP_AFTER_DOSING = 2  # medical follow-up due after this dosing ...
    FOLLOW_UP_DAYS = 30  # ... or this many days after the first dosing, whichever first
    # A clinician's calendar feed (.ics) holds their sessions from this many days back to
    # this many days ahead.
    CALENDAR_FEED_PAST_DAYS = 30
    CALENDAR_FEED_FUTURE_DAYS = 180

    # Matching (kapms.network.matching): points for each way a clinician fits a request.
    # Specialty fit matters most, then language, distance, availability; room to spare
    # only breaks ties.
    MATCH_WEIGHT_SPECIALTY = 40.0
    MATCH_WEIGHT_LANGUAGE = 25.0
    MATCH_WEIGHT_DISTANCE = 20.0
    MATCH_WEIGHT_AVAILABILITY = 15.0
    MATCH_WEIGHT_ROOM = 1.0

    # Measures (definitions and sources: docs/measures.md)
    PCL5_CUTOFF = 33
    PHQ9_MEANINGFUL_CHANGE = 5  # points of reduction counted as clinically meaningful
    GAD7_MEANINGFUL_CHANGE = 4
    PCL5_MEANINGFUL_CHANGE = 10
    MBI_PROFILE_EXHAUSTION_HIGH = "4.8"  # burnout-profile cut-offs on subscale means
    MBI_PROFILE_CYNICISM_HIGH = "3.8"
    MBI_PROFILE_EFFICACY_LOW = "4.3"
    OUTCOMES_AGE_BANDS = "18,25,35,45,55,65"  # lower edges of the report's age bands
    MEASURES_SELF_REPORT_RATE_LIMIT = "30 per minute"  # per IP, on the patient's link

    # Billing
    PAYMENT_PLAN_UPFRONT_CENTS = 12000
    GFE_DISPUTE_THRESHOLD_CENTS = 40000
    GFE_WATCH_MARGIN_CENTS = 10000  # list self-pay patients billed within $100 of the threshold
    COURSE_MONTHS = 5  # a course is laid out over 4-6 months (source 003)
    DOSING_MINUTES = 120  # expected length of a dosing session (1-3 hours)
    BILL_HELD_DOSINGS = True  # bill a held dosing as psychotherapy by its actual minutes

    # Network: admins are warned this many days before a clinician's licence expires
    LICENCE_EXPIRY_WARNING_DAYS = 60
    # An unanswered care-team offer (a referral or an invitation) lapses after this many
    # days: it no longer holds a place and cannot be accepted (`flask network
    # expire-offers`, daily, records the lapse).
    OFFER_EXPIRY_DAYS = 7

    # Background jobs (kapms/queue.py): "sqlite:///path" (default: instance/queue.sqlite3,
    # one machine) or "redis://host:6379/0" (several machines and workers).
    QUEUE_URL: str | None = None
    QUEUE_WORKERS = 2  # threads of `flask worker`
    # Links in emails point here (there is no request to take the host from in a worker).
    BASE_URL = "http://127.0.0.1:5000"
    # Email (Flask-Mailman). "folder": each message is written to MAIL_FOLDER (default
    # instance/mail), browsable by admins under Outbox; "smtp" for production.
    MAIL_BACKEND = "folder"
    MAIL_FOLDER: str | None = None
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 30
    MAIL_DEFAULT_SENDER = "KAP Demo Network <no-reply@kapms.test>"
    # Sending: attempts before a message is given up, and the first retry's delay (each
    # later one waits 4 times longer).
    MAIL_MAX_ATTEMPTS = 6
    MAIL_RETRY_MINUTES = 1
    # Patient accounts: how long an invitation link and a self-service reset link work.
    INVITATION_HOURS = 72
    PASSWORD_RESET_LINK_HOURS = 2
    PASSWORD_RESET_EMAILS_PER_HOUR = 3  # per account, so nobody can flood an inbox
    # Reminders: session reminders this many hours before; installments this many days
    # before they are due; reminders of outstanding consents, intake and measures repeat
    # every REMINDER_REPEAT_DAYS, sent from REMINDER_HOUR (clinic time) on.
    SESSION_REMINDER_HOURS = 24
    INSTALLMENT_REMINDER_DAYS = 3
    REMINDER_REPEAT_DAYS = 3
    REMINDER_HOUR = 9


class TestConfig(Config):
    """Settings for the test suite: cheap hashing, a throwaway key."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    LOGIN_RATE_LIMIT = "1000 per minute"
    # Most tests sign in with a password alone; the second-factor tests set the roles.
    MFA_REQUIRED_ROLES = ""
    # Mail and jobs stay in memory unless a test sends through its own SMTP server or
    # runs a worker on a queue of its own.
    MAIL_BACKEND = "locmem"
    QUEUE_URL = "memory://"


def _coerce(default, raw: str):
    """Parse an environment string into the type of the setting's default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str) -> str:
    """Read instance/secret_key, creating it (mode 600) on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(app, config=None) -> None:
    """Apply defaults, then environment overrides, then ``config`` (class or mapping)."""
    app.config.from_object(Config)
    for name in dir(Config):
        if name.isupper() and f"KAPMS_{name}" in os.environ:
            app.config[name] = _coerce(getattr(Config, name), os.environ[f"KAPMS_{name}"])
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if config is not None:
        if isinstance(config, dict):
            app.config.update(config)
        else:
            app.config.from_object(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "kapms.db"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]
    check_shared_limits(app.config)


def check_shared_limits(config) -> None:
    """Refuse to start a production app whose rate limits would count per process.

    With ``memory://`` storage every worker keeps its own counters, so 4 gunicorn workers
    allow 4 times the sign-in and self-report limits. Debug and test apps are exempt, and
    ``KAPMS_SINGLE_PROCESS=true`` says the app really runs as one process."""
    if config.get("DEBUG") or config.get("TESTING") or config.get("SINGLE_PROCESS"):
        return
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        raise RuntimeError(
            "KAPMS_RATELIMIT_STORAGE_URI is memory://, which counts rate limits per process. "
            "Set it to shared storage (e.g. redis://127.0.0.1:6379) or, if the app runs as a "
            "single process, set KAPMS_SINGLE_PROCESS=true.")
