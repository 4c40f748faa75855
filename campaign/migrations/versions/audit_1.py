"""audit log chained as it is written: each entry's number and HMAC, the chain's tail; the batch seals go

Entries already in the log are chained by `flask audit seal` (and the periodic pass) after the upgrade, with
the server's key, which a migration does not hold: the tail row remembers up to which id they go.

Revision ID: audit_1
Revises: photos_2
"""
import sqlalchemy as sa
from alembic import op

import campaign.models.types

# revision identifiers, used by Alembic.
revision = 'audit_1'
down_revision = 'photos_2'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_seq'), ['seq'])
    chain = op.create_table(
        'audit_chain',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.Column('legacy_upto', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain')),
    )
    legacy_upto = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_log")).scalar()
    op.bulk_insert(chain, [{"id": 1, "seq": 0, "mac": GENESIS, "legacy_upto": legacy_upto}])
    op.drop_table('audit_seals')


def downgrade():
    op.create_table(
        'audit_seals',
        sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', campaign.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_audit_seals')),
    )
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_seq'), type_='unique')
        batch_op.drop_column('mac')
        batch_op.drop_column('prev_mac')
        batch_op.drop_column('seq')
