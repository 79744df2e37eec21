"""The desk's security review: a person cannot flood the agents with tickets, the
holder and urgent-ticket rules hold for drafts, /transfer and /t, history longer than one
message, edits after closing, topic renames and polls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from loguru import logger
from sqlalchemy import func, select, update

from bot.desk.assistant import Line
from bot.desk.keyboards import (
    BackToBotCallback,
    DraftAction,
    DraftCallback,
    RateCallback,
    TicketAction,
    TicketCallback,
)
from bot.telegram.menu import MenuAction, MenuCallback
from bot.telegram.offline_session import ApiCall, ApiError
from db.base import utcnow
from db.models import DeskDraft, SenderType, Ticket, TicketStatus
from db.models import Message as StoredMessage
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALICE, BOB, GROUP, SENIOR, STRANGER
from tests.fakes.recording import USER_ID

HUMAN = MenuCallback(action=MenuAction.HUMAN).pack()


@pytest.fixture(autouse=True)
def no_button_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's own rules, apart from the button rate limits in front of them (fifteen taps
    within seconds meet those first: tests/dispatcher/test_throttling.py)."""
    monkeypatch.setenv("THROTTLE_BUTTONS", "1000")


BACK = BackToBotCallback().pack()
TEXT_LIMIT = 4096


class CountingAssistant:
    """The LLM behind the card's summary and the copilot, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def summarize(self, lines: Sequence[Line], **_: object) -> str | None:
        self.calls += 1
        return "Wants help"

    async def draft_reply(self, lines: Sequence[Line], **_: object) -> str | None:
        self.calls += 1
        return "Happy to help"


def group_calls(desk: Harness) -> list[TelegramMethod[Any]]:
    return [c for c in desk.session.requests if str(getattr(c, "chat_id", "")) == str(GROUP)]


def callback_answers(desk: Harness) -> list[str | None]:
    return [c.text for c in desk.session.calls("answerCallbackQuery")]  # type: ignore[attr-defined]


async def tickets(desk: Harness) -> list[Ticket]:
    async with desk.sessionmaker() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def newest(desk: Harness) -> Ticket:
    return (await tickets(desk))[-1]


async def menu_message(desk: Harness) -> int:
    await desk.send("hello")
    await desk.send("/start")
    menu = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert menu is not None
    return menu.message_id


async def escalated(desk: Harness, text: str = "hello") -> tuple[Ticket, int]:
    await desk.send(text)
    if not await tickets(desk):
        await desk.send("/human")
    ticket = await newest(desk)
    assert ticket.card_message_id is not None
    return ticket, ticket.card_message_id


def press_data(ticket: Ticket, action: TicketAction) -> str:
    return TicketCallback(action=action, ticket_id=ticket.id).pack()


# 1. One person cannot flood the desk


async def test_fifteen_taps_on_talk_to_a_human_open_one_ticket(desk: Harness) -> None:
    assistant = CountingAssistant()
    desk.rebuild(desk_assistant=assistant)
    menu = await menu_message(desk)
    desk.session.clear()
    await desk.press(HUMAN, menu)
    first_calls, first_llm = len(group_calls(desk)), assistant.calls
    for _ in range(14):
        await desk.press(HUMAN, menu)
    assert len(await tickets(desk)) == 1
    assert len(group_calls(desk)) == first_calls  # nothing more in the agents' group
    assert assistant.calls == first_llm <= 1
    assert len(desk.to_user()) == 1  # one "passed to our team", then callback answers only
    already = (
        "You are already talking to our team: just write here. Send /bot to go back to the bot."
    )
    assert callback_answers(desk)[1:] == [already] * 14


async def test_fifteen_taps_between_human_and_back_to_the_bot_open_one_ticket(
    desk: Harness,
) -> None:
    assistant = CountingAssistant()
    desk.rebuild(desk_assistant=assistant)
    menu = await menu_message(desk)
    desk.session.clear()
    for tap in range(15):
        await desk.press(HUMAN if tap % 2 == 0 else BACK, menu)
    [ticket] = await tickets(desk)
    assert ticket.status == TicketStatus.CLOSED  # opened once, closed once
    assert len(group_calls(desk)) <= 8  # topic, card, close: never once per tap
    assert assistant.calls <= 1
    answers = callback_answers(desk)
    assert (answers[2] or "").startswith("You have just left the conversation with our team")
    assert answers[3] == (
        "You are talking to the bot already. Send /human to reach a person from our team."
    )
    assert len(desk.to_user()) == 2  # "passed to our team" and "back with the bot"


async def test_back_to_the_bot_with_nothing_open_is_a_polite_no_op(desk: Harness) -> None:
    menu = await menu_message(desk)
    desk.session.clear()
    for _ in range(15):
        await desk.press(BACK, menu)
    assert desk.to_user() == [] and group_calls(desk) == []
    assert set(callback_answers(desk)) == {
        "You are talking to the bot already. Send /human to reach a person from our team."
    }


async def test_open_and_close_cycles_are_capped_per_hour(desk: Harness) -> None:
    menu = await menu_message(desk)
    per_hour = desk.settings.desk.tickets_per_hour
    for _ in range(per_hour + 2):
        await desk.press(HUMAN, menu)
        await desk.press(BACK, menu)
        async with desk.sessionmaker() as session:  # each closed well before the next asks
            await session.execute(
                update(Ticket).values(closed_at=utcnow() - timedelta(minutes=10))
            )
            await session.commit()
    assert len(await tickets(desk)) == per_hour
    assert (callback_answers(desk)[-2] or "").startswith(
        "You have asked for our team several times within the hour"
    )
    # The same for /human and for a message that would escalate.
    desk.session.clear()
    await desk.send("/human")
    await desk.send("Our production is down!")
    assert len(await tickets(desk)) == per_hour and group_calls(desk) == []
    assert all("several times within the hour" in text for text in desk.to_user())
    # An hour later the person reaches the team again.
    async with desk.sessionmaker() as session:
        await session.execute(update(Ticket).values(opened_at=utcnow() - timedelta(hours=2)))
        await session.commit()
    await desk.press(HUMAN, menu)
    assert len(await tickets(desk)) == per_hour + 1


# 2. A copilot draft is sent by whoever may reply to the ticket


async def draft_of(desk: Harness) -> tuple[DeskDraft, int]:
    async with desk.sessionmaker() as session:
        draft = await session.scalar(select(DeskDraft).order_by(DeskDraft.id.desc()))
    note = desk.session.latest_message(GROUP, with_keyboard=True)
    assert draft is not None and note is not None
    return draft, note.message_id


def send_data(draft: DeskDraft) -> str:
    return DraftCallback(action=DraftAction.SEND, draft_id=draft.id).pack()


async def test_only_the_holder_sends_a_copilot_draft(desk: Harness) -> None:
    desk.rebuild(desk_assistant=CountingAssistant())
    ticket, card_id = await escalated(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    draft, note = await draft_of(desk)
    desk.session.clear()
    for other in (BOB, SENIOR):  # seniors too: only the holder talks to the user
        await desk.press(send_data(draft), note, who=other)
        assert callback_answers(desk)[-1] == "Already taken by Alice Agent."
    for action in (DraftAction.DISCARD, DraftAction.EDIT):
        await desk.press(DraftCallback(action=action, draft_id=draft.id).pack(), note, who=BOB)
        assert callback_answers(desk)[-1] == "Already taken by Alice Agent."
    assert desk.to_user() == [] and desk.session.calls(EditMessageText) == []
    async with desk.sessionmaker() as session:
        assert await session.get(DeskDraft, draft.id) is not None  # still there for Alice
    await desk.press(send_data(draft), note, who=ALICE)
    assert desk.to_user() == ["Happy to help"]


async def test_an_urgent_tickets_draft_is_sent_by_a_senior_only(desk: Harness) -> None:
    desk.rebuild(desk_assistant=CountingAssistant())
    await escalated(desk, "Our production is down!")
    await desk.send("everything returns 502")  # a user message brings a draft
    draft, note = await draft_of(desk)
    desk.session.clear()
    await desk.press(send_data(draft), note, who=ALICE)
    assert callback_answers(desk)[-1] == "Urgent tickets are taken by senior agents."
    assert desk.to_user() == [] and (await newest(desk)).claimed_by is None
    await desk.press(send_data(draft), note, who=SENIOR)
    assert desk.to_user()[-1] == "Happy to help"  # after the claim notice
    assert (await newest(desk)).status == TicketStatus.CLAIMED


# 3. /transfer and /t keep the urgent-needs-a-senior rule


async def test_urgent_tickets_are_not_transferred_to_or_answered_by_non_seniors(
    desk: Harness,
) -> None:
    ticket, _ = await escalated(desk, "Our production is down!")
    desk.session.clear()
    for handle in ("@bob_agent", "@alice_agent"):
        await desk.agent(f"/transfer {handle}", agent_id=ALICE, thread=ticket.topic_id)
        assert desk.to_group()[-1].startswith("Urgent tickets go to senior agents")
    await desk.agent("/t greeting", agent_id=ALICE, thread=ticket.topic_id)
    assert desk.to_group()[-1] == "Urgent tickets are taken by senior agents."
    await desk.agent("/transfer @bob_agent", agent_id=SENIOR, thread=ticket.topic_id)
    assert desk.to_group()[-1].startswith("Urgent tickets go to senior agents")
    assert desk.to_user() == [] and (await newest(desk)).claimed_by is None
    await desk.agent("/transfer @sam_senior", agent_id=ALICE, thread=ticket.topic_id)
    assert desk.to_group()[-1] == "➡️ The ticket now belongs to Sam Senior."


async def test_a_template_is_sent_by_the_holder_only(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    desk.session.clear()
    await desk.agent("/t greeting", agent_id=SENIOR, thread=ticket.topic_id)
    assert desk.to_group()[-1] == "Already taken by Alice Agent." and desk.to_user() == []


# 4. History longer than one Telegram message


async def long_conversation(desk: Harness, ticket: Ticket) -> None:
    async with desk.sessionmaker() as session:
        for n in range(30):
            session.add(
                StoredMessage(
                    conversation_id=ticket.conversation_id,
                    sender_type=SenderType.USER,
                    text=f"message {n:02d} " + "y & z " * 60,
                )
            )
        await session.commit()


async def test_a_long_history_arrives_in_several_messages(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    await long_conversation(desk, ticket)
    desk.session.clear()
    await desk.press(press_data(ticket, TicketAction.HISTORY), card_id, who=ALICE)
    parts = desk.to_group()
    assert len(parts) >= 2 and all(len(part) <= TEXT_LIMIT for part in parts)
    assert parts[0].startswith("<b>History of ticket")
    shown = "\n".join(parts)
    for n in range(10, 30):  # the newest twenty, each once
        assert shown.count(f"message {n:02d} ") == 1
    last = desk.session.latest_message(GROUP)  # Telegram took them all
    assert last is not None and "message 29" in (last.text or "")
    assert callback_answers(desk) == [None]


async def test_a_history_that_cannot_be_posted_is_not_lost_silently(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    original = desk.session.responders["sendMessage"]

    def send(call: ApiCall) -> Any:
        if str(call.params.get("text", "")).startswith("<b>History"):
            raise ApiError("Bad Request: not enough rights to send text messages")
        return original(call)

    desk.session.responders["sendMessage"] = send
    await desk.press(press_data(ticket, TicketAction.HISTORY), card_id, who=ALICE)
    assert callback_answers(desk)[-1] == (
        "The history could not be posted in full; please try again."
    )


# 5. An edit after closing


async def test_an_edit_after_closing_does_not_reach_the_user(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    await desk.agent("Let me look", thread=ticket.topic_id)
    reply = desk.session.latest_message(GROUP)
    assert reply is not None and reply.text == "Let me look"
    await desk.agent("/close", thread=ticket.topic_id)
    desk.session.clear()
    await desk.feed(desk.session.edited_update(GROUP, reply.message_id, "Let me look again"))
    assert desk.session.calls(EditMessageText) == []
    assert desk.to_group() == ["This ticket is closed: your edit did not reach the user."]


# 6. Renaming a topic is not a reply


async def test_renaming_the_topic_does_not_claim_the_ticket(desk: Harness) -> None:
    ticket, _ = await escalated(desk)
    desk.session.clear()
    for who in (ALICE, STRANGER):
        edited = {"forum_topic_edited": {"name": "VIP customer"}}
        await desk.agent(None, agent_id=who, thread=ticket.topic_id, extra=edited)
    fresh = await newest(desk)
    assert (fresh.status, fresh.claimed_by) == (TicketStatus.OPEN, None)
    assert desk.session.requests == []  # no claim, no copy, no notice


# 7. Polls


POLL = {
    "id": "poll-1",
    "question": "Which cloud do you use?",
    "options": [
        {"text": "AWS", "voter_count": 0, "persistent_id": "a"},
        {"text": "GCP", "voter_count": 0, "persistent_id": "b"},
    ],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "quiz",
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
}


async def test_a_poll_is_not_relayed_and_the_agent_is_told(desk: Harness) -> None:
    ticket, _ = await escalated(desk)
    desk.session.clear()
    await desk.agent(None, thread=ticket.topic_id, extra={"poll": POLL})
    assert desk.copies(USER_ID) == [] and desk.to_user() == []
    [notice] = desk.session.calls(SendMessage)
    assert notice.text.startswith("⛔ Polls, games and invoices cannot reach the user")
    assert (await newest(desk)).claimed_by is None  # nothing was said to the user
    async with desk.sessionmaker() as session:
        agents_lines = await session.scalar(
            select(func.count())
            .select_from(StoredMessage)
            .where(StoredMessage.sender_type == SenderType.AGENT)
        )
    assert agents_lines == 0


# Forged button data: ids beyond 64 bits


@pytest.mark.parametrize(
    ("data", "who"),
    [
        (TicketCallback(action=TicketAction.CLAIM, ticket_id=10**30).pack(), ALICE),
        (DraftCallback(action=DraftAction.SEND, draft_id=-(10**30)).pack(), ALICE),
        (RateCallback(ticket_id=10**30, stars=5).pack(), None),
    ],
)
async def test_desk_buttons_with_ids_beyond_64_bits_are_answered_as_stale(
    desk: Harness, data: str, who: int | None
) -> None:
    errors: list[str] = []
    sink = logger.add(errors.append, level="ERROR", format="{message}")
    try:
        message = await desk.bot.send_message(GROUP if who else USER_ID, "forged")
        await desk.press(data, message.message_id, who)
    finally:
        logger.remove(sink)
    assert errors == []
    assert callback_answers(desk)[-1] == (
        "This button is no longer active. Send /start to open the menu."
    )


async def test_a_handle_an_agent_gave_up_does_not_name_them_in_a_transfer(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    # Bob became @bobby; a stranger took @bob_agent and wrote to the bot since.
    await desk.send("hi", user_id=8123, username="bob_agent")
    desk.session.clear()
    await desk.agent("/transfer @bob_agent", agent_id=ALICE, thread=ticket.topic_id)
    assert (await newest(desk)).claimed_by != BOB
    assert "bob_agent" in desk.to_group()[-1] and "Bob Agent" not in desk.to_group()[-1]
