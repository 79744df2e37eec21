"""The agents' side: templates, release and transfer, history, the copilot, /admin agent, the
silent-agent release job, the hot-lead hand-off, HTML escaping, and every command refusing
people without the role."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import (
    CopyMessage,
    CreateForumTopic,
    EditForumTopic,
    EditMessageText,
    SendMessage,
)
from sqlalchemy import select

from bot.desk.assistant import Line
from bot.desk.jobs import release_silent_tickets
from bot.desk.keyboards import DraftAction, DraftCallback, TicketAction, TicketCallback
from bot.intake.handover import HandoverMiddleware, LeadHandover
from bot.scheduler import JobContext
from bot.telegram.offline_session import topic_icon_stickers
from db.base import utcnow
from db.models import (
    Agent,
    AgentRole,
    Attachment,
    AuditLog,
    DeskDraft,
    Lead,
    LeadScore,
    Ticket,
    User,
)
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ADMIN, ALICE, BOB, GROUP, SENIOR, STRANGER, desk_settings
from tests.fakes.recording import USER_ID
from tests.fakes.uploads import EXE, PDF, file_update

NASTY = "<b>Ann & </i>"


async def open_ticket(desk: Harness) -> tuple[Ticket, int]:
    await desk.send("Do you do CI/CD?", first_name=NASTY, language_code="ru")
    await desk.send("/human", first_name=NASTY, language_code="ru")
    async with desk.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket))
    card = desk.session.latest_message(GROUP, with_keyboard=True)
    assert ticket is not None and card is not None
    return ticket, card.message_id


async def reload(desk: Harness, ticket: Ticket) -> Ticket:
    async with desk.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
    assert fresh is not None
    return fresh


def press_data(ticket: Ticket, action: TicketAction) -> str:
    return TicketCallback(action=action, ticket_id=ticket.id).pack()


async def test_card_and_title_escape_what_the_user_typed(desk: Harness) -> None:
    _, card_id = await open_ticket(desk)
    card = desk.card()
    assert "&lt;b&gt;Ann &amp; &lt;/i&gt;" in card.text
    stored = desk.session.message(GROUP, card_id)
    assert stored is not None and NASTY in (stored.text or "")  # parsed back to the plain name


async def test_templates_list_and_send_in_the_users_language_escaped(desk: Harness) -> None:
    ticket, card_id = await open_ticket(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    await desk.agent("/t", thread=ticket.topic_id)
    listing = desk.to_group()[-1]
    for name in ("greeting", "review", "scheduling", "pricing", "followup", "closing", "notfit",
                 "technical"):  # fmt: skip
        assert name in listing
    desk.session.clear()
    await desk.agent("/t greeting", thread=ticket.topic_id)
    (sent,) = [c for c in desk.session.calls(SendMessage) if str(c.chat_id) == str(USER_ID)]
    assert sent.text.startswith("Здравствуйте, &lt;b&gt;Ann &amp; &lt;/i&gt;!")
    assert "Alice Agent" in sent.text and "dev2production.tech" in sent.text
    assert "sent to the user" in desk.to_group()[-1]
    await desk.agent("/t nonsense", thread=ticket.topic_id)
    assert "No such template" in desk.to_group()[-1]
    assert (await reload(desk, ticket)).first_reply_at is not None


async def test_release_transfer_and_history(desk: Harness) -> None:
    ticket, card_id = await open_ticket(desk)
    await desk.send("my pipeline fails", first_name=NASTY, language_code="ru")
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    await desk.agent("/release", agent_id=ALICE, thread=ticket.topic_id)
    released = await reload(desk, ticket)
    assert released.status == "open" and released.claimed_by is None
    assert "released the ticket" in desk.to_group()[-1]
    await desk.agent("/transfer @bob_agent", agent_id=ALICE, thread=ticket.topic_id)
    async with desk.sessionmaker() as session:
        bob = await session.scalar(select(Agent).where(Agent.telegram_id == BOB))
        actions = (await session.scalars(select(AuditLog.action))).all()
    assert bob is not None and (await reload(desk, ticket)).claimed_by == bob.id
    assert "Bob Agent" in desk.session.calls(EditForumTopic)[-1].name  # type: ignore[operator]
    assert {"ticket.claim", "ticket.release", "ticket.transfer"} <= set(actions)
    await desk.agent("/transfer @nobody", agent_id=BOB, thread=ticket.topic_id)
    assert "not an active agent" in desk.to_group()[-1]
    await desk.press(press_data(ticket, TicketAction.HISTORY), card_id, who=BOB)
    history = desk.to_group()[-1]
    assert "History of ticket" in history and "my pipeline fails" in history


async def test_an_unclaimed_ticket_answered_is_claimed_and_others_cannot_answer(
    desk: Harness,
) -> None:
    ticket, _ = await open_ticket(desk)
    await desk.agent("Hi, Alice here", agent_id=ALICE, thread=ticket.topic_id)
    assert (await reload(desk, ticket)).status == "claimed"
    desk.session.clear()
    await desk.agent("Bob here too", agent_id=BOB, thread=ticket.topic_id)
    assert desk.copies(USER_ID) == []
    assert desk.to_group() == ["Already taken by Alice Agent."]


class FakeAssistant:
    def __init__(self) -> None:
        self.seen: list[Sequence[Line]] = []

    async def summarize(self, lines: Sequence[Line], **_: object) -> str | None:
        return "Wants <help> with CI & CD"

    async def draft_reply(self, lines: Sequence[Line], **_: object) -> str | None:
        self.seen.append(lines)
        return "Happy to help: <script> & co"


class SlowAssistant(FakeAssistant):
    def __init__(self) -> None:
        super().__init__()
        self.go_on = asyncio.Event()

    async def summarize(self, lines: Sequence[Line], **_: object) -> str | None:
        await self.go_on.wait()
        return "Wants a Kubernetes cluster"


async def test_the_card_goes_out_at_once_and_gets_its_summary_when_the_llm_answers(
    desk: Harness,
) -> None:
    assistant = SlowAssistant()
    desk.rebuild(desk_assistant=assistant)
    await desk.send("Do you do CI/CD?", first_name="Ann")
    update = desk.session.make_message_update("/human", first_name="Ann")
    await desk.dp.feed_update(desk.bot, update)  # no drain: the LLM has not answered yet

    card = desk.card()
    assert "Do you do CI/CD?" in card.text and "Kubernetes" not in card.text
    assert desk.session.sent_texts(USER_ID)  # the user was told what happens next
    assert not desk.session.calls(EditMessageText)
    assistant.go_on.set()
    await desk.dp.workflow_data["desk"].drain()
    (edit,) = desk.session.calls(EditMessageText)
    posted = desk.session.latest_message(GROUP, with_keyboard=True)
    assert posted is not None and edit.message_id == posted.message_id
    assert "Wants a Kubernetes cluster" in edit.text and "Ticket #1" in edit.text


async def test_the_copilot_drafts_and_the_agent_sends_edits_or_discards(desk: Harness) -> None:
    assistant = FakeAssistant()
    desk.rebuild(desk_assistant=assistant)
    ticket, card_id = await open_ticket(desk)
    (summarised,) = [e for e in desk.session.calls(EditMessageText) if e.message_id == card_id]
    assert "Wants &lt;help&gt; with CI &amp; CD" in summarised.text
    assert summarised.reply_markup == desk.card().reply_markup  # the card keeps its buttons
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    note = desk.session.latest_message(GROUP, with_keyboard=True)
    assert note is not None and "Suggested reply" in (note.text or "")
    assert "Happy to help: <script> & co" in (note.text or "")
    async with desk.sessionmaker() as session:
        draft = await session.scalar(select(DeskDraft))
    assert draft is not None
    desk.session.clear()
    await desk.press(
        DraftCallback(action=DraftAction.SEND, draft_id=draft.id).pack(),
        note.message_id,
        who=ALICE,
    )
    (sent,) = [c for c in desk.session.calls(SendMessage) if str(c.chat_id) == str(USER_ID)]
    assert sent.text == "Happy to help: &lt;script&gt; &amp; co"
    # Each new user message brings a new draft; Discard and Edit use them up.
    await desk.send("and what about costs?", first_name=NASTY, language_code="ru")
    assert len(assistant.seen) == 2
    for action in (DraftAction.DISCARD, DraftAction.EDIT):
        note = desk.session.latest_message(GROUP, with_keyboard=True)
        async with desk.sessionmaker() as session:
            draft = await session.scalar(select(DeskDraft).order_by(DeskDraft.id.desc()))
        assert note is not None and draft is not None
        await desk.press(
            DraftCallback(action=action, draft_id=draft.id).pack(), note.message_id, who=ALICE
        )
        if action == DraftAction.DISCARD:
            await desk.send("one more", first_name=NASTY, language_code="ru")
    assert "<code>" in desk.session.calls(SendMessage)[-1].text
    await desk.press(
        DraftCallback(action=DraftAction.SEND, draft_id=draft.id).pack(),
        note.message_id,
        who=ALICE,
    )
    assert desk.session.calls("answerCallbackQuery")[-1].text == (  # type: ignore[attr-defined]
        "This suggestion is no longer current."
    )


async def test_admin_manages_agents_with_roles_and_audit(desk: Harness) -> None:
    await desk.send("hi", user_id=4242, first_name="Nina", username="nina_ops")
    await desk.agent("/admin agent add @nina_ops senior", agent_id=ADMIN)
    assert desk.to_group()[-1] == "@nina_ops is now an agent (senior agent)."
    await desk.agent("/admin agent role @nina_ops admin", agent_id=ADMIN)
    await desk.agent("/admin agent add @ghost", agent_id=ADMIN)
    assert "I do not know @ghost" in desk.to_group()[-1]
    # Nina, now an admin, cannot make anyone a superadmin.
    await desk.agent("/admin agent add @alice_agent superadmin", agent_id=4242)
    assert desk.to_group()[-1] == "You cannot grant or change a role above your own."
    await desk.agent("/admin agent remove @nina_ops", agent_id=ADMIN)
    assert desk.to_group()[-1] == "@nina_ops is no longer an agent."
    await desk.agent("/admin agent role @nina_ops senior", agent_id=ADMIN)
    assert desk.to_group()[-1] == "@nina_ops is not an agent."  # removed: re-added with add
    await desk.agent("/admin agent role @nina_ops", agent_id=ADMIN)
    assert desk.to_group()[-1].startswith("Use: /admin agent add")
    await desk.agent("/admin agent frobnicate", agent_id=ADMIN)
    assert desk.to_group()[-1].startswith("Use: /admin agent add")
    async with desk.sessionmaker() as session:
        nina = await session.scalar(select(Agent).where(Agent.telegram_id == 4242))
        log = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert nina is not None and not nina.is_active and nina.role == AgentRole.ADMIN
    assert [(e.action, e.actor_id, e.target_id) for e in log] == [
        ("agent.add", ADMIN, 4242), ("agent.role", ADMIN, 4242), ("agent.remove", ADMIN, 4242),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        "/t",
        "/t greeting",
        "/release",
        "/transfer @alice_agent",
        "/close",
        "/admin agent add @alice_agent",
        "claim-button",
        "draft-button",
    ],
)
async def test_every_desk_command_refuses_people_without_the_role(
    desk: Harness, command: str
) -> None:
    ticket, card_id = await open_ticket(desk)
    before = await reload(desk, ticket)
    desk.session.clear()
    if command == "claim-button":
        await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=STRANGER)
        answer = desk.session.calls("answerCallbackQuery")[-1].text  # type: ignore[attr-defined]
        assert answer.startswith("Only agents can do this")
    elif command == "draft-button":
        data = DraftCallback(action=DraftAction.SEND, draft_id=1).pack()
        await desk.press(data, card_id, who=STRANGER)
        answer = desk.session.calls("answerCallbackQuery")[-1].text  # type: ignore[attr-defined]
        assert answer.startswith("Only agents can do this")
    elif command.startswith("/admin"):
        await desk.agent(command, agent_id=ALICE, thread=ticket.topic_id)  # an agent, not admin
        assert desk.to_group() == ["Sorry, this command is for admins only."]
    else:
        await desk.agent(command, agent_id=STRANGER, thread=ticket.topic_id)
        assert desk.to_group() == [
            "Only agents can do this. An admin can add you with /admin agent add."
        ]
    after = await reload(desk, ticket)
    assert (after.status, after.claimed_by) == (before.status, before.claimed_by)
    assert desk.to_user() == []


async def test_silent_agents_lose_their_tickets(desk: Harness) -> None:
    ticket, card_id = await open_ticket(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    context = JobContext(
        desk.bot, desk.settings, desk.sessionmaker, desk.knowledge.i18n, desk.dp["desk"]
    )
    assert await release_silent_tickets(context) == 0
    async with desk.sessionmaker() as session:
        stored = await session.get(Ticket, ticket.id)
        assert stored is not None
        stored.last_agent_activity_at = utcnow() - timedelta(minutes=61)
        await session.commit()
    assert await release_silent_tickets(context) == 1
    assert (await reload(desk, ticket)).claimed_by is None
    assert "was silent too long" in desk.to_group()[-1]
    assert "Alice Agent" not in desk.session.calls(EditForumTopic)[-1].name  # type: ignore[operator]


async def test_a_hot_lead_opens_a_ticket_through_the_lead_handover(desk: Harness) -> None:
    await desk.send("hello")
    async with desk.sessionmaker() as session:
        user = await session.get(User, USER_ID)
        assert user is not None
        lead = Lead(
            user_id=USER_ID,
            project_type="devops",
            budget="gt150k",
            timeline="urgent",
            name="Tess",
            score=LeadScore.HOT,
        )
        session.add(lead)
        await session.commit()
        middleware = HandoverMiddleware(
            LeadHandover(desk.settings, desk.sessionmaker, desk.knowledge.i18n)
        )
        data: dict[str, Any] = {"bot": desk.bot, "session": session, "desk": desk.dp["desk"]}

        async def handler(event: object, data: dict[str, Any]) -> None:
            await data["lead_handover"](lead=lead, user=user)

        await middleware(handler, object(), data)  # type: ignore[arg-type]
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and ticket.reason == "hot_lead" and ticket.priority == "high"
    card = desk.card()
    assert "Lead: hot · DevOps · $150K+ · Urgent" in card.text


async def test_only_the_holder_or_a_senior_works_a_claimed_ticket(desk: Harness) -> None:
    ticket, card_id = await open_ticket(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    for command in ("/close", "/release", "/t greeting", "/transfer @bob_agent"):
        await desk.agent(command, agent_id=BOB, thread=ticket.topic_id)
        assert desk.to_group()[-1] == "Already taken by Alice Agent."
    await desk.press(press_data(ticket, TicketAction.CLOSE), card_id, who=BOB)
    assert desk.to_group()[-1] == "Already taken by Alice Agent."
    assert (await reload(desk, ticket)).status == "claimed"
    await desk.agent("/close", agent_id=SENIOR, thread=ticket.topic_id)
    assert (await reload(desk, ticket)).status == "closed"


async def test_history_hides_a_user_who_asked_to_be_forgotten(desk: Harness) -> None:
    ticket, card_id = await open_ticket(desk)
    await desk.send("my pipeline fails")
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    async with desk.sessionmaker() as session:
        user = await session.get(User, USER_ID)
        assert user is not None
        user.forget_requested_at = utcnow()  # /forgetme confirmed
        await session.commit()
    await desk.press(press_data(ticket, TicketAction.HISTORY), card_id, who=ALICE)
    history = desk.to_group()[-1]
    assert "History of ticket" in history and "my pipeline fails" not in history


async def test_files_in_a_ticket_are_checked_before_they_reach_the_agents(
    desk: Harness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    desk.rebuild(desk_settings())
    ticket, _card_id = await open_ticket(desk)
    desk.session.clear()

    bad = file_update(desk.session, EXE, name="invoice.pdf.exe", caption="see this")
    await desk.feed(bad)
    assert desk.session.calls(CopyMessage) == []  # never relayed
    assert "Not accepted" in desk.to_user()[-1]

    good = file_update(desk.session, PDF, name="brief.pdf", caption="our brief")
    await desk.feed(good)
    [copy] = desk.session.calls(CopyMessage)
    assert str(copy.chat_id) == str(GROUP) and copy.message_thread_id == ticket.topic_id
    assert not any("went wrong" in text for text in desk.to_user())
    relayed = desk.session.latest_message(GROUP)
    assert relayed is not None and relayed.caption == "our brief"
    async with desk.sessionmaker() as session:
        [attachment] = (await session.scalars(select(Attachment))).all()
    assert attachment.file_name == "brief.pdf"
    assert (tmp_path / "files" / attachment.storage_path).read_bytes() == PDF


async def test_the_topic_icon_follows_the_ticket_state(desk: Harness) -> None:
    icons = {s["emoji"].replace("\ufe0f", ""): s["custom_emoji_id"] for s in topic_icon_stickers()}
    ticket, card_id = await open_ticket(desk)
    [created] = desk.session.calls(CreateForumTopic)
    assert created.icon_custom_emoji_id == icons["❗"]  # open
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    assert desk.session.calls(EditForumTopic)[-1].icon_custom_emoji_id == icons["⚡"]  # claimed
    await desk.agent("/close", agent_id=ALICE, thread=ticket.topic_id)
    assert desk.session.calls(EditForumTopic)[-1].icon_custom_emoji_id == icons["✅"]  # closed


async def test_already_taken_names_the_holder_safely(desk: Harness) -> None:
    ticket, card_id = await open_ticket(desk)
    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=ALICE)
    async with desk.sessionmaker() as session:
        alice = await session.scalar(select(Agent).where(Agent.telegram_id == ALICE))
        assert alice is not None
        alice.name = "Al <b>&"  # a Telegram name may hold anything
        await session.commit()
    desk.session.clear()

    await desk.press(press_data(ticket, TicketAction.CLAIM), card_id, who=BOB)
    [alert] = desk.session.calls("answerCallbackQuery")
    assert alert.text == "Already taken by Al <b>&."  # type: ignore[attr-defined]  # plain text

    await desk.agent("I can help too", agent_id=BOB, thread=ticket.topic_id)
    assert desk.to_group()[-1] == "Already taken by Al &lt;b&gt;&amp;."  # HTML, escaped
