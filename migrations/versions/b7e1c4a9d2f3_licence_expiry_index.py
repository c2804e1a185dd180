"""Index clinician licences by expiry (the admin's licence warnings).

Revision ID: b7e1c4a9d2f3
Revises: e5ad200e94f6
Create Date: 2026-11-30 20:00:00

"""
from alembic import op

revision = "b7e1c4a9d2f3"
down_revision = "e5ad200e94f6"
branch_labels = None
depends_on = None


def upgrade():
    """Licences expiring by a day, found without reading every licence."""
    op.create_index("ix_clinician_licences_expiry", "clinician_licences", ["expires_on"])


def downgrade():
    """Drop the expiry index."""
    op.drop_index("ix_clinician_licences_expiry", table_name="clinician_licences")
