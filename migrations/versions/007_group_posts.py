"""What the bot posted about a user in the agents' group outside their topic (lead cards, notes
in a plain group): the GDPR erasure deletes it there.

Revision ID: 007
Revises: 006
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "007"
down_revision: str | None = "006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_posts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_posts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_posts")),
    )
    with op.batch_alter_table("group_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_posts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_posts_user_id"))
    op.drop_table("group_posts")
