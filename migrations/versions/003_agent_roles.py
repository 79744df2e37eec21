"""Agent roles: agent, senior, admin, superadmin (supervisor becomes senior).

Revision ID: 003
Revises: 002
Create Date: 2026-11-24 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "003"
down_revision: str | None = "002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("agent", "supervisor", "admin")
NEW = ("agent", "senior", "admin", "superadmin")
BOTH = (*OLD, "senior", "superadmin")


def _set_roles(values: Sequence[str]) -> None:
    """Swap the role column's CHECK constraint (SQLite rebuilds the table to do it)."""
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_agents_agent_role"), type_="check")
        batch_op.create_check_constraint("agent_role", sa.column("role").in_(values))


def upgrade() -> None:
    _set_roles(BOTH)
    op.execute("UPDATE agents SET role = 'senior' WHERE role = 'supervisor'")
    _set_roles(NEW)


def downgrade() -> None:
    _set_roles(BOTH)
    op.execute("UPDATE agents SET role = 'supervisor' WHERE role = 'senior'")
    op.execute("UPDATE agents SET role = 'admin' WHERE role = 'superadmin'")
    _set_roles(OLD)
