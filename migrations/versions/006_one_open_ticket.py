"""One open ticket per user, enforced by the database: a partial unique index. Tickets that an
earlier race left open beside a newer one are closed first (the newest stays open).

Revision ID: 006
Revises: 005
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "006"
down_revision: str | None = "005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status <> 'closed'")


def upgrade() -> None:
    op.execute(
        "UPDATE tickets SET status = 'closed', closed_at = CURRENT_TIMESTAMP "
        "WHERE status <> 'closed' AND id NOT IN "
        "(SELECT MAX(id) FROM tickets WHERE status <> 'closed' GROUP BY user_id)"
    )
    op.create_index(
        "uq_tickets_one_open_per_user",
        "tickets",
        ["user_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_tickets_one_open_per_user", table_name="tickets")
