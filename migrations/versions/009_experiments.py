"""Experiments: the variant of a canned answer or a prompt that a bot message showed
("faq.pricing.overview:b"), and an index over the messages that carry one.

Revision ID: 009
Revises: 008
Create Date: 2026-12-04 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "009"
down_revision: str | None = "008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPOSED = sa.text("variant IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant", sa.String(length=96), nullable=True))
    op.create_index(
        "ix_messages_exposures",
        "messages",
        ["created_at"],
        unique=False,
        postgresql_where=EXPOSED,
        sqlite_where=EXPOSED,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_exposures", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("variant")
