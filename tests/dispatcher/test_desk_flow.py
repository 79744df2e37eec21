"""The desk through the dispatcher, as users and agents use it: escalation, topic and card,
relay both ways with edits, claim (and the race for it), close and rating, /bot, a deleted
topic, a plain group, a user who blocked the bot, and the out-of-hours e-mail."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import (
    CloseForumTopic,
    CopyMessage,
    CreateForumTopic,
    EditForumTopic,
    EditMessageText,
    ReopenForumTopic,
)
from sqlalchemy import func, select, update

from bot.desk.keyboards import BackToBotCallback, RateCallback, TicketAction, TicketCallback
from bot.telegram.menu import MenuAction, MenuCallback
from bot.telegram.offline_session import ApiCall, ApiError
from db.base import utcnow
from db.models import Agent, AuditLog, RelayedMessage, Ticket, TicketPriority, TicketStatus, User
from handlers.faq.keyboards import ActionCallback
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALICE, BOB, GROUP, NEVER_OPEN, SENIOR, desk_settings, forum
from tests.fakes.recording import USER_ID
from tests.fakes.uploads import JPG, file_update


async def ticket_of(desk: Harness) -> Ticket:
    async with desk.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
    assert ticket is not None
    return ticket


async def a_while_later(desk: Harness) -> None:
    """The closed tickets closed long enough ago for the person to open another one."""
    async with desk.sessionmaker() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.closed_at.is_not(None))
            .values(closed_at=utcnow() - timedelta(minutes=10))
        )
        await session.commit()


def claim_data(ticket: Ticket, action: TicketAction = TicketAction.CLAIM) -> str:
    return TicketCallback(action=action, ticket_id=ticket.id).pack()


async def escalated(desk: Harness) -> tuple[Ticket, int]:
    await desk.send("hello")
    await desk.send("/human")
    ticket = await ticket_of(desk)
    card = desk.session.latest_message(GROUP, with_keyboard=True)
    assert card is not None
    return ticket, card.message_id


async def test_the_whole_way_human_topic_claim_relay_edit_close_rate(
    desk: Harness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    desk.rebuild(desk_settings())
    ticket, card_id = await escalated(desk)
    (topic,) = desk.session.calls(CreateForumTopic)
    assert str(topic.chat_id) == str(GROUP)
    assert "Tess" in topic.name and "normal" in topic.name and "asked for a person" in topic.name
    card = desk.card()
    assert card.message_thread_id == ticket.topic_id is not None
    assert "Ticket #" in card.text and "@tess_tester" in card.text and "hello" in card.text
    buttons = [b.text for row in card.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert buttons == ["✋ Claim", "📜 History", "🤖 Return to bot", "✅ Close"]
    assert "A person will answer you right here" in desk.to_user()[-1]

    # The agent claims: the title shows them, the user hears who joined.
    await desk.press(claim_data(ticket), card_id, who=ALICE)
    assert "Alice Agent" in desk.session.calls(EditForumTopic)[-1].name  # type: ignore[operator]
    assert "Alice Agent from our team" in desk.to_user()[-1]

    # The user's text, photo and album reach the topic as copies, and the FAQ stays silent.
    desk.session.clear()
    await desk.send("my cluster is slow")
    await desk.feed(file_update(desk.session, JPG, photo=True, caption="see this"))
    await desk.feed(file_update(desk.session, JPG, photo=True, media_group_id="album-1"))
    await desk.feed(file_update(desk.session, JPG, photo=True, media_group_id="album-1"))
    copies = desk.copies(GROUP)
    assert len(copies) == 4
    assert all(c.message_thread_id == ticket.topic_id for c in copies)
    assert desk.to_user() == []

    # The agent's reply and its edit reach the user.
    await desk.agent("Let me look", thread=ticket.topic_id)
    (reply,) = desk.copies(USER_ID)
    agent_message = desk.session.latest_message(GROUP)
    assert agent_message is not None
    copy_id = desk.session.latest_message(USER_ID)
    assert copy_id is not None and copy_id.text == "Let me look"
    await desk.dp.feed_update(
        desk.bot, desk.session.edited_update(GROUP, reply.message_id, "Let me look now")
    )
    edit = desk.session.calls(EditMessageText)[-1]
    assert str(edit.chat_id) == str(USER_ID) and edit.message_id == copy_id.message_id
    assert edit.text == "Let me look now"

    # The agent closes; the user rates.
    await desk.agent("/close", thread=ticket.topic_id)
    assert desk.session.calls(CloseForumTopic)
    rating = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert rating is not None and "rate" in (rating.text or "")
    await desk.press(RateCallback(ticket_id=ticket.id, stars=4).pack(), rating.message_id)
    closed = await ticket_of(desk)
    assert closed.status == TicketStatus.CLOSED and closed.rating == 4
    assert closed.claimed_at and closed.first_reply_at and closed.closed_at
    async with desk.sessionmaker() as session:
        pairs = await session.scalar(select(func.count()).select_from(RelayedMessage))
        actions = (await session.scalars(select(AuditLog.action))).all()
    assert pairs == 5
    assert "ticket.claim" in actions and "ticket.close" in actions

    # Back with the bot: the FAQ answers again.
    desk.session.clear()
    await desk.send("How much does Kubernetes cost?")
    assert desk.to_user() and not desk.copies(GROUP)


async def test_two_agents_pressing_claim_at_once_one_gets_it(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    desk.session.clear()
    await asyncio.gather(
        desk.press(claim_data(ticket), card_id, who=ALICE),
        desk.press(claim_data(ticket), card_id, who=BOB),
    )
    claimed = await ticket_of(desk)
    assert claimed.status == TicketStatus.CLAIMED
    answers = [c.text for c in desk.session.calls("answerCallbackQuery")]  # type: ignore[attr-defined]
    assert sorted(a.split(" by ")[0] for a in answers) == ["Already taken", "The ticket is yours."]
    async with desk.sessionmaker() as session:
        claims = await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "ticket.claim")
        )
    assert claims == 1
    # A later press by the one who lost names the holder.
    async with desk.sessionmaker() as session:
        holder = await session.get(Agent, claimed.claimed_by)
    assert holder is not None
    loser = BOB if holder.telegram_id == ALICE else ALICE
    await desk.press(claim_data(ticket), card_id, who=loser)
    last = desk.session.calls("answerCallbackQuery")[-1].text  # type: ignore[attr-defined]
    assert last == f"Already taken by {holder.name}."


async def test_notes_and_commands_stay_in_the_group_and_strangers_get_a_notice(
    desk: Harness,
) -> None:
    ticket, _ = await escalated(desk)
    desk.session.clear()
    await desk.agent("// I think this is a billing question", thread=ticket.topic_id)
    await desk.agent("/whatever", thread=ticket.topic_id)
    await desk.agent("hi, I am not an agent", agent_id=7999, thread=ticket.topic_id)
    await desk.agent("hello? anyone?", agent_id=7999, thread=ticket.topic_id)
    assert desk.copies(USER_ID) == []
    assert desk.to_user() == []
    assert desk.to_group() == [  # told once, not on every message
        "Only agents can do this. An admin can add you with /admin agent add."
    ]


async def test_a_deleted_topic_is_recreated_and_the_relay_goes_on(desk: Harness) -> None:
    ticket, _ = await escalated(desk)
    deleted = ticket.topic_id
    original = desk.session.responders["copyMessage"]

    def copy(call: ApiCall) -> Any:
        if call.params.get("message_thread_id") == deleted:
            raise ApiError("Bad Request: message thread not found")
        return original(call)

    desk.session.responders["copyMessage"] = copy
    await desk.send("are you there?")
    assert len(desk.session.calls(CreateForumTopic)) == 2
    recreated = await ticket_of(desk)
    assert recreated.topic_id not in (None, deleted)
    assert desk.copies(GROUP)[-1].message_thread_id == recreated.topic_id


async def test_a_plain_group_gets_card_and_copies_and_agents_reply_to_them(desk: Harness) -> None:
    forum(desk.session, is_forum=False)
    ticket, card_id = await escalated(desk)
    assert not desk.session.calls(CreateForumTopic)
    assert ticket.topic_id is None and desk.card().message_thread_id is None
    await desk.send("help me please")
    copy = desk.copies(GROUP)[-1]
    assert copy.reply_parameters is not None and copy.reply_parameters.message_id == card_id
    copied = desk.session.latest_message(GROUP)
    assert copied is not None
    await desk.agent("Hello from the team", reply_to=copied.message_id)
    assert desk.copies(USER_ID)


async def test_a_user_who_blocked_the_bot_is_marked_once_and_not_retried(desk: Harness) -> None:
    ticket, card_id = await escalated(desk)
    await desk.press(claim_data(ticket), card_id, who=ALICE)
    original = desk.session.responders["copyMessage"]

    def copy(call: ApiCall) -> Any:
        if call.chat_id() == USER_ID:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return original(call)

    desk.session.responders["copyMessage"] = copy
    desk.session.clear()
    await desk.agent("are you still there?", thread=ticket.topic_id)
    await desk.agent("hello?", thread=ticket.topic_id)
    assert len(desk.copies(USER_ID)) == 1  # the second is not tried
    notes = desk.to_group()
    assert len(notes) == 2 and all("blocked the bot" in note for note in notes)
    async with desk.sessionmaker() as session:
        user = await session.get(User, USER_ID)
    assert user is not None and user.is_blocked


async def test_back_to_the_bot_with_the_command_or_the_button(desk: Harness) -> None:
    ticket, _ = await escalated(desk)
    await desk.send("/bot")
    assert "back with the bot" in desk.to_user()[-1]
    assert (await ticket_of(desk)).status == TicketStatus.CLOSED
    assert "went back to the bot" in desk.to_group()[-1]
    # The menu button opens a new ticket (a while later); its button brings the user back.
    await a_while_later(desk)
    menu = MenuCallback(action=MenuAction.HUMAN).pack()
    await desk.send("/start")
    start = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert start is not None
    await desk.press(menu, start.message_id)
    second = await ticket_of(desk)
    assert second.id != ticket.id and second.status == TicketStatus.OPEN
    # One topic per user: the new ticket goes on in the same topic, reopened, with a new card.
    assert second.topic_id == ticket.topic_id and len(desk.session.calls(CreateForumTopic)) == 1
    assert desk.session.calls(ReopenForumTopic)
    assert second.card_message_id not in (None, ticket.card_message_id)
    notice = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert notice is not None
    await desk.press(BackToBotCallback().pack(), notice.message_id)
    assert (await ticket_of(desk)).status == TicketStatus.CLOSED
    await desk.send("/bot")
    assert "talking to the bot already" in desk.to_user()[-1]


async def test_out_of_hours_the_bot_says_when_and_asks_for_an_email(desk: Harness) -> None:
    desk.rebuild(business_hours=NEVER_OPEN)
    await escalated(desk)
    notice = desk.to_user()[-1]
    assert "Our team is off now" in notice and "e-mail" in notice
    await desk.send("tess@example.com")
    assert desk.to_user()[-1].startswith("Thank you, we will write")
    stored = await ticket_of(desk)
    assert stored.contact_email == "tess@example.com" and not stored.asked_email
    assert desk.copies(GROUP)  # the agents see it too


async def test_russian_user_in_russian_and_the_faq_button_escalates(desk: Harness) -> None:
    await desk.send("/start", language_code="ru")
    menu = desk.session.latest_message(USER_ID, with_keyboard=True)
    assert menu is not None
    await desk.press(ActionCallback(action="human").pack(), menu.message_id, language_code="ru")
    assert "Я передал наш разговор команде" in desk.to_user()[-1]
    assert (await ticket_of(desk)).status == TicketStatus.OPEN


async def test_frustration_and_incidents_escalate_before_the_faq(desk: Harness) -> None:
    await desk.send("Our production is down!")
    ticket = await ticket_of(desk)
    assert ticket.priority == TicketPriority.URGENT and ticket.reason == "incident"
    assert "Our production is down!" in desk.card().text
    await desk.send("THIS BOT IS COMPLETELY USELESS", user_id=555, first_name="Ann")
    async with desk.sessionmaker() as session:
        frustrated = await session.scalar(select(Ticket).where(Ticket.user_id == 555))
    assert frustrated is not None and frustrated.reason == "frustration"
    assert frustrated.priority == TicketPriority.HIGH


async def test_urgent_tickets_need_a_senior(desk: Harness) -> None:
    await desk.send("Our production is down!")
    ticket = await ticket_of(desk)
    card = desk.session.latest_message(GROUP, with_keyboard=True)
    assert card is not None
    await desk.press(claim_data(ticket), card.message_id, who=ALICE)
    assert desk.session.calls("answerCallbackQuery")[-1].text == (  # type: ignore[attr-defined]
        "Urgent tickets are taken by senior agents."
    )
    await desk.press(claim_data(ticket), card.message_id, who=SENIOR)
    assert (await ticket_of(desk)).status == TicketStatus.CLAIMED


async def test_without_an_agents_group_the_ticket_is_kept_and_the_user_asked_for_an_email(
    desk: Harness,
) -> None:
    desk.rebuild(desk_settings(None))
    await desk.send("/human")
    await desk.send("tess@example.com")
    assert "e-mail" in desk.to_user()[0]
    assert desk.to_user()[1].startswith("Thank you, we will write")
    assert (await ticket_of(desk)).contact_email == "tess@example.com"
    assert not desk.session.calls(CopyMessage) and not desk.session.calls(CreateForumTopic)


async def test_a_new_ticket_whose_old_topic_was_deleted_gets_a_new_topic(desk: Harness) -> None:
    ticket, _ = await escalated(desk)
    await desk.send("/bot")
    deleted = ticket.topic_id
    original = desk.session.responders["sendMessage"]

    def send(call: ApiCall) -> Any:
        if call.params.get("message_thread_id") == deleted:
            raise ApiError("Bad Request: message thread not found")
        return original(call)

    desk.session.responders["sendMessage"] = send
    await a_while_later(desk)
    await desk.send("/human")
    second = await ticket_of(desk)
    assert len(desk.session.calls(CreateForumTopic)) == 2
    assert second.topic_id not in (None, deleted) and second.card_message_id is not None


async def test_asking_for_a_human_mid_intake_leaves_the_intake(desk: Harness) -> None:
    await desk.send("/start intake")
    assert desk.to_user()  # the wizard's first step
    await desk.send("/human")
    desk.session.clear()
    await desk.send("Kubernetes on AWS, about 50k")
    assert len(desk.copies(GROUP)) == 1 and desk.to_user() == []
    await desk.send("/bot")
    await desk.send("/cancel")
    assert desk.to_user()[-1].startswith("There's nothing to cancel")  # no intake left behind


async def test_a_failing_cosmetic_call_does_not_stop_the_hand_off(desk: Harness) -> None:
    """Topic icons and title edits are decoration: when Telegram refuses them, the ticket's
    card still reaches the agents and the user hears that it did."""

    def refuse(_call: ApiCall) -> Any:
        raise ApiError("Internal Server Error", code=500)

    desk.session.responders["getForumTopicIconStickers"] = refuse
    desk.session.responders["editForumTopic"] = refuse
    await desk.send("/human")
    assert "passed our conversation to our team" in desk.to_user()[-1]
    assert "Ticket #1" in desk.card().text
