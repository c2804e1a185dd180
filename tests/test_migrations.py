"""`flask db upgrade` from an empty database gives exactly the models' schema."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kapms import create_app
from kapms.config import TestConfig
from kapms.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new database on the server under test (SQLite file or PostgreSQL)."""
    base = os.environ.get("KAPMS_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/migrated.db"
        return
    name = f"kapms_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models_and_downgrade_works(empty_database_url):
    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    db.metadata)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = [t for t in db.inspect(conn).get_table_names() if t != "alembic_version"]
        assert remaining == []
        db.engine.dispose()
