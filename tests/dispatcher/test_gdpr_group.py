"""GDPR erasure in the agents' group: after /forgetme and the grace period
no message about the person is left there, through the user's path: the lead card of their
intake (in the Leads topic of a forum, or in a plain group), their ticket's card, the copies of
what they wrote, History and the copilot's drafts. Young messages are deleted; messages too old
to delete are edited to a neutral text (a copied file is replaced); other people's stay."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.methods import DeleteForumTopic, DeleteMessage, EditMessageMedia, EditMessageText
from aiogram.types import Message
from loguru import logger
from sqlalchemy import select

from bot.config import load_settings
from bot.desk.assistant import Line
from bot.desk.keyboards import TicketAction, TicketCallback
from bot.files.store import FileStore
from bot.privacy.gdpr import REMOVED_FILE, AgentGroup, erase_due
from bot.privacy.jobs import erasure_job
from bot.scheduler import JobContext
from bot.telegram.offline_session import ApiCall, ApiError
from db.base import utcnow
from db.models import GroupPost, Ticket, User
from handlers.privacy import ForgetAction, ForgetCallback
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALICE, GROUP, forum
from tests.fakes.recording import USER_ID
from tests.fakes.uploads import PDF, file_update

OTHER_ID = 2002
REMOVED = "🗑 (removed at the person's request)"
MARK = "GDPR-MARK"
# Urgent and $60K: a hot lead, which opens a ticket (and its card) of its own.
DESCRIPTION = f"We need Kubernetes on AWS and CI/CD for 12 microservices, ASAP. {MARK} brief"
# What the group may not show of the person once they are erased (their Telegram names too).
NEEDLES = (MARK, "Ann Example", "ann@example.com", "5555 0101", "Tess", "tess_tester",
           "brief.pdf", str(USER_ID))  # fmt: skip

pytestmark = pytest.mark.usefixtures("files_dir")


class EchoAssistant:
    """A copilot whose summaries and drafts repeat what the person wrote, as real ones do."""

    async def summarize(self, lines: Sequence[Line], **_: object) -> str | None:
        return f"Summary: {lines[-1].text}" if lines else None

    async def draft_reply(self, lines: Sequence[Line], **_: object) -> str | None:
        return f"About “{lines[-1].text}”: we can help" if lines else None


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(m.record["message"]), level="INFO")
    yield lines
    logger.remove(sink)


async def _tap(desk: Harness, label: str) -> None:
    message = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert message is not None
    rows = desk.session.last_keyboard(USER_ID)
    [data] = [data for row in rows for text, data in row if label in text]
    assert data is not None
    await desk.press(data, message.message_id)


async def _intake(desk: Harness) -> None:
    """The person's project request, to the end: its card goes to the agents' group."""
    await desk.send("/start intake")
    await _tap(desk, "DevOps")
    await desk.send(DESCRIPTION)
    await _tap(desk, "Urgent")
    await _tap(desk, "$50K–$150K")
    await desk.send("Ann Example")
    await desk.send("ann@example.com")
    await _tap(desk, "Skip")  # company
    await desk.send("+372 5555 0101")
    await _tap(desk, "Confirm")


async def _ticket(desk: Harness, user_id: int) -> Ticket:
    async with desk.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.user_id == user_id))
    assert ticket is not None
    return ticket


async def _leave_traces(desk: Harness) -> Ticket:
    """Everything the bot posts about a person in the agents' group, through their path and the
    agents': lead card, ticket card (with its summary), copies, a draft, History, a claim."""
    await _intake(desk)
    await desk.send("/human")
    await desk.send(f"my pipeline fails {MARK}")
    await desk.feed(file_update(desk.session, PDF, name="brief.pdf", caption=f"logs {MARK}"))
    ticket = await _ticket(desk, USER_ID)
    assert ticket.card_message_id is not None
    history = TicketCallback(action=TicketAction.HISTORY, ticket_id=ticket.id).pack()
    await desk.press(history, ticket.card_message_id, who=ALICE)
    claim = TicketCallback(action=TicketAction.CLAIM, ticket_id=ticket.id).pack()
    await desk.press(claim, ticket.card_message_id, who=ALICE)
    return ticket


async def _someone_else(desk: Harness) -> None:
    await desk.send("/human", user_id=OTHER_ID, first_name="Olga", username="olga")
    await desk.send("a question of mine STAYS", user_id=OTHER_ID, first_name="Olga")


async def _forget(desk: Harness) -> None:
    await desk.send("/forgetme")
    prompt = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert prompt is not None
    await desk.press(ForgetCallback(action=ForgetAction.CONFIRM).pack(), prompt.message_id)


async def _erase(desk: Harness) -> int:
    """The erasure job's run after the grace period."""
    settings = load_settings()
    later = utcnow() + timedelta(days=settings.privacy.gdpr_grace_days, minutes=1)
    return await erase_due(
        desk.sessionmaker, FileStore(settings.files), settings.privacy.gdpr_grace_days, later,
        group=AgentGroup(desk.bot, GROUP, REMOVED),
    )  # fmt: skip


def _about_the_person(messages: list[Message]) -> list[str]:
    dumped = [message.model_dump_json(exclude_none=True) for message in messages]
    return [text for text in dumped if any(needle in text for needle in NEEDLES)]


async def test_erasure_deletes_every_message_about_the_person_in_a_plain_group(
    desk: Harness, files_dir: Path, warnings: list[str]
) -> None:
    forum(desk.session, is_forum=False)
    desk.rebuild(desk_assistant=EchoAssistant())
    await _leave_traces(desk)
    posted = desk.session.messages_in(GROUP)
    texts = " ".join(message.text or message.caption or "" for message in posted)
    assert "Ann Example" in texts and "History of ticket" in texts and "we can help" in texts
    await _someone_else(desk)
    others = {m.message_id for m in desk.session.messages_in(GROUP)} - {
        m.message_id for m in posted
    }
    await _forget(desk)
    desk.session.clear()
    warnings.clear()

    assert await _erase(desk) == 1

    deleted = {call.message_id for call in desk.session.calls(DeleteMessage)}
    about = {message.message_id for message in posted if _about_the_person([message])}
    assert len(about) == 8  # lead card, ticket card, 2 copies, 3 drafts, History
    assert about <= deleted <= {message.message_id for message in posted}
    left = desk.session.messages_in(GROUP)
    assert others <= {message.message_id for message in left}  # the other person's stay
    assert _about_the_person(left) == []
    assert not [line for line in warnings if any(needle in line for needle in NEEDLES)]


async def test_erasure_deletes_the_lead_card_in_the_leads_topic_and_the_persons_topic(
    desk: Harness, files_dir: Path
) -> None:
    desk.rebuild(desk_assistant=EchoAssistant())
    ticket = await _leave_traces(desk)
    assert ticket.topic_id is not None
    async with desk.sessionmaker() as session:
        [lead_card] = (await session.scalars(select(GroupPost))).all()
    assert lead_card.kind == "lead" and lead_card.thread_id not in (None, ticket.topic_id)
    await _forget(desk)
    desk.session.clear()

    assert await _erase(desk) == 1

    [topic] = desk.session.calls(DeleteForumTopic)
    assert topic.message_thread_id == ticket.topic_id
    # Everything in their topic goes with it; outside it, the lead card is deleted.
    assert [call.message_id for call in desk.session.calls(DeleteMessage)] == [
        lead_card.message_id
    ]
    left = [
        message
        for message in desk.session.messages_in(GROUP)
        if message.message_thread_id != ticket.topic_id
    ]
    assert _about_the_person(left) == []


async def test_messages_too_old_to_delete_are_edited_to_a_neutral_text(
    desk: Harness, files_dir: Path, warnings: list[str]
) -> None:
    forum(desk.session, is_forum=False)
    desk.rebuild(desk_assistant=EchoAssistant())
    await _leave_traces(desk)
    posted = desk.session.messages_in(GROUP)
    about = {message.message_id for message in posted if _about_the_person([message])}
    await _forget(desk)

    def too_old(call: ApiCall) -> bool:
        raise ApiError("Bad Request: message can't be deleted for everyone")

    desk.session.responders["deleteMessage"] = too_old
    desk.session.clear()
    warnings.clear()
    assert await _erase(desk) == 1

    left = desk.session.messages_in(GROUP)
    assert {message.message_id for message in left} == {m.message_id for m in posted}
    assert _about_the_person(left) == []
    edited = [message for message in left if message.message_id in about]
    texts = [message for message in edited if message.document is None]
    assert len(texts) == len(about) - 1 and all(message.text == REMOVED for message in texts)
    assert all(message.reply_markup is None for message in edited)  # no card buttons either
    [copied_file] = [message for message in edited if message.document is not None]
    assert copied_file.document is not None and copied_file.document.file_name == REMOVED_FILE
    assert copied_file.caption == REMOVED
    # Each one's text first; the file's text cannot be edited: its media is.
    assert len(desk.session.calls(EditMessageText)) == len(about)
    assert len(desk.session.calls(EditMessageMedia)) == 1
    [summary] = [line for line in warnings if "too old to delete" in line]
    assert f"{len(about)} message(s)" in summary and "0 could be neither" in summary
    assert not [line for line in warnings if any(needle in line for needle in NEEDLES)]


async def test_the_erasure_job_edits_old_messages_to_the_agents_language_text(
    desk: Harness,
) -> None:
    """The hourly job itself (bot/privacy/jobs.py): the agents' group from AGENT_CHAT_ID, the
    neutral text from the locales."""
    forum(desk.session, is_forum=False)
    await _intake(desk)
    [card] = desk.session.messages_in(GROUP)
    await _forget(desk)
    async with desk.sessionmaker() as session:
        user = await session.get(User, USER_ID)
        assert user is not None and user.forget_requested_at is not None
        user.forget_requested_at -= timedelta(days=load_settings().privacy.gdpr_grace_days + 1)
        await session.commit()

    def too_old(call: ApiCall) -> bool:
        raise ApiError("Bad Request: message can't be deleted for everyone")

    desk.session.responders["deleteMessage"] = too_old
    context = JobContext(
        desk.bot, desk.settings, desk.sessionmaker, desk.knowledge.i18n, desk.dp["desk"]
    )
    await erasure_job(context)

    edited = desk.session.message(GROUP, card.message_id)
    assert edited is not None and edited.text == REMOVED
    async with desk.sessionmaker() as session:
        assert await session.get(User, USER_ID) is None
