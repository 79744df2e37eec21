"""`/admin quota`: the LLM budgets in force and today's spend; `/admin quota set NAME VALUE`
changes one for every replica (kept in the database, see bot.consult.quota), `/admin quota
reset NAME` puts it back to its setting. In a private chat; every change is audited."""

from __future__ import annotations

import html

from bot.consult import quota
from bot.consult.consultant import Consultant
from db.models import ActorType
from db.repositories.audit import record
from handlers.admin.command import AdminCall, Subcommand


def _value(name: str, value: float | int) -> str:
    return f"${value:.2f}" if quota.QUOTAS[name].kind is float else str(value)


async def show(call: AdminCall, consultant: Consultant) -> None:
    t, budget = call.t, consultant.budget
    limits, base = budget.settings, budget.base
    spent = await budget.spent_micro() / 1_000_000
    daily = limits.daily_budget_usd
    lines = [t("quota-title")]
    if not consultant.configured:
        lines.append(t("admin-llm-off"))
    lines.append(
        t(
            "quota-today",
            spent=f"{spent:.2f}",
            budget=f"{daily:.2f}",
            left=f"{max(daily - spent, 0):.2f}",
            percent=round(100 * spent / daily),
        )
    )
    for name, item in quota.QUOTAS.items():
        now, configured = getattr(limits, item.field), getattr(base, item.field)
        key = "quota-line-changed" if now != configured else "quota-line"
        lines.append(t(key, name=name, label=t(f"quota-name-{name}"), value=_value(name, now),
                       setting=item.setting, configured=_value(name, configured)))  # fmt: skip
    lines.append(t("quota-usage"))
    await call.answer("\n".join(lines))


async def quota_command(call: AdminCall) -> None:
    consultant: Consultant = call.data["consultant"]
    t, args = call.t, [arg.lower() for arg in call.args]
    if not args:
        await show(call, consultant)
        return
    action, rest = args[0], args[1:]
    valid = (action == "set" and len(rest) == 2) or (action == "reset" and len(rest) == 1)
    if not valid or rest[0] not in quota.QUOTAS:
        await call.answer(t("quota-usage"))
        return
    name = rest[0]
    value: float | int | None = None
    if action == "set":
        try:
            value = quota.parse(name, call.args[2])
        except quota.QuotaError:
            minimum = quota.QUOTAS[name].minimum
            await call.answer(t("quota-invalid", name=name, value=html.escape(call.args[2][:32]),
                                minimum=_value(name, minimum)))  # fmt: skip
            return
    await quota.change(call.session, consultant.budget, name, value)
    record(call.session, f"llm_quota_{action}", actor_type=ActorType.ADMIN,
           actor_id=call.admin_id, details={"quota": name, "value": value})  # fmt: skip
    await call.session.commit()
    in_force = getattr(consultant.budget.settings, quota.QUOTAS[name].field)
    key = "quota-set" if action == "set" else "quota-reset"
    await call.answer(t(key, label=t(f"quota-name-{name}"), value=_value(name, in_force)))


SUBCOMMANDS = [Subcommand("quota", quota_command)]
