"""Wire extensions, domains, hooks and commands into an app (called by create_app).

Domains are discovered by name: for each entry of kapms.domains.DOMAINS,
``kapms.<domain>.models`` is imported (so metadata and Alembic see its tables) and every
blueprint listed in ``kapms.<domain>.views.BLUEPRINTS`` (or its ``bp``) is registered. Nav
entries, dashboard and patient-page panels and demo seeders are registered by the domain
modules themselves.
"""

from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

from kapms.domains import domain_modules
from kapms.extensions import csrf, db, limiter, login_manager, migrate


def configure_app(app) -> None:
    """Initialise extensions and register everything the app serves."""
    from kapms import cli, clinic_time, database, phone, queue
    from kapms.auth import passwords
    from kapms.web import access, edge, errors, filters, security, submissions

    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    database.configure_sqlite(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    clinic_time.configure(app.config["CLINIC_TIMEZONE"])
    phone.configure(app.config["CLINIC_COUNTRY"])
    passwords.configure(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    list(domain_modules("models"))
    edge.init_app(app)  # the id converter must be in place before routes are added
    for views in domain_modules("views"):
        # BLUEPRINTS may be empty: a domain whose views only add panels to shared pages.
        for bp in views.BLUEPRINTS if hasattr(views, "BLUEPRINTS") else [views.bp]:
            app.register_blueprint(bp)

    access.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    submissions.init_app(app)
    cli.init_app(app)
    queue.init_app(app)
