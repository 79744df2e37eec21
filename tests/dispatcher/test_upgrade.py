"""After an upgrade a user carries on where they were: recorded from the bot before the layout
change (tests/data/upgrade/before-layout.json), a user in the middle of the intake finishes it,
and every button they hold still means what it meant (FSM state names, aiogram-dialog intent
ids and callback data prefixes unchanged)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from bot.desk.keyboards import BackToBotCallback, DraftCallback, RateCallback, TicketCallback
from bot.intake.jobs import ResumeIntakeCallback
from bot.telegram.menu import MenuCallback
from db.models import Lead, User
from handlers.admin.gdpr import GdprAdminCallback
from handlers.faq.keyboards import ActionCallback, CategoryCallback, TopicCallback
from handlers.language import LanguageCallback
from handlers.privacy import ForgetCallback
from states.intake import Intake
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID

BEFORE = json.loads(
    (Path(__file__).parents[1] / "data" / "upgrade" / "before-layout.json").read_text()
)
CALLBACKS: dict[str, type[CallbackData]] = {
    "menu": MenuCallback,
    "tk": TicketCallback,
    "dr": DraftCallback,
    "rate": RateCallback,
    "tobot": BackToBotCallback,
    "resume": ResumeIntakeCallback,
    "faq": TopicCallback,
    "faqcat": CategoryCallback,
    "act": ActionCallback,
    "lang": LanguageCallback,
    "forget": ForgetCallback,
    "gdpr": GdprAdminCallback,
}
DESCRIPTION = "We need CI/CD for 12 services on AWS EKS within a month, budget around $60k."


async def upgraded(harness: Harness, *, storage_left: bool = True) -> MemoryStorage:
    """The new dispatcher, on the FSM storage the old bot left behind (`storage_left`)."""
    storage = MemoryStorage()
    bot_id = harness.bot.id
    for record in BEFORE["records"] if storage_left else ():
        key = StorageKey(bot_id=bot_id, **record["key"])
        await storage.set_state(key, record["state"])
        await storage.set_data(key, just_left(record["data"]))
    harness.rebuild(storage=storage)
    return storage


def just_left(data: dict[str, Any]) -> dict[str, Any]:
    """The recorded data as the old bot left it a moment ago: an intake it started has not
    run out (it would, 24 hours after the recording, and the test would test the expiry)."""
    start = data.get("start_data")
    if isinstance(start, dict) and "started_at" in start:
        return data | {"start_data": start | {"started_at": datetime.now(UTC).isoformat()}}
    return data


@pytest.mark.parametrize("prefix", sorted(CALLBACKS))
def test_every_old_callback_prefix_still_parses_the_same(prefix: str) -> None:
    callback = CALLBACKS[prefix]
    assert sorted(BEFORE["callback_data"]) == sorted(CALLBACKS)
    for packed in BEFORE["callback_data"][prefix]:
        assert callback.unpack(packed).pack() == packed


def test_the_recorded_intake_is_mid_step_under_the_same_state_name() -> None:
    (context,) = [r["data"] for r in BEFORE["records"] if r["key"]["destiny"].startswith(
        "aiogd:context:")]  # fmt: skip
    assert context["dialog_data"] == {"project_type": "devops"}
    assert context["state"] == Intake.description.state  # the name the new code gives it


def tap(harness: Harness, label: str) -> tuple[str, int]:
    message = harness.session.latest_message(with_keyboard=True)
    assert message is not None
    found = [data for row in harness.session.last_keyboard() for text, data in row
             if label in text and data]  # fmt: skip
    assert len(found) == 1, harness.session.last_keyboard()
    return found[0], message.message_id


async def test_a_user_mid_intake_before_the_upgrade_finishes_it_after(
    harness: Harness,
) -> None:
    await upgraded(harness)
    await harness.send(DESCRIPTION)
    assert "Step 3 of 8" in harness.session.sent_texts()[-1]
    for label in ("Urgent", "$50K–$150K"):
        await harness.press(*tap(harness, label))
    await harness.send("Ann Example")
    await harness.send("ann@example.com")
    await harness.press(*tap(harness, "Skip"))  # company
    await harness.press(*tap(harness, "Skip"))  # phone
    assert "Please check your request" in harness.session.sent_texts()[-1]
    await harness.press(*tap(harness, "Confirm"))
    assert "Thank you, Ann Example" in harness.session.sent_texts()[-1]
    async with harness.sessionmaker() as session:
        (lead,) = (await session.scalars(select(Lead))).all()
    assert (lead.project_type, lead.source, lead.email) == ("devops", "menu", "ann@example.com")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("menu:project", "step 1 of 8"),
        ("menu:question", None),
        ("faq:devops.kubernetes", "Kubernetes"),
        ("faqcat:", None),
        ("act:estimate", "step 1 of 8"),
        ("lang:ru", "по-русски"),
    ],
)
async def test_an_old_button_pressed_after_the_upgrade_does_what_it_did(
    harness: Harness, data: str, expected: str | None
) -> None:
    await harness.send("/start")
    menu = harness.session.latest_message(with_keyboard=True)
    assert menu is not None
    recorded = [*BEFORE["buttons"].values(), *BEFORE["callback_data"].values()]
    assert any(data in values for values in recorded)
    await upgraded(harness, storage_left=False)
    sent = len(harness.session.sent_texts())
    await harness.press(data, menu.message_id)
    alerts: list[Any] = [c for c in harness.session.calls(AnswerCallbackQuery) if c.show_alert]
    assert alerts == []  # not "this button is too old"
    new = harness.session.sent_texts()[sent:]
    assert new, f"{data}: nothing happened"
    if expected is not None:
        assert any(expected in text for text in new), new
    async with harness.sessionmaker() as session:
        assert await session.get(User, USER_ID) is not None
