"""care teams: membership lifecycle and history, offer kinds, the care request, unique NPI

Revision ID: f54e7a8bfa2e
Revises: bf3178c19fd8
Create Date: 2026-11-30 13:21:10.600055

Care-team rows are no longer reused when someone rejoins: leaving ends the row (date, reason,
who recorded it, what became of the scheduled sessions, the successor), and the unique
constraint on (patient, user, role) becomes a partial unique index over active rows, so the
history is kept. Each row says how the clinician joined and why (the eligibility found, an
admin's override reason, an agreed private-pay arrangement). Existing rows are back-filled:
a therapist who added themselves registered their own client; a row matching an accepted
referral came from that referral; the rest were assignments.

Referrals become offers of either kind (a coordinator's referral, a colleague's invitation)
and keep the match reasons, private pay and an override reason. Patients gain the care
request the coordinators' queue shows (modality wanted, urgency). An NPI identifies one
provider: the upgrade refuses, naming them, when two profiles share one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f54e7a8bfa2e'
down_revision = 'bf3178c19fd8'
branch_labels = None
depends_on = None

ACTIVE_SQLITE = sa.text('active = 1')
ACTIVE_PG = sa.text('active')


def upgrade():
    shared = op.get_bind().execute(sa.text(
        'SELECT npi, COUNT(*) FROM clinician_profiles WHERE npi IS NOT NULL '
        'GROUP BY npi HAVING COUNT(*) > 1')).all()
    if shared:
        listed = ', '.join(f'{npi} ({n} profiles)' for npi, n in shared)
        raise RuntimeError(f'These NPIs are listed on more than one directory profile: {listed}. '
                           'Correct the directory, then upgrade again.')
    with op.batch_alter_table('care_team_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_via', sa.String(length=20), nullable=False,
                                      server_default='assignment'))
        batch_op.add_column(sa.Column('basis', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('override_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('private_pay', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('removal_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('handover', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_care_team_members_patient_id'), type_='unique')
        batch_op.create_index('uq_care_team_active_member', ['patient_id', 'user_id', 'role'],
                              unique=True, sqlite_where=ACTIVE_SQLITE,
                              postgresql_where=ACTIVE_PG)
        batch_op.create_foreign_key(batch_op.f('fk_care_team_members_removed_by_id_users'),
                                    'users', ['removed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_care_team_members_successor_id_users'),
                                    'users', ['successor_id'], ['id'])
    op.execute("UPDATE care_team_members SET joined_via = 'registration' "
               "WHERE added_by_id = user_id")
    op.execute("UPDATE care_team_members SET joined_via = 'referral' WHERE added_by_id IS NULL "
               "AND EXISTS (SELECT 1 FROM referrals r WHERE r.patient_id = "
               "care_team_members.patient_id AND r.clinician_id = care_team_members.user_id "
               "AND r.role = care_team_members.role AND r.status = 'accepted')")

    with op.batch_alter_table('clinician_profiles', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_clinician_profiles_npi'), ['npi'])

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('care_modality', sa.String(length=20), nullable=False,
                                      server_default='either'))
        batch_op.add_column(sa.Column('urgency', sa.String(length=10), nullable=False,
                                      server_default='routine'))

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='referral'))
        batch_op.add_column(sa.Column('reasons', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('private_pay', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('override_reason', sa.String(length=500), nullable=True))


def downgrade():
    # The old unique constraint cannot hold a history where someone left and rejoined:
    # refuse rather than delete history.
    repeated = op.get_bind().scalar(sa.text(
        'SELECT COUNT(*) FROM (SELECT patient_id, user_id, role FROM care_team_members '
        'GROUP BY patient_id, user_id, role HAVING COUNT(*) > 1) AS t'))
    if repeated:
        raise RuntimeError(f'{repeated} care-team places have more than one row of history '
                           '(someone left and rejoined); downgrading would lose it.')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('override_reason')
        batch_op.drop_column('private_pay')
        batch_op.drop_column('reasons')
        batch_op.drop_column('kind')

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('urgency')
        batch_op.drop_column('care_modality')

    with op.batch_alter_table('clinician_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_clinician_profiles_npi'), type_='unique')

    with op.batch_alter_table('care_team_members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_care_team_members_successor_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_care_team_members_removed_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_index('uq_care_team_active_member', sqlite_where=ACTIVE_SQLITE,
                            postgresql_where=ACTIVE_PG)
        batch_op.create_unique_constraint(batch_op.f('uq_care_team_members_patient_id'),
                                          ['patient_id', 'user_id', 'role'])
        batch_op.drop_column('successor_id')
        batch_op.drop_column('handover')
        batch_op.drop_column('removal_reason')
        batch_op.drop_column('removed_by_id')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('private_pay')
        batch_op.drop_column('override_reason')
        batch_op.drop_column('basis')
        batch_op.drop_column('joined_via')
