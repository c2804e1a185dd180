"""care: dosing numbers for migrated dosing records; the outcome report's indexes

Revision ID: 0e18cb1e05d8
Revises: 451ea566e25f
Create Date: 2026-11-30 15:19:57.677722

Revision 29143628e62c added ``dosing_records.dosing_number`` but left it empty on the
records it migrated; the outcome report's safety section counts by that number. Filled
here by the care domain's rule (kapms/care/services/dosing.py, check-in): the patient's
administered dosings under the same clearance before it, plus one, so a held dosing has
the number it would have had. Records that already carry a number keep it (and count).
Only old records are touched; the downgrade leaves the numbers (they are true, and
29143628e62c's downgrade drops the column).

Three indexes on the care tables for the network outcome report
(kapms/measures/services/care_data.py, bench/MEASURES.md): dosing records by number
(covering the safety section's scan), a dosing session's patient from a small index, and
a patient's sessions of a kind in time order (the first dosing's route and setting).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0e18cb1e05d8'
down_revision = '451ea566e25f'
branch_labels = None
depends_on = None

DOSINGS = sa.text("""
SELECT d.id, d.clearance_id, d.outcome, d.dosing_number, s.patient_id
FROM dosing_records d JOIN care_sessions s ON s.id = d.session_id
WHERE d.outcome IN ('administered', 'held')
ORDER BY s.patient_id, s.scheduled_start, s.id
""")
SET_NUMBER = sa.text("UPDATE dosing_records SET dosing_number = :number WHERE id = :id")

INDEXES = (
    ('dosing_records', 'ix_dosing_records_number',
     ['dosing_number', 'outcome', 'session_id', 'bp_flag', 'route', 'setting']),
    ('care_sessions', 'ix_care_sessions_patient_kind_start',
     ['patient_id', 'kind', 'scheduled_start']),
    ('care_sessions', 'ix_care_sessions_id_patient', ['id', 'patient_id']),
)


def upgrade():
    conn = op.get_bind()
    given = {}  # (patient, clearance) -> administered dosings so far
    for d in conn.execute(DOSINGS).all():
        key = (d.patient_id, d.clearance_id)
        number = d.dosing_number or given.get(key, 0) + 1
        if d.dosing_number is None:
            conn.execute(SET_NUMBER, {"number": number, "id": d.id})
        if d.outcome == 'administered':
            given[key] = number
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for table, name, _ in INDEXES:
        op.drop_index(name, table_name=table)
