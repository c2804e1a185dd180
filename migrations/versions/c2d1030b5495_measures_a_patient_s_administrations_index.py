"""measures: a patient's administrations in date order from an index of their own

Revision ID: c2d1030b5495
Revises: 0e18cb1e05d8
Create Date: 2026-11-30 16:50:00.000000

The live-point unique key on (patient_id, instrument, point) is partial (live rows only),
so reading all of a patient's administrations (entered in error included) scanned the
whole table on the patient page, the trends page and the record form.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2d1030b5495'
down_revision = '0e18cb1e05d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_measure_administrations_patient', 'measure_administrations',
                    ['patient_id', 'given_on'])


def downgrade():
    op.drop_index('ix_measure_administrations_patient', table_name='measure_administrations')
