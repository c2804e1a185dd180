"""care: a dosing closed early (transfer, left, ended); older holds, BP rises and serious
adverse events put on the prescriber's review list

Revision ID: cbba8cd71fcd
Revises: c2d1030b5495
Create Date: 2026-11-30 16:37:27.880137

The review list began with the live dosing record: held dosings, blood-pressure rises and
serious adverse events recorded before it had no review item, so the prescriber never saw
them. The upgrade raises one (open, dated when the dosing happened) for each of those that
has none. The downgrade keeps them (they are review items like any other).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cbba8cd71fcd'
down_revision = 'c2d1030b5495'
branch_labels = None
depends_on = None

# (kind, subject, summary, source rows): one review item per event without one.
_WHEN = "COALESCE(d.checked_in_at, s.scheduled_start)"
_MISSING = ("NOT EXISTS (SELECT 1 FROM care_reviews r WHERE r.dosing_id = d.id "
            "AND r.subject = {subject})")
BACKFILL = [
    ("'held'", "'held'", "COALESCE(d.hold_reason, 'Held dosing')",
     "FROM dosing_records d JOIN care_sessions s ON s.id = d.session_id "
     "WHERE d.outcome = 'held'"),
    ("'bp_rise'", "'bp_rise'", "d.bp_flag",
     "FROM dosing_records d JOIN care_sessions s ON s.id = d.session_id "
     "WHERE d.bp_flag IS NOT NULL"),
    ("'serious_ae'", "'ae:' || CAST(e.id AS VARCHAR(20))",
     "'Serious adverse event: ' || REPLACE(e.kind, '_', ' ')",
     "FROM care_adverse_events e JOIN dosing_records d ON d.id = e.dosing_id "
     "JOIN care_sessions s ON s.id = d.session_id WHERE e.serious"),
]


def upgrade():
    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_kind', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('transferred_to', sa.String(length=200), nullable=True))
    for kind, subject, summary, source in BACKFILL:
        op.execute(
            "INSERT INTO care_reviews (patient_id, dosing_id, kind, subject, summary, "
            f"raised_at, version) SELECT s.patient_id, d.id, {kind}, {subject}, {summary}, "
            f"{_WHEN}, 1 {source} AND {_MISSING.format(subject=subject)}")


def downgrade():
    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.drop_column('transferred_to')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('end_kind')
