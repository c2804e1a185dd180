"""care: psychotherapy within a medical visit, clinicians among the staff monitoring a
dosing; network: offers expire

Revision ID: 8209b5f19924
Revises: cbba8cd71fcd
Create Date: 2026-11-30 16:55:00.000000

Offers made before expiry existed get one: an open offer gets a full window from the
upgrade (OFFER_EXPIRY_DAYS' default, 7 days), so none lapses by surprise; an answered one
its offer time plus 7 days (it is never open again).
"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8209b5f19924'
down_revision = 'cbba8cd71fcd'
branch_labels = None
depends_on = None

WINDOW = timedelta(days=7)


def upgrade():
    with op.batch_alter_table('care_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('psychotherapy_minutes', sa.Integer(), nullable=True))
    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monitoring_clinicians', sa.Integer(), nullable=True))
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    referrals = sa.table('referrals', sa.column('id', sa.Integer()),
                         sa.column('status', sa.String()),
                         sa.column('offered_at', sa.DateTime(timezone=True)),
                         sa.column('expires_at', sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    if bind.dialect.name == 'sqlite':  # stored as naive UTC there (kapms.database)
        now = now.replace(tzinfo=None)
    for row in bind.execute(sa.select(referrals.c.id, referrals.c.status,
                                      referrals.c.offered_at)).all():
        expires = now + WINDOW if row.status == 'offered' else row.offered_at + WINDOW
        bind.execute(referrals.update().where(referrals.c.id == row.id)
                     .values(expires_at=expires))
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade():
    # An expired offer becomes a withdrawn one (the old vocabulary has no lapse).
    op.execute("UPDATE referrals SET status = 'withdrawn' WHERE status = 'expired'")
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.drop_column('monitoring_clinicians')
    with op.batch_alter_table('care_sessions', schema=None) as batch_op:
        batch_op.drop_column('psychotherapy_minutes')
