"""profile revision recorded by staff: reception records the GP clearance a client shows, as a
new revision in the staff member's name (who, kept as written at the time)

Revision ID: 04e2e5c156d0
Revises: f165653a1329
Create Date: 2026-11-25 18:52:34.891924

"""
from alembic import op
import sqlalchemy as sa

import portal.db_types


# revision identifiers, used by Alembic.
revision = '04e2e5c156d0'
down_revision = 'f165653a1329'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('health_profile_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_name', sa.String(length=120), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_health_profile_revisions_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('health_profile_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_health_profile_revisions_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recorded_by_name')
        batch_op.drop_column('recorded_by_id')
