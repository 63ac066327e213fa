"""client search trigram indexes (PostgreSQL): users' name, email and phone digits

Reception's "find a client" looks for any part of a name, an email or a phone number's digits
(LIKE '%...%'); on a chain of 20,000 clients PostgreSQL read every client twice per search
(count and page: 40-50 ms). pg_trgm's GIN indexes answer from the clients who match. pg_trgm is a
trusted extension (PostgreSQL 13+): the database's owner may create it. SQLite: nothing to do.

Revision ID: a7f3c2e91b04
Revises: 75c16a36078c
Create Date: 2026-12-05 09:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7f3c2e91b04'
down_revision = '75c16a36078c'
branch_labels = None
depends_on = None

# As accounts.models.phone_digits writes it (the index is used only for the same expression).
PHONE_DIGITS = ("replace(replace(replace(replace(replace(replace(replace(coalesce(phone, ''), ' ', ''), "
                "'-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '')")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_users_name_trgm ON users USING gin (name gin_trgm_ops)")
    op.execute("CREATE INDEX ix_users_email_trgm ON users USING gin (email gin_trgm_ops)")
    op.execute(f"CREATE INDEX ix_users_phone_digits_trgm ON users USING gin (({PHONE_DIGITS}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("ix_users_phone_digits_trgm", "ix_users_email_trgm", "ix_users_name_trgm"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # pg_trgm stays: another schema on this database may use it, and it holds no data.
