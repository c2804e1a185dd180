"""GFE watch kept at write time

Revision ID: a1f0c3d5e7b9
Revises: cae8798c742f
Create Date: 2026-11-30 17:10:00

- gfe_watch_lines: each patient's latest Good Faith Estimate per provider, expected and
  billed cents, kept current by kapms.billing.services.watch. After upgrading a database
  that holds GFEs, run ``flask billing refresh-gfe-watch`` once to fill it (the pricing is
  the app's, so it is not repeated here).
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'a1f0c3d5e7b9'
down_revision = 'cae8798c742f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gfe_watch_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('gfe_id', sa.Integer(), nullable=False),
    sa.Column('primary_service_date', sa.Date(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=True),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('estimated_cents', sa.Integer(), nullable=False),
    sa.Column('billed_cents', sa.Integer(), nullable=False),
    sa.Column('over_cents', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinician_id'], ['users.id'], name=op.f('fk_gfe_watch_lines_clinician_id_users')),
    sa.ForeignKeyConstraint(['gfe_id'], ['good_faith_estimates.id'], name=op.f('fk_gfe_watch_lines_gfe_id_good_faith_estimates')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_gfe_watch_lines_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gfe_watch_lines'))
    )
    with op.batch_alter_table('gfe_watch_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gfe_watch_lines_gfe_id'), ['gfe_id'], unique=False)
        batch_op.create_index('ix_gfe_watch_lines_over', ['over_cents', 'primary_service_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_gfe_watch_lines_patient_id'), ['patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('gfe_watch_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gfe_watch_lines_patient_id'))
        batch_op.drop_index('ix_gfe_watch_lines_over')
        batch_op.drop_index(batch_op.f('ix_gfe_watch_lines_gfe_id'))

    op.drop_table('gfe_watch_lines')
