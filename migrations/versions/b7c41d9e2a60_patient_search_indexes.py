"""Patient search by prefix, indexed (issue 10, SCALE.md worklist item 12): indexes on the
lower-cased first and last name and the upper-cased member id (text_pattern_ops on
PostgreSQL, so LIKE 'mor%' uses them whatever the collation), and on the date of birth.

Revision ID: b7c41d9e2a60
Revises: b7e1c4a9d2f3
Create Date: 2026-11-30 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41d9e2a60'
down_revision = 'b7e1c4a9d2f3'
branch_labels = None
depends_on = None

# (index, expression): the models' indexes (kapms.patients.models).
KEYS = (("ix_patients_first_name_lower", "lower(first_name)"),
        ("ix_patients_last_name_lower", "lower(last_name)"),
        ("ix_patients_member_id_upper", "upper(member_id)"))


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, expression in KEYS:
        if postgres:
            op.execute(f"CREATE INDEX {name} ON patients ({expression} text_pattern_ops)")
        else:
            op.create_index(name, "patients", [sa.text(expression)])
    op.create_index("ix_patients_date_of_birth", "patients", ["date_of_birth"])


def downgrade():
    op.drop_index("ix_patients_date_of_birth", table_name="patients")
    for name, _ in reversed(KEYS):
        op.drop_index(name, table_name="patients")
