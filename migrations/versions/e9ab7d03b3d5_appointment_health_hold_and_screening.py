"""appointments: health hold after a profile change, screening tick without a profile

Revision ID: e9ab7d03b3d5
Revises: 5f3c9a1e7b24
Create Date: 2026-11-25 16:30:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db_types


# revision identifiers, used by Alembic.
revision = 'e9ab7d03b3d5'
down_revision = '5f3c9a1e7b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health_hold', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('health_hold_at', portal.db_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('screening_confirmed_at', portal.db_types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('screening_confirmed_at')
        batch_op.drop_column('health_hold_at')
        batch_op.drop_column('health_hold')
