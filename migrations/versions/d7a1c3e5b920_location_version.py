"""a salon's details carry a version: two admins editing them at once no longer overwrite each
other unseen (the later save is told, as a service's is)

Revision ID: d7a1c3e5b920
Revises: c4d2a7e9f118
Create Date: 2026-12-06 07:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a1c3e5b920'
down_revision = 'c4d2a7e9f118'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('version')
