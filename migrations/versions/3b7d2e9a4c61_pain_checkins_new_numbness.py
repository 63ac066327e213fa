"""pain check-ins: "Any new numbness, tingling or weakness?" (yes/no, default no)

Revision ID: 3b7d2e9a4c61
Revises: 0e644b4313ea
Create Date: 2026-11-25 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7d2e9a4c61'
down_revision = '0e644b4313ea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pain_checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_numbness', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('pain_checkins', schema=None) as batch_op:
        batch_op.drop_column('new_numbness')
