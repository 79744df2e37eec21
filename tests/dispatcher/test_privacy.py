"""GDPR through the dispatcher: /mydata, /forgetme, /forgetme cancel and /admin gdpr, on SQLite."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, DeleteForumTopic, SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from sqlalchemy import select

from bot.app import COMMANDS
from bot.config import FileSettings, load_settings
from bot.files.store import FileStore
from bot.intake.export import export_csv
from bot.intake.handover import LeadHandover
from bot.privacy.gdpr import AgentGroup, erase_due
from db.base import utcnow
from db.models import AuditLog, IntakeProgress, Lead, LeadScore, User
from handlers.admin.gdpr import GdprAdminAction, GdprAdminCallback
from handlers.privacy import ForgetAction, ForgetCallback
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID
from tests.fakes.user_data import TOPIC_BASE, UserData, give_user_data, traces_of

ADMIN_ID = 5005
OTHER_ID = 2002
AGENTS = -1001234


# Stored files go to this test's own directory (tests/dispatcher/conftest.py).
pytestmark = pytest.mark.usefixtures("files_dir")


@pytest.fixture
async def data(harness: Harness) -> UserData:
    result = await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, USER_ID, "MARK"
    )
    harness.session.clear()
    return result


def _document(harness: Harness) -> dict[str, Any]:
    (call,) = harness.session.calls(SendDocument)
    assert isinstance(call.document, BufferedInputFile)
    assert call.document.filename is not None and call.document.filename.endswith(".json")
    document: dict[str, Any] = json.loads(call.document.data)
    return document


async def _actions(harness: Harness) -> list[str]:
    async with harness.sessionmaker() as session:
        return list((await session.scalars(select(AuditLog.action).order_by(AuditLog.id))).all())


async def _user(harness: Harness, user_id: int = USER_ID) -> User:
    async with harness.sessionmaker() as session:
        user = await session.get(User, user_id)
    assert user is not None
    return user


def test_the_commands_are_in_the_menu() -> None:
    assert ("mydata", "privacy-cmd-mydata") in COMMANDS
    assert ("forgetme", "privacy-cmd-forgetme") in COMMANDS


async def test_mydata_sends_everything_held(harness: Harness, data: UserData) -> None:
    await harness.send("/mydata")

    document = _document(harness)
    tables = document["data"]
    assert tables["users"][0]["id"] == USER_ID
    texts = [message["text"] for message in tables["messages"]]
    assert data.texts[0] in texts and data.texts[1] in texts
    assert tables["leads"][0]["description"] == data.texts[2]
    assert tables["tickets"] and tables["intake_progress"] and tables["conversations"]
    (attachment,) = tables["attachments"]
    assert attachment["file_name"] == "brief.pdf" and "storage_path" not in attachment
    assert "test.note" in [entry["action"] for entry in document["requests"]]
    assert await _actions(harness) == ["test.note", "gdpr.export"]


async def test_mydata_holds_nobody_elses_data(harness: Harness, data: UserData) -> None:
    await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, OTHER_ID, "OTHER"
    )
    harness.session.clear()
    await harness.send("/mydata")
    assert "OTHER" not in json.dumps(_document(harness))


async def test_forgetme_asks_then_hides_and_cancel_restores(
    harness: Harness, data: UserData
) -> None:
    await harness.send("/forgetme")
    assert "Delete all your data?" in harness.session.sent_texts()[-1]
    assert (await _user(harness)).forget_requested_at is None  # not before the confirmation
    prompt = harness.session.latest_message(with_keyboard=True)
    assert prompt is not None
    await harness.press(ForgetCallback(action=ForgetAction.CONFIRM).pack(), prompt.message_id)

    erase_on = (utcnow() + timedelta(days=30)).date().isoformat()
    assert erase_on in harness.session.sent_texts()[-1]
    assert (await _user(harness)).forget_requested_at is not None
    await harness.send("/forgetme")
    assert "already scheduled" in harness.session.sent_texts()[-1]

    await harness.send("/forgetme cancel")
    assert "cancelled" in harness.session.sent_texts()[-1]
    assert (await _user(harness)).forget_requested_at is None
    await harness.send("/forgetme cancel")
    assert "no deletion request" in harness.session.sent_texts()[-1]
    assert await _actions(harness) == ["test.note", "gdpr.forget", "gdpr.cancel"]


async def test_forgetme_keep_changes_nothing(harness: Harness, data: UserData) -> None:
    await harness.send("/forgetme", language_code="ru")
    prompt = harness.session.latest_message(with_keyboard=True)
    assert prompt is not None
    await harness.press(
        ForgetCallback(action=ForgetAction.KEEP).pack(), prompt.message_id, language_code="ru"
    )
    assert harness.session.sent_texts()[-1] == "👍 Ничего не удалено."
    assert (await _user(harness)).forget_requested_at is None
    await harness.send("/forgetme please", language_code="ru")
    assert "/forgetme cancel" in harness.session.sent_texts()[-1]


async def test_a_forgotten_users_leads_leave_the_export(harness: Harness, data: UserData) -> None:
    await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, OTHER_ID, "OTHER"
    )
    await harness.send("/forgetme")
    prompt = harness.session.latest_message(with_keyboard=True)
    assert prompt is not None
    await harness.press(ForgetCallback(action=ForgetAction.CONFIRM).pack(), prompt.message_id)

    out = io.StringIO(newline="")
    async with harness.sessionmaker() as session:
        assert await export_csv(session, out) == 1
    assert "OTHER-lead" in out.getvalue() and "MARK" not in out.getvalue()


async def test_erasure_after_the_grace_period_leaves_no_trace(
    harness: Harness, data: UserData, files_dir: Path
) -> None:
    await harness.send("/forgetme")
    prompt = harness.session.latest_message(with_keyboard=True)
    assert prompt is not None
    await harness.press(ForgetCallback(action=ForgetAction.CONFIRM).pack(), prompt.message_id)
    store = FileStore(FileSettings(files_dir=files_dir))

    assert await erase_due(harness.sessionmaker, store, grace_days=30) == 0  # too early
    later = utcnow() + timedelta(days=31)
    group = AgentGroup(harness.bot, AGENTS, "(removed)")
    erased = await erase_due(harness.sessionmaker, store, grace_days=30, now=later, group=group)
    assert erased == 1

    assert await traces_of(harness.sessionmaker, data) == []
    [deleted] = harness.session.calls(DeleteForumTopic)  # the user's topic in the agents' group
    assert deleted.chat_id == AGENTS and deleted.message_thread_id == TOPIC_BASE + USER_ID % 1000
    assert not (files_dir / str(USER_ID)).exists()
    assert (await _actions(harness))[-1] == "gdpr.erase"


async def test_admin_gdpr_is_for_admins_only(harness: Harness, data: UserData) -> None:
    await harness.send(f"/admin gdpr export {USER_ID}", user_id=OTHER_ID)
    assert harness.session.sent_texts()[-1] == "Sorry, this command is for admins only."
    assert harness.session.calls(SendDocument) == []


async def test_admin_gdpr_export_delete_cancel(
    harness: Harness, data: UserData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN_ID))
    harness.rebuild(load_settings())  # with the admin configured

    await harness.send("/admin gdpr export @TESS_tester", user_id=ADMIN_ID, username="admin_ann")
    assert _document(harness)["user_id"] == USER_ID
    await harness.send(f"/admin gdpr delete {USER_ID}", user_id=ADMIN_ID, username="admin_ann")
    prompt = harness.session.latest_message(ADMIN_ID, with_keyboard=True)
    assert prompt is not None
    yes = harness.session.last_keyboard(ADMIN_ID)[0][0][1]
    assert yes is not None
    await harness.press(yes, prompt.message_id, user_id=ADMIN_ID, username="admin_ann")
    assert "will be deleted for good" in harness.session.sent_texts(ADMIN_ID)[-1]
    assert (await _user(harness)).forget_requested_at is not None
    await harness.send(f"/admin gdpr cancel {USER_ID}", user_id=ADMIN_ID, username="admin_ann")
    assert (await _user(harness)).forget_requested_at is None

    await harness.send("/admin gdpr delete @nobody_here", user_id=ADMIN_ID, username="admin_ann")
    assert "No user @nobody_here found." in harness.session.sent_texts(ADMIN_ID)[-1]
    await harness.send("/admin gdpr", user_id=ADMIN_ID, username="admin_ann")
    assert "Usage" in harness.session.sent_texts(ADMIN_ID)[-1]
    # The rest of /admin is another router's (handlers/admin/bans.py): this one keeps out.
    expected = {
        "/admin": "<b>Admin commands</b>",
        "/admin bans": "Nobody is blocked right now.",
        "/admin gdprx": "There is no /admin subcommand “gdprx”.",
    }
    for other, answer in expected.items():
        await harness.send(other, user_id=ADMIN_ID, username="admin_ann")
        assert harness.session.sent_texts(ADMIN_ID)[-1].startswith(answer)
    async with harness.sessionmaker() as session:
        entries = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    admin_entries = [
        (e.action, e.actor_id, e.target_id) for e in entries if e.actor_id == ADMIN_ID
    ]
    assert admin_entries == [
        ("gdpr.export", ADMIN_ID, USER_ID),
        ("gdpr.forget", ADMIN_ID, USER_ID),
        ("gdpr.cancel", ADMIN_ID, USER_ID),
    ]


async def test_an_admin_button_pressed_by_someone_else_does_nothing(
    harness: Harness, data: UserData
) -> None:
    message = await harness.bot.send_message(OTHER_ID, "forged")
    data_ = GdprAdminCallback(action=GdprAdminAction.DELETE, user_id=USER_ID).pack()
    await harness.press(data_, message.message_id, user_id=OTHER_ID)
    (answer,) = harness.session.calls(AnswerCallbackQuery)
    assert answer.show_alert and answer.text == "Sorry, this command is for admins only."
    assert (await _user(harness)).forget_requested_at is None


async def test_no_lead_card_for_a_user_who_asked_to_be_forgotten(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_CHAT_ID", "-1001234567890")
    handover = LeadHandover(load_settings(), harness.sessionmaker, harness.knowledge.i18n)
    user = User(id=USER_ID, first_name="Tess", language="en", forget_requested_at=utcnow())
    lead = Lead(id=1, user_id=USER_ID, description="hidden", score=LeadScore.HOT)
    await handover.deliver(harness.bot, lead=lead, user=user)
    assert harness.session.calls(SendMessage) == []
    user.forget_requested_at = None
    await handover.deliver(harness.bot, lead=lead, user=user)
    assert len(harness.session.calls(SendMessage)) == 1  # the same lead, shown once restored


async def test_forgetting_drops_an_unfinished_intake_at_once(harness: Harness) -> None:
    await harness.send("/start intake")
    await harness.send("/forgetme")
    prompt = harness.session.latest_message(with_keyboard=True)
    assert prompt is not None
    await harness.press(ForgetCallback(action=ForgetAction.CONFIRM).pack(), prompt.message_id)
    async with harness.sessionmaker() as session:
        progress = await session.get(IntakeProgress, USER_ID)
    assert progress is not None and progress.finished_at is not None and not progress.completed


async def _unfinished_intake(harness: Harness) -> None:
    """Two answers of an intake, then the person stops (nothing is stored in the database)."""
    await harness.send("/start intake")
    prompt = harness.session.latest_message(with_keyboard=True)
    assert prompt is not None
    [devops] = [data for row in harness.session.last_keyboard() for text, data in row
                if "DevOps" in text]  # fmt: skip
    assert devops is not None
    await harness.press(devops, prompt.message_id)
    await harness.send("Kubernetes for 12 services, half-typed UNFINISHED-MARK")


async def test_mydata_includes_the_answers_of_an_unfinished_intake(harness: Harness) -> None:
    await _unfinished_intake(harness)
    harness.session.clear()
    await harness.send("/mydata")

    [dialog] = _document(harness)["unfinished"]["dialogs"]
    assert dialog["state"].startswith("Intake:")
    assert dialog["dialog_data"]["project_type"] == "devops"
    assert "UNFINISHED-MARK" in dialog["dialog_data"]["description"]


async def test_admin_export_includes_an_unfinished_intake(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN_ID))
    harness.rebuild(load_settings())
    await _unfinished_intake(harness)
    harness.session.clear()
    await harness.send(f"/admin gdpr export {USER_ID}", user_id=ADMIN_ID, username="admin_ann")

    [dialog] = _document(harness)["unfinished"]["dialogs"]
    assert "UNFINISHED-MARK" in dialog["dialog_data"]["description"]


async def test_mydata_without_an_unfinished_flow_says_so(harness: Harness, data: UserData) -> None:
    await harness.send("/mydata")
    assert _document(harness)["unfinished"] == {}
