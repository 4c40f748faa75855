"""photos decoded by a worker: each photo's state, failure reason and job

Revision ID: photos_2
Revises: jobs_1
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'photos_2'
down_revision = 'jobs_1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=10), nullable=False, server_default='ready'))
        batch_op.add_column(sa.Column('error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_photos_job_id_jobs'), 'jobs', ['job_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_check_constraint('known_state', "state IN ('pending', 'ready', 'failed')")


def downgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_photos_known_state'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_photos_job_id_jobs'), type_='foreignkey')
        batch_op.drop_column('job_id')
        batch_op.drop_column('error')
        batch_op.drop_column('state')
