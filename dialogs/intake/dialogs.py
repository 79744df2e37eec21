"""The project intake wizard: eight questions, then a summary to check and confirm.

Every step has Back and Cancel; Back on the first question exists only when the existing-lead
question came before it. Editing a field from the summary returns to the summary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from operator import itemgetter
from typing import Any

from aiogram.types import ContentType
from aiogram_dialog import Dialog, Window
from aiogram_dialog.utils import remove_intent_id
from aiogram_dialog.widgets.input import MessageInput, TextInput
from aiogram_dialog.widgets.input.text import OnSuccess
from aiogram_dialog.widgets.kbd import Button, Column, Group, Row, Select, SwitchTo
from aiogram_dialog.widgets.kbd.select import OnItemClick
from aiogram_dialog.widgets.text import Format, Multi, Text
from magic_filter import F

from bot.intake.rules import (
    parse_company,
    parse_description,
    parse_email,
    parse_name,
    parse_phone,
)
from dialogs.i18n import T
from dialogs.intake import getters
from dialogs.intake.handlers import (
    IntakeGuard,
    on_back,
    on_budget,
    on_cancel,
    on_confirm,
    on_description,
    on_edit,
    on_invalid,
    on_new_instead,
    on_not_text,
    on_project_type,
    on_skip,
    on_start,
    on_text_answer,
    on_timeline,
    on_update_existing,
)
from states.intake import Intake, IntakeStep

# Widget ids: they are part of the buttons' callback data, so renaming one makes the buttons of
# wizards already on screen stale.
BACK_ID = "back"
CANCEL_ID = "cancel"
CONFIRM_ID = "confirm"
SKIP_ID = "skip"
UPDATE_ID = "update"
NEW_ID = "new"
SELECT_ID = {
    IntakeStep.PROJECT_TYPE: "project_type",
    IntakeStep.TIMELINE: "timeline",
    IntakeStep.BUDGET: "budget",
}
EDIT_ID = "edit_{}"  # + the step's name
# The summary's Edit buttons: field, locales key of the label.
EDITABLE = (
    (IntakeStep.PROJECT_TYPE, "intake-edit-project-type"),
    (IntakeStep.DESCRIPTION, "intake-edit-description"),
    (IntakeStep.TIMELINE, "intake-edit-timeline"),
    (IntakeStep.BUDGET, "intake-edit-budget"),
    (IntakeStep.NAME, "intake-edit-name"),
    (IntakeStep.EMAIL, "intake-edit-email"),
    (IntakeStep.COMPANY, "intake-edit-company"),
    (IntakeStep.PHONE, "intake-edit-phone"),
)
NOT_TEXT = [kind for kind in ContentType if kind is not ContentType.TEXT]


def is_confirm_press(callback_data: str | None) -> bool:
    """Whether a press is on the summary's Confirm, even of a wizard that has closed since: a
    second tap of Confirm (the lead is saved already) is no reason to start over."""
    return remove_intent_id(callback_data or "")[1] == CONFIRM_ID


def _text(key: str, **params: str) -> Multi:
    """A step's text: the refusal of the previous answer and the restart notice come first."""
    return Multi(
        Format("{error}", when="error"),
        T("intake-expired", hours="ttl_hours", when="expired"),
        T(key, **params),
        sep="\n\n",
    )


def _navigation(*, back: bool = True) -> Row:
    # On the first question Back leads to the existing-lead question or, while editing, to the
    # summary; without either it has nowhere to go.
    when = None if back else F["start_data"]["open_lead_date"] | F["dialog_data"]["editing"]
    return Row(
        Button(T("intake-back"), id=BACK_ID, on_click=on_back, when=when),
        Button(T("intake-cancel"), id=CANCEL_ID, on_click=on_cancel),
    )


def _choice(
    step: IntakeStep,
    on_click: OnItemClick[Select[str], str],
    *,
    getter: Callable[..., Awaitable[dict[str, Any]]],
    found: str = "",
) -> Window:
    texts: list[Text] = [_text(f"intake-{step.value.replace('_', '-')}")]
    if found:
        texts.append(T(found, value="suggested", quote="quote", when="suggested"))
    select: Select[str] = Select(
        Format("{item[1]}"),
        id=SELECT_ID[step],
        item_id_getter=itemgetter(0),
        items="options",
        on_click=on_click,
    )
    return Window(
        Multi(*texts, sep="\n\n"),
        Column(select),
        _navigation(back=step is not IntakeStep.PROJECT_TYPE),
        state=step.state,
        getter=getter,
    )


def _typed(
    step: IntakeStep,
    parse: Callable[[str], str],
    on_success: OnSuccess[str],
    *,
    skip: bool = False,
) -> Window:
    """A step answered by typing; optional ones have a Skip button."""
    widgets: list[Any] = [
        _text(f"intake-{step.value}"),
        TextInput(
            id=step.value,
            type_factory=parse,
            on_success=on_success,
            on_error=on_invalid,
        ),
        MessageInput(on_not_text, content_types=NOT_TEXT),
    ]
    if skip:
        widgets.append(Button(T("intake-skip"), id=SKIP_ID, on_click=on_skip))
    widgets.append(_navigation())
    return Window(*widgets, state=step.state)


def _edit_buttons() -> Group:
    return Group(
        *(
            SwitchTo(T(key), id=EDIT_ID.format(step.value), state=step.state, on_click=on_edit)
            for step, key in EDITABLE
        ),
        width=2,
    )


def intake_dialog() -> Dialog:
    """A new Dialog every call: a router can belong to one dispatcher only."""
    dialog = Dialog(
        Window(
            _text("intake-existing", date="lead_date"),
            Button(T("intake-existing-update"), id=UPDATE_ID, on_click=on_update_existing),
            Button(T("intake-existing-new"), id=NEW_ID, on_click=on_new_instead),
            Button(T("intake-cancel"), id=CANCEL_ID, on_click=on_cancel),
            state=Intake.existing,
            getter=getters.get_existing,
        ),
        _choice(IntakeStep.PROJECT_TYPE, on_project_type, getter=getters.get_project_types),
        _typed(IntakeStep.DESCRIPTION, parse_description, on_description),
        _choice(
            IntakeStep.TIMELINE,
            on_timeline,
            getter=getters.get_timelines,
            found="intake-timeline-found",
        ),
        _choice(
            IntakeStep.BUDGET, on_budget, getter=getters.get_budgets, found="intake-budget-found"
        ),
        _typed(IntakeStep.NAME, parse_name, on_text_answer(IntakeStep.NAME)),
        _typed(IntakeStep.EMAIL, parse_email, on_text_answer(IntakeStep.EMAIL)),
        _typed(IntakeStep.COMPANY, parse_company, on_text_answer(IntakeStep.COMPANY), skip=True),
        _typed(IntakeStep.PHONE, parse_phone, on_text_answer(IntakeStep.PHONE), skip=True),
        Window(
            T(
                "intake-summary",
                project_type="project_type",
                description="description",
                timeline="timeline",
                budget="budget",
                name="name",
                email="email",
                company="company",
                phone="phone",
            ),
            _edit_buttons(),
            Button(T("intake-confirm"), id=CONFIRM_ID, on_click=on_confirm),
            _navigation(),
            state=Intake.summary,
            getter=getters.get_summary,
        ),
        on_start=on_start,
        getter=getters.get_common,
    )
    guard = IntakeGuard(let_through=frozenset({CANCEL_ID}))
    dialog.message.middleware(guard)
    dialog.callback_query.middleware(guard)
    return dialog
