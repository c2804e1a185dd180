"""care: the live dosing record, plan versions, plan change requests, prescriber reviews,
the clinician calendar lock

Revision ID: 29143628e62c
Revises: c523cd9e160d
Create Date: 2026-11-30 13:31:16.829105

Data moves with the schema (upgrade):
- a cleared clearance's plan columns become its plan version 1 (created by its prescriber
  at its decision), and dosings point at it;
- a dosing's pre-dose, ~40-minute and discharge vitals columns become vitals rows (times:
  the session start, 40 minutes after the dose, discharge), its JSON adverse events and
  chaperone check-in times become rows of their own; its check-in time is the session's
  start, its setting the session's modality;
- completed and held sessions get their actual start and end from the start and minutes.
Old held dosings and flags are not put on the prescriber's review list (only new ones).
The downgrade copies the current plan and the three vitals back; rows of the new tables
are dropped.
"""
import json
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from kapms.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = '29143628e62c'
down_revision = 'c523cd9e160d'
branch_labels = None
depends_on = None

TS = UTCDateTime()
INITIAL_PLAN_REASON = "Initial plan with the clearance."
clearances = sa.table(
    'clearances', sa.column('id', sa.Integer), sa.column('prescriber_id', sa.Integer),
    sa.column('decided_at', TS), sa.column('decision', sa.String),
    sa.column('dosing_count', sa.Integer), sa.column('product', sa.String),
    sa.column('route', sa.String), sa.column('dose_mg', sa.Numeric(7, 2)),
    sa.column('expires_on', sa.Date))
plans = sa.table(
    'care_plan_versions', sa.column('id', sa.Integer), sa.column('clearance_id', sa.Integer),
    sa.column('number', sa.Integer), sa.column('dosing_count', sa.Integer),
    sa.column('maintenance_dosings', sa.Integer), sa.column('product', sa.String),
    sa.column('route', sa.String), sa.column('dose_mg', sa.Numeric(7, 2)),
    sa.column('expires_on', sa.Date), sa.column('reason', sa.Text),
    sa.column('created_by_id', sa.Integer), sa.column('created_at', TS))
care_sessions = sa.table(
    'care_sessions', sa.column('id', sa.Integer), sa.column('modality', sa.String),
    sa.column('scheduled_start', TS), sa.column('status', sa.String),
    sa.column('actual_minutes', sa.Integer), sa.column('duration_minutes', sa.Integer),
    sa.column('started_at', TS), sa.column('ended_at', TS))
VITALS = ('systolic', 'diastolic', 'heart_rate', 'spo2')
OLD_VITALS = [f'{p}_{v}' for p in ('pre', 'mid', 'discharge') for v in VITALS]
dosings = sa.table(
    'dosing_records', sa.column('id', sa.Integer), sa.column('session_id', sa.Integer),
    sa.column('clearance_id', sa.Integer), sa.column('plan_version_id', sa.Integer),
    sa.column('checked_in_at', TS), sa.column('setting', sa.String),
    sa.column('chaperone_name', sa.String), sa.column('given_at', TS),
    sa.column('monitoring_end', TS), sa.column('ready_to_leave_at', TS),
    sa.column('recorded_by_id', sa.Integer), sa.column('recorded_at', TS),
    sa.column('updated_at', TS), sa.column('adverse_events', sa.JSON),
    sa.column('checkins', sa.JSON), *[sa.column(c, sa.Integer) for c in OLD_VITALS])
vitals = sa.table(
    'care_dosing_vitals', sa.column('dosing_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('taken_at', TS), *[sa.column(v, sa.Integer) for v in VITALS],
    sa.column('recorded_by_id', sa.Integer), sa.column('recorded_at', TS))
events = sa.table(
    'care_adverse_events', sa.column('dosing_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('severity', sa.String), sa.column('serious', sa.Boolean),
    sa.column('occurred_at', TS), sa.column('notes', sa.Text),
    sa.column('recorded_by_id', sa.Integer), sa.column('recorded_at', TS))
checkins = sa.table(
    'care_chaperone_checkins', sa.column('dosing_id', sa.Integer), sa.column('at', TS),
    sa.column('by', sa.String), sa.column('status', sa.String),
    sa.column('recorded_by_id', sa.Integer), sa.column('recorded_at', TS))


def _json(value):
    """A JSON column's value (some drivers hand back the text)."""
    return json.loads(value) if isinstance(value, str) else (value or [])


def _move_data_up():
    """Old columns -> plan versions, vitals, adverse event and check-in rows (docstring)."""
    conn = op.get_bind()
    for c in conn.execute(sa.select(clearances).where(
            clearances.c.decision == 'cleared', clearances.c.dosing_count.is_not(None))).all():
        conn.execute(plans.insert().values(
            clearance_id=c.id, number=1, dosing_count=c.dosing_count, maintenance_dosings=0,
            product=c.product or 'ketamine_sl_lozenge', route=c.route or 'sublingual',
            dose_mg=c.dose_mg or 0, expires_on=c.expires_on or c.decided_at.date(),
            reason=INITIAL_PLAN_REASON, created_by_id=c.prescriber_id, created_at=c.decided_at))
    plan_of = dict(conn.execute(sa.select(plans.c.clearance_id, plans.c.id)).all())
    for s in conn.execute(sa.select(care_sessions).where(
            care_sessions.c.status.in_(('completed', 'held')))).all():
        minutes = s.actual_minutes if s.actual_minutes is not None else s.duration_minutes
        conn.execute(care_sessions.update().where(care_sessions.c.id == s.id).values(
            started_at=s.scheduled_start, ended_at=s.scheduled_start + timedelta(minutes=minutes)))
    rows = conn.execute(sa.select(dosings, care_sessions.c.scheduled_start,
                                  care_sessions.c.modality, care_sessions.c.duration_minutes)
                        .join(care_sessions, care_sessions.c.id == dosings.c.session_id)).all()
    for d in rows:
        start = d.scheduled_start
        conn.execute(dosings.update().where(dosings.c.id == d.id).values(
            checked_in_at=start, setting=d.modality if d.modality == 'telehealth' else 'office',
            plan_version_id=plan_of.get(d.clearance_id), updated_at=d.recorded_at))
        taken = {'pre': start,
                 'mid': (d.given_at or start) + timedelta(minutes=40),
                 'discharge': d.monitoring_end or d.ready_to_leave_at
                 or start + timedelta(minutes=d.duration_minutes)}
        for kind, at in taken.items():
            values = {v: getattr(d, f'{kind}_{v}') for v in VITALS}
            if values['systolic'] is not None and values['diastolic'] is not None:
                conn.execute(vitals.insert().values(
                    dosing_id=d.id, kind=kind, taken_at=at, recorded_by_id=d.recorded_by_id,
                    recorded_at=d.recorded_at, **values))
        for e in _json(d.adverse_events):
            conn.execute(events.insert().values(
                dosing_id=d.id, kind=e.get('event') or 'other',
                severity=e.get('severity') or 'mild', serious=bool(e.get('serious')),
                occurred_at=d.given_at or start, notes=e.get('notes') or None,
                recorded_by_id=d.recorded_by_id, recorded_at=d.recorded_at))
        for raw in filter(None, _json(d.checkins)):
            conn.execute(checkins.insert().values(
                dosing_id=d.id, at=_instant(raw),
                by=d.chaperone_name or 'Chaperone', status='ok',
                recorded_by_id=d.recorded_by_id, recorded_at=d.recorded_at))


def _instant(raw: str):
    from datetime import UTC, datetime

    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _move_data_down():
    """The current plan and the three vitals back into the old columns."""
    conn = op.get_bind()
    latest = {}
    for p in conn.execute(sa.select(plans).order_by(plans.c.number)).all():
        latest[p.clearance_id] = p
    for clearance_id, p in latest.items():
        conn.execute(clearances.update().where(clearances.c.id == clearance_id).values(
            dosing_count=p.dosing_count, product=p.product, route=p.route, dose_mg=p.dose_mg,
            expires_on=p.expires_on))
    for v in conn.execute(sa.select(vitals).order_by(vitals.c.taken_at.desc())).all():
        if v.kind in ('pre', 'mid', 'discharge'):
            conn.execute(dosings.update().where(dosings.c.id == v.dosing_id).values(
                **{f'{v.kind}_{name}': getattr(v, name) for name in VITALS}))


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('care_clinician_calendars',
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('bookings', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinician_id'], ['users.id'], name=op.f('fk_care_clinician_calendars_clinician_id_users')),
    sa.PrimaryKeyConstraint('clinician_id', name=op.f('pk_care_clinician_calendars'))
    )
    op.create_table('care_plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clearance_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('dosing_count', sa.Integer(), nullable=False),
    sa.Column('maintenance_dosings', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=40), nullable=False),
    sa.Column('route', sa.String(length=20), nullable=False),
    sa.Column('dose_mg', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clearance_id'], ['clearances.id'], name=op.f('fk_care_plan_versions_clearance_id_clearances')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_care_plan_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plan_versions')),
    sa.UniqueConstraint('clearance_id', 'number', name='uq_care_plan_versions_number')
    )
    with op.batch_alter_table('care_plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_plan_versions_clearance_id'), ['clearance_id'], unique=False)

    op.create_table('care_plan_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clearance_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dosing_count', sa.Integer(), nullable=True),
    sa.Column('product', sa.String(length=40), nullable=True),
    sa.Column('route', sa.String(length=20), nullable=True),
    sa.Column('dose_mg', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('plan_version_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clearance_id'], ['clearances.id'], name=op.f('fk_care_plan_requests_clearance_id_clearances')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_care_plan_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_care_plan_requests_patient_id_patients')),
    sa.ForeignKeyConstraint(['plan_version_id'], ['care_plan_versions.id'], name=op.f('fk_care_plan_requests_plan_version_id_care_plan_versions')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_care_plan_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['care_sessions.id'], name=op.f('fk_care_plan_requests_session_id_care_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plan_requests'))
    )
    with op.batch_alter_table('care_plan_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_plan_requests_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ux_care_plan_requests_open', ['patient_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('care_adverse_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dosing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dosing_id'], ['dosing_records.id'], name=op.f('fk_care_adverse_events_dosing_id_dosing_records')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_care_adverse_events_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_adverse_events'))
    )
    with op.batch_alter_table('care_adverse_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_adverse_events_dosing_id'), ['dosing_id'], unique=False)
        batch_op.create_index('ix_care_adverse_events_kind', ['kind', 'serious'], unique=False)

    op.create_table('care_chaperone_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dosing_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dosing_id'], ['dosing_records.id'], name=op.f('fk_care_chaperone_checkins_dosing_id_dosing_records')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_care_chaperone_checkins_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_chaperone_checkins'))
    )
    with op.batch_alter_table('care_chaperone_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_chaperone_checkins_dosing_id'), ['dosing_id'], unique=False)

    op.create_table('care_dosing_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dosing_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amended_by_id', sa.Integer(), nullable=False),
    sa.Column('amended_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amended_by_id'], ['users.id'], name=op.f('fk_care_dosing_amendments_amended_by_id_users')),
    sa.ForeignKeyConstraint(['dosing_id'], ['dosing_records.id'], name=op.f('fk_care_dosing_amendments_dosing_id_dosing_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_dosing_amendments'))
    )
    with op.batch_alter_table('care_dosing_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_dosing_amendments_dosing_id'), ['dosing_id'], unique=False)

    op.create_table('care_dosing_vitals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dosing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('systolic', sa.Integer(), nullable=False),
    sa.Column('diastolic', sa.Integer(), nullable=False),
    sa.Column('heart_rate', sa.Integer(), nullable=True),
    sa.Column('spo2', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dosing_id'], ['dosing_records.id'], name=op.f('fk_care_dosing_vitals_dosing_id_dosing_records')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_care_dosing_vitals_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_dosing_vitals'))
    )
    with op.batch_alter_table('care_dosing_vitals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_dosing_vitals_dosing_id'), ['dosing_id'], unique=False)

    op.create_table('care_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('dosing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=30), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dosing_id'], ['dosing_records.id'], name=op.f('fk_care_reviews_dosing_id_dosing_records')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_care_reviews_patient_id_patients')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_care_reviews_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_reviews')),
    sa.UniqueConstraint('dosing_id', 'subject', name='uq_care_reviews_subject')
    )
    with op.batch_alter_table('care_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_care_reviews_open', ['patient_id', 'reviewed_at'], unique=False)

    with op.batch_alter_table('care_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('clearances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_kg', sa.Numeric(precision=5, scale=1), nullable=True))
        batch_op.add_column(sa.Column('baseline_measures_missing', sa.String(length=100), nullable=True))

    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dosing_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('maintenance', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_in_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('setting', sa.String(length=20), nullable=False, server_default='office'))
        batch_op.add_column(sa.Column('monitoring_staff', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('administered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sedation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('discharged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.alter_column('outcome',
               existing_type=sa.VARCHAR(length=20),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_dosing_records_outcome'), ['outcome'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dosing_records_plan_version_id_care_plan_versions'), 'care_plan_versions', ['plan_version_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dosing_records_checked_in_by_id_users'), 'users', ['checked_in_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dosing_records_administered_by_id_users'), 'users', ['administered_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dosing_records_discharged_by_id_users'), 'users', ['discharged_by_id'], ['id'])

    _move_data_up()

    with op.batch_alter_table('clearances', schema=None) as batch_op:
        batch_op.drop_column('route')
        batch_op.drop_column('dose_mg')
        batch_op.drop_column('product')
        batch_op.drop_column('expires_on')
        batch_op.drop_column('dosing_count')

    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('maintenance', existing_type=sa.Boolean(), server_default=None)
        batch_op.alter_column('setting', existing_type=sa.String(length=20), server_default=None)
        batch_op.alter_column('version', existing_type=sa.Integer(), server_default=None)
        batch_op.drop_column('mid_spo2')
        batch_op.drop_column('mid_diastolic')
        batch_op.drop_column('discharge_systolic')
        batch_op.drop_column('checkins')
        batch_op.drop_column('mid_systolic')
        batch_op.drop_column('pre_diastolic')
        batch_op.drop_column('discharge_spo2')
        batch_op.drop_column('pre_heart_rate')
        batch_op.drop_column('adverse_events')
        batch_op.drop_column('discharge_diastolic')
        batch_op.drop_column('discharge_heart_rate')
        batch_op.drop_column('mid_heart_rate')
        batch_op.drop_column('pre_spo2')
        batch_op.drop_column('pre_systolic')

    # ### end Alembic commands ###


def downgrade():
    # a dosing checked in but never dosed had no place in the old record: held
    op.execute("UPDATE dosing_records SET outcome = 'held', hold_reason = 'Checked in, not "
               "dosed' WHERE outcome IS NULL")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('dosing_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_systolic', sa.INTEGER(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pre_spo2', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('mid_heart_rate', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('discharge_heart_rate', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('discharge_diastolic', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('adverse_events', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('pre_heart_rate', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('discharge_spo2', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('pre_diastolic', sa.INTEGER(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('mid_systolic', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('checkins', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('discharge_systolic', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('mid_diastolic', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('mid_spo2', sa.INTEGER(), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_dosing_records_discharged_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dosing_records_administered_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dosing_records_checked_in_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dosing_records_plan_version_id_care_plan_versions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dosing_records_outcome'))
        batch_op.alter_column('outcome',
               existing_type=sa.VARCHAR(length=20),
               nullable=False, server_default='administered')
        batch_op.drop_column('version')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('discharged_by_id')
        batch_op.drop_column('sedation_reason')
        batch_op.drop_column('administered_by_id')
        batch_op.drop_column('monitoring_staff')
        batch_op.drop_column('setting')
        batch_op.drop_column('checked_in_by_id')
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('maintenance')
        batch_op.drop_column('dosing_number')
        batch_op.drop_column('plan_version_id')

    with op.batch_alter_table('clearances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dosing_count', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('expires_on', sa.DATE(), nullable=True))
        batch_op.add_column(sa.Column('product', sa.VARCHAR(length=40), nullable=True))
        batch_op.add_column(sa.Column('dose_mg', sa.NUMERIC(precision=7, scale=2), nullable=True))
        batch_op.add_column(sa.Column('route', sa.VARCHAR(length=20), nullable=True))
        batch_op.drop_column('baseline_measures_missing')
        batch_op.drop_column('weight_kg')

    _move_data_down()

    with op.batch_alter_table('care_sessions', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
        batch_op.drop_column('started_at')

    with op.batch_alter_table('care_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_care_reviews_open')

    op.drop_table('care_reviews')
    with op.batch_alter_table('care_dosing_vitals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_dosing_vitals_dosing_id'))

    op.drop_table('care_dosing_vitals')
    with op.batch_alter_table('care_dosing_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_dosing_amendments_dosing_id'))

    op.drop_table('care_dosing_amendments')
    with op.batch_alter_table('care_chaperone_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_chaperone_checkins_dosing_id'))

    op.drop_table('care_chaperone_checkins')
    with op.batch_alter_table('care_adverse_events', schema=None) as batch_op:
        batch_op.drop_index('ix_care_adverse_events_kind')
        batch_op.drop_index(batch_op.f('ix_care_adverse_events_dosing_id'))

    op.drop_table('care_adverse_events')
    with op.batch_alter_table('care_plan_requests', schema=None) as batch_op:
        batch_op.drop_index('ux_care_plan_requests_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_care_plan_requests_patient_id'))

    op.drop_table('care_plan_requests')
    with op.batch_alter_table('care_plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_plan_versions_clearance_id'))

    op.drop_table('care_plan_versions')
    op.drop_table('care_clinician_calendars')
    # ### end Alembic commands ###
