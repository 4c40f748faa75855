"""relays and gatherings

Revision ID: relay_1
Revises: reminders_1
Create Date: 2026-12-05 05:00:00

"""
from alembic import op
import sqlalchemy as sa

import campaign.models.types


# revision identifiers, used by Alembic.
revision = 'relay_1'
down_revision = 'reminders_1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relays_campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('relaying_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaigns_relays_campaign_id'), ['relays_campaign_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_relays_campaign_id_campaigns'), 'campaigns',
                                    ['relays_campaign_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_relaying_unit_id_units'), 'units',
                                    ['relaying_unit_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relays_deliverable_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliverables_relays_deliverable_id'), ['relays_deliverable_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_deliverables_relays_deliverable_id_deliverables'), 'deliverables',
                                    ['relays_deliverable_id'], ['id'], ondelete='RESTRICT')

    op.create_table('gatherings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('relayed_deliverable_id', sa.Integer(), nullable=False),
    sa.Column('gathered_at', campaign.models.types.UTCDateTime(), nullable=False),
    sa.Column('gathered_by_id', sa.Integer(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['gathered_by_id'], ['users.id'], name=op.f('fk_gatherings_gathered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['relayed_deliverable_id'], ['deliverables.id'], name=op.f('fk_gatherings_relayed_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_gatherings_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gatherings'))
    )
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gatherings_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gatherings_submission_id'))
    op.drop_table('gatherings')
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deliverables_relays_deliverable_id_deliverables'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deliverables_relays_deliverable_id'))
        batch_op.drop_column('relays_deliverable_id')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_relaying_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_campaigns_relays_campaign_id_campaigns'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_campaigns_relays_campaign_id'))
        batch_op.drop_column('relaying_unit_id')
        batch_op.drop_column('relays_campaign_id')
