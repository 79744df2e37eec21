"""`/admin agent add|remove|role @user ROLE`: admins manage the agents, in a private chat or in
the agents' group.

An admin grants at most their own role and changes only people ranked at or below them; every
change goes to the audit log. A @username is resolved to the Telegram id holding it now; when
that is not the agent row's id, the admin is asked for the id (bot/desk/roles.py).
"""

from __future__ import annotations

import html

from bot.desk.roles import ACTIONS, change_agent
from db.models import AgentRole
from handlers.admin.command import AdminCall, Subcommand


async def agent(call: AdminCall) -> None:
    words, t = call.args, call.t
    action = words[0].lower() if words else ""
    wanted = words[2].lower() if len(words) > 2 else ("agent" if action == "add" else "")
    if action not in ACTIONS or len(words) < 2:
        await call.answer(t("desk-admin-usage"))
        return
    if action != "remove" and wanted not in set(AgentRole):
        await call.answer(t("desk-admin-usage"))
        return
    handle = words[1]
    role = AgentRole(wanted) if action != "remove" else AgentRole.AGENT
    outcome = await change_agent(call.session, call.admin_id, call.role, action, handle, role)
    await call.session.commit()
    await call.answer(
        t(
            f"desk-admin-{outcome.change}",
            handle=html.escape(handle[:64]),
            role=t(f"desk-role-{role}"),
            agent=str(outcome.agent_id),
            holder=str(outcome.holder_id),
        )
    )


SUBCOMMANDS = [Subcommand("agent", agent, in_agent_chat=True)]
