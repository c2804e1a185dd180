"""Wire extensions, blueprints, hooks and commands into an app (called by create_app)."""

from werkzeug.middleware.proxy_fix import ProxyFix

from kapms.extensions import csrf, db, limiter, login_manager, migrate

# One line per domain: (module path, blueprint attribute). Order sets the nav order.
BLUEPRINTS = [
    ("kapms.web.views", "bp"),
    ("kapms.auth.views", "bp"),
    ("kapms.auth.admin_views", "bp"),
    ("kapms.audit.views", "bp"),
]


def configure_app(app) -> None:
    """Initialise extensions and register everything the app serves."""
    from importlib import import_module

    from kapms import cli
    from kapms.auth import passwords
    from kapms.web import access, errors, filters, security

    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    passwords.configure(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    _import_models()

    for module_name, attr in BLUEPRINTS:
        app.register_blueprint(getattr(import_module(module_name), attr))

    access.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    cli.init_app(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _import_models() -> None:
    """Import every domain's models so metadata (and Alembic) sees all tables."""
    from importlib import import_module

    for module_name in MODEL_MODULES:
        import_module(module_name)


MODEL_MODULES = [
    "kapms.auth.models",
    "kapms.audit.models",
]
