"""Flask extensions, created unbound and initialised in the app factory."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from kapms.database import Base

# Objects stay loaded after a commit: views commit their audit records before rendering,
# and expiring everything there made the template reload each object one statement at a
# time (bench/SCALE.md, cause 1). A request ends right after its commits, so nothing lives
# long enough to go stale; code that must see another transaction's change refreshes.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI so several workers can share Redis.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
