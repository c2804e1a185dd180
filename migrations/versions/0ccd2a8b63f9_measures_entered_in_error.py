"""measures: entered in error (void an administration, live-only uniqueness and report index)

Revision ID: 0ccd2a8b63f9
Revises: b386a06d0b0a
Create Date: 2026-11-24 08:01:30.826811

An administration entered in error is marked void and kept. The unique constraint on
(patient_id, instrument, point) becomes a partial unique index over the rows not voided,
so the point can be recorded again (a partial index, on SQLite and PostgreSQL alike). The
report's covering index gains voided_at, which the report now filters on.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0ccd2a8b63f9'
down_revision = 'b386a06d0b0a'
branch_labels = None
depends_on = None

LIVE = sa.text('voided_at IS NULL')
REPORT_COLUMNS = ['instrument', 'point', 'patient_id', 'given_on', 'total', 'item3',
                  'exhaustion_sum', 'cynicism_sum', 'efficacy_sum', 'burnout', 'end_recorded']
LIVE_REPORT_COLUMNS = [*REPORT_COLUMNS, 'voided_at']


def upgrade():
    # the report index is rebuilt with voided_at once the column exists
    op.drop_index('ix_measure_administrations_report', table_name='measure_administrations')
    with op.batch_alter_table('measure_administrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.String(length=500), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_measure_administrations_patient_instrument_point'), type_='unique')
        batch_op.create_foreign_key(batch_op.f('fk_measure_administrations_voided_by_id_users'), 'users', ['voided_by_id'], ['id'])
    op.create_index('ux_measure_administrations_live_point', 'measure_administrations',
                    ['patient_id', 'instrument', 'point'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index('ix_measure_administrations_report', 'measure_administrations',
                    LIVE_REPORT_COLUMNS, unique=False)


def downgrade():
    # Going back would silently turn every voided administration into a live one (and the
    # unique constraint could not be rebuilt over a corrected point): refuse instead.
    voided = op.get_bind().scalar(sa.text(
        'SELECT COUNT(*) FROM measure_administrations WHERE voided_at IS NOT NULL'))
    if voided:
        raise RuntimeError(f'{voided} measure administrations are marked entered in error; '
                           'downgrading would count them again. Resolve them first.')
    op.drop_index('ix_measure_administrations_report', table_name='measure_administrations')
    op.drop_index('ux_measure_administrations_live_point', table_name='measure_administrations')
    with op.batch_alter_table('measure_administrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measure_administrations_voided_by_id_users'), type_='foreignkey')
        batch_op.create_unique_constraint(batch_op.f('uq_measure_administrations_patient_instrument_point'), ['patient_id', 'instrument', 'point'])
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')
    op.create_index('ix_measure_administrations_report', 'measure_administrations',
                    REPORT_COLUMNS, unique=False)
