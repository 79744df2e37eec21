"""The intake wizard's reactions: starting it, checking answers, moving between steps, and the
end (a lead saved and handed over, or a cancel).

Answers live in `dialog_data` under the step names (`project_type`, `description`, ...), so a
refused answer, Back or an edit from the summary never loses the others. A refused answer
leaves `dialog_data["error"]` (a locales key and its variables) for the step to show once.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.utils import remove_intent_id
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput
from aiogram_dialog.widgets.input.text import OnSuccess
from aiogram_dialog.widgets.kbd import Button, Select

from bot.desk.hours import what_happens_next
from bot.intake.entities import extract_entities
from bot.intake.leads import open_lead
from bot.intake.rules import InputRejected, build_form, suggest_budget, suggest_timeline
from bot.intake.scoring import Budget, ProjectType, Timeline
from bot.intake.submit import submit
from bot.intake.tracking import intake_finished, intake_started, intake_step
from bot.kernel.metrics import (
    INTAKE_ABANDONED,
    INTAKE_STARTED,
    INTAKE_STEP,
    source_label,
)
from bot.telegram.menu import back_to_menu
from states.intake import Intake, IntakeStep

# The steps after the existing-lead question, in order; the summary comes last.
FLOW = tuple(step for step in IntakeStep if step is not IntakeStep.EXISTING)
REQUIRED = (IntakeStep.PROJECT_TYPE, IntakeStep.DESCRIPTION, IntakeStep.TIMELINE,
            IntakeStep.BUDGET, IntakeStep.NAME, IntakeStep.EMAIL)  # fmt: skip


async def start_intake(manager: DialogManager, *, source: str | None) -> None:
    """Open the wizard from scratch: at the existing-lead question when the client has an open
    lead, else at the project type."""
    await _start(manager, source=source)


async def _start(manager: DialogManager, *, source: str | None, expired: bool = False) -> None:
    session, user = manager.middleware_data["session"], manager.middleware_data["user"]
    lead = await open_lead(session, user.id)
    INTAKE_STARTED.labels(source_label(source)).inc()
    await intake_started(session, user.id, source)
    data: dict[str, Any] = {"source": source, "started_at": datetime.now(UTC).isoformat()}
    if lead is not None:
        data["open_lead_date"] = lead.created_at.date().isoformat()
    if expired:
        data["expired"] = True
    state = Intake.existing if lead is not None else Intake.project_type
    await manager.start(state, data=data, mode=StartMode.RESET_STACK)


async def on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and start_data.get("expired"):
        manager.dialog_data["notice"] = "expired"  # shown until the first answer


def is_expired(start_data: Any, ttl_hours: float, now: datetime) -> bool:
    """Whether the intake that `start_data` describes is older than `ttl_hours`."""
    started = start_data.get("started_at") if isinstance(start_data, dict) else None
    try:
        started_at = datetime.fromisoformat(started) if isinstance(started, str) else None
    except ValueError:
        started_at = None
    if started_at is None:  # not started by start_intake: nothing to measure
        return False
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    return now - started_at > timedelta(hours=ttl_hours)


async def restart_if_expired(manager: DialogManager, *, now: datetime | None = None) -> bool:
    """Start the intake again (saying why) when it began more than INTAKE_TTL_HOURS ago."""
    ttl = manager.middleware_data["settings"].intake.ttl_hours
    if not is_expired(manager.start_data, ttl, now or datetime.now(UTC)):
        return False
    await abandon_intake(manager)
    await _start(manager, source=_source(manager), expired=True)
    return True


async def abandon_intake(manager: DialogManager) -> None:
    """Count and record an intake given up: cancelled, expired, or left for something else."""
    INTAKE_ABANDONED.labels(source_label(_source(manager))).inc()
    data = manager.middleware_data
    await intake_finished(data["session"], data["user"].id, completed=False)


class IntakeGuard(BaseMiddleware):
    """Runs before every button and message the wizard handles: forgets the previous refusal
    and restarts an expired intake instead of handling the event (except the buttons in
    `let_through`: Cancel on an expired intake still cancels it)."""

    def __init__(self, *, let_through: frozenset[str] = frozenset()) -> None:
        self.let_through = let_through

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        manager: DialogManager = data["dialog_manager"]
        manager.dialog_data.pop("error", None)
        pressed = event.data if isinstance(event, CallbackQuery) else None
        if remove_intent_id(pressed or "")[1] in self.let_through:
            return await handler(event, data)
        if await restart_if_expired(manager):
            await manager.answer_callback()
            return None
        return await handler(event, data)


# --- moving between steps --------------------------------------------------------------------


def _source(manager: DialogManager) -> str | None:
    start_data = manager.start_data
    source = start_data.get("source") if isinstance(start_data, dict) else None
    return source if isinstance(source, str) else None


async def complete_step(manager: DialogManager, step: IntakeStep, **answers: Any) -> None:
    """Keep the answers, count the step, and go on: to the next step, or back to the summary
    when the client came from there to edit."""
    manager.dialog_data.update(answers)
    manager.dialog_data.pop("notice", None)
    INTAKE_STEP.labels(step.value).inc()
    session, user = manager.middleware_data["session"], manager.middleware_data["user"]
    await intake_step(session, user.id, step.value)
    if manager.dialog_data.pop("editing", False) or step is IntakeStep.EXISTING:
        following = IntakeStep.SUMMARY if step is not IntakeStep.EXISTING else FLOW[0]
    else:
        following = FLOW[FLOW.index(step) + 1]
    await manager.switch_to(following.state)


async def on_back(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    step = IntakeStep.of(manager.current_context().state)
    if manager.dialog_data.pop("editing", False):
        await manager.switch_to(Intake.summary)
    elif step is IntakeStep.PROJECT_TYPE:
        # The button is shown here only when the existing-lead question came first.
        await manager.switch_to(Intake.existing)
    elif step in FLOW:
        await manager.switch_to(FLOW[FLOW.index(step) - 1].state)


async def on_edit(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["editing"] = True


def _refuse(manager: DialogManager, key: str, **params: Any) -> None:
    manager.dialog_data["error"] = {"key": key, "params": params}


async def on_invalid(
    message: Message, widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    if isinstance(error, InputRejected):
        _refuse(manager, error.key, **error.params)
    else:
        _refuse(manager, "intake-error-generic")


async def on_not_text(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    _refuse(manager, "intake-error-not-text")


# --- the steps -------------------------------------------------------------------------------


async def on_update_existing(
    callback: CallbackQuery, button: Button, manager: DialogManager
) -> None:
    await complete_step(manager, IntakeStep.EXISTING, existing="update")


async def on_new_instead(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await complete_step(manager, IntakeStep.EXISTING, existing="new")


async def on_project_type(
    callback: CallbackQuery, select: Select[str], manager: DialogManager, value: str
) -> None:
    project_type = ProjectType(value).value
    await complete_step(manager, IntakeStep.PROJECT_TYPE, project_type=project_type)


async def on_description(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, description: str
) -> None:
    entities = extract_entities(description).to_dict()
    budget, timeline = suggest_budget(entities), suggest_timeline(entities)
    await complete_step(
        manager,
        IntakeStep.DESCRIPTION,
        description=description,
        entities=entities,
        suggested_budget=budget.value if budget else None,
        suggested_timeline=timeline.value if timeline else None,
    )


async def on_timeline(
    callback: CallbackQuery, select: Select[str], manager: DialogManager, value: str
) -> None:
    await complete_step(manager, IntakeStep.TIMELINE, timeline=Timeline(value).value)


async def on_budget(
    callback: CallbackQuery, select: Select[str], manager: DialogManager, value: str
) -> None:
    await complete_step(manager, IntakeStep.BUDGET, budget=Budget(value).value)


def on_text_answer(step: IntakeStep) -> OnSuccess[str]:
    """The on_success of a text step whose checked answer is kept as it is."""

    async def on_success(
        message: Message, widget: ManagedTextInput[str], manager: DialogManager, value: str
    ) -> None:
        await complete_step(manager, step, **{step.value: value})

    return on_success


async def on_skip(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    step = IntakeStep.of(manager.current_context().state)
    await complete_step(manager, step, **{step.value: None})


# --- the end ---------------------------------------------------------------------------------


async def on_confirm(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get("submitted"):
        return  # a second tap on Confirm: the first one is saving the lead
    missing = [step for step in REQUIRED if not manager.dialog_data.get(step.value)]
    if missing:  # cannot happen through the buttons; an old or damaged state can
        await manager.switch_to(missing[0].state)
        return
    manager.dialog_data["submitted"] = True
    data = manager.middleware_data
    session, user, i18n = data["session"], data["user"], data["i18n"]
    form = build_form(manager.dialog_data, source=_source(manager), language=i18n.language)
    submitted = await submit(
        session,
        user,
        form,
        rule=data["scoring_rule"],
        handover=data["lead_handover"],
        update_open_lead=manager.dialog_data.get("existing") == "update",
    )
    await manager.done()  # the summary stays in the chat, without its buttons
    text = i18n(
        "intake-updated" if submitted.updated else "intake-thanks",
        name=html.escape(form.name),
        next=what_happens_next(datetime.now(UTC), data["business_hours"], i18n),
    )
    await data["bot"].send_message(data["event_chat"].id, text, reply_markup=_menu_button(i18n))


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    data = manager.middleware_data
    i18n = data["i18n"]
    await abandon_intake(manager)
    await manager.done(show_mode=ShowMode.NO_UPDATE)  # the step's message becomes the reply
    text, markup = i18n("intake-cancelled"), _menu_button(i18n)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=markup)
    else:
        await data["bot"].send_message(data["event_chat"].id, text, reply_markup=markup)


def _menu_button(i18n: Any) -> Any:
    return back_to_menu(i18n)
