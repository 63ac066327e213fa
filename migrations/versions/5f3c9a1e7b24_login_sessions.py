"""login sessions: one row per login, so logging out revokes it on the server

Revision ID: 5f3c9a1e7b24
Revises: e89a18352f0e
Create Date: 2026-11-25 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.db_types


# revision identifiers, used by Alembic.
revision = '5f3c9a1e7b24'
down_revision = 'e89a18352f0e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=60), nullable=False),
    sa.Column('created_at', portal.db_types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', portal.db_types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', portal.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    op.create_index('ix_login_sessions_user_id_revoked_at', 'login_sessions', ['user_id', 'revoked_at'], unique=False)


def downgrade():
    op.drop_index('ix_login_sessions_user_id_revoked_at', table_name='login_sessions')
    op.drop_table('login_sessions')
