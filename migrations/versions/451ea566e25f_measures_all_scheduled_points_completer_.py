"""measures: all-scheduled-points completer flag; item 9 in the report index

Revision ID: 451ea566e25f
Revises: 53c871ece5d4
Create Date: 2026-11-30 13:22:47.175935

Baseline rows get ``all_points_recorded`` (after dosings 2, 4 and 6 all recorded, live rows
only), filled here for the rows already there; the report's covering index gains ``item9``
(the suicidal-ideation sub-report) and the new flag. Plain ALTER TABLE and index
statements (no batch table copy), so the partial unique index keeps its WHERE on SQLite.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '451ea566e25f'
down_revision = '53c871ece5d4'
branch_labels = None
depends_on = None

OLD_COLUMNS = ['instrument', 'point', 'patient_id', 'given_on', 'total', 'item3',
               'exhaustion_sum', 'cynicism_sum', 'efficacy_sum', 'burnout', 'end_recorded',
               'voided_at']
NEW_COLUMNS = ['instrument', 'point', 'patient_id', 'given_on', 'total', 'item3', 'item9',
               'exhaustion_sum', 'cynicism_sum', 'efficacy_sum', 'burnout', 'end_recorded',
               'all_points_recorded', 'voided_at']
BACKFILL = """
UPDATE measure_administrations SET all_points_recorded = (
    SELECT COUNT(DISTINCT later.point) = 3 FROM measure_administrations later
    WHERE later.patient_id = measure_administrations.patient_id
      AND later.instrument = measure_administrations.instrument
      AND later.point IN ('after_dosing_2', 'after_dosing_4', 'after_dosing_6')
      AND later.voided_at IS NULL)
WHERE point = 'baseline' AND voided_at IS NULL
"""


def upgrade():
    op.add_column('measure_administrations',
                  sa.Column('all_points_recorded', sa.Boolean(), nullable=True))
    op.execute(BACKFILL)
    op.drop_index('ix_measure_administrations_report', table_name='measure_administrations')
    op.create_index('ix_measure_administrations_report', 'measure_administrations',
                    NEW_COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_measure_administrations_report', table_name='measure_administrations')
    op.create_index('ix_measure_administrations_report', 'measure_administrations',
                    OLD_COLUMNS, unique=False)
    with op.batch_alter_table('measure_administrations', schema=None) as batch_op:
        batch_op.drop_column('all_points_recorded')
