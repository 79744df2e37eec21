"""`/admin llm`: today's LLM calls and cost by purpose (answers, summaries, hand-off notes, the
agents' drafts), against the budgets; in a private chat or in the agents' group."""

from __future__ import annotations

from bot.consult.consultant import PURPOSES, Consultant
from handlers.admin.command import AdminCall, Subcommand


async def llm(call: AdminCall) -> None:
    consultant: Consultant = call.data["consultant"]
    t, limits = call.t, consultant.budget.settings
    if not consultant.configured:
        await call.answer(t("admin-llm-off"))
        return
    figures = await consultant.budget.figures(PURPOSES)
    lines = [t("admin-llm-title")]
    for purpose in PURPOSES:
        done, name = figures[purpose], t("admin-llm-purpose-" + purpose.replace("_", "-"))
        lines.append(
            t("admin-llm-line", purpose=name, calls=done.calls, cost=f"{done.cost_usd:.4f}")
        )
    spent, budget = await consultant.budget.spent_micro() / 1_000_000, limits.daily_budget_usd
    percent = round(100 * spent / budget)
    lines.append(t("admin-llm-spent", spent=f"{spent:.2f}", budget=f"{budget:.2f}",
                   percent=percent))  # fmt: skip
    lines.append(t("admin-llm-limits", session=limits.session_calls,
                   daily=limits.user_daily_calls, ticket=limits.desk_ticket_calls,
                   desk=limits.desk_daily_calls))  # fmt: skip
    await call.answer("\n".join(lines))


SUBCOMMANDS = [Subcommand("llm", llm, in_agent_chat=True)]
