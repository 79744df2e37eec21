"""/admin broadcast: refused to anyone without the admin role (the buttons too), a preview of
exactly what people get with the number of recipients, Cancel sends nothing, Send reaches the
segment once each and skips the opted-out, blocked, banned and forgotten, the opt-out button
and /unsubscribe, /subscribe, 429 waited out, 403 marked, a restart (and a crash) resumed from
the cursor, one replica at a time, and the pacing on a fake clock."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import MessageEntity
from sqlalchemy import select, update

from bot.broadcast.pacing import SLICE, Pacer
from bot.broadcast.runner import LEASE_KEY, BroadcastRunner, Round
from bot.config import load_settings
from bot.kernel.kv import MemoryLeases
from bot.telegram.offline_session import ApiCall, ApiError
from db.base import utcnow
from db.models import Agent, AgentRole, Broadcast, BroadcastStatus, Lead, LeadStatus, User
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID

ADMIN_ID = 5005
# People who wrote to the bot, besides the admin and USER_ID.
ANN, BEN, CAT, DAN, EVE = 2001, 2002, 2003, 2004, 2005
STOP = "🔕 Stop these messages"


class FakeClock:
    """time.monotonic and asyncio.sleep for the sender: sleeping moves the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def runner_for(harness: Harness, clock: FakeClock, **kwargs: object) -> BroadcastRunner:
    return BroadcastRunner(
        harness.sessionmaker, harness.knowledge.i18n, 30, clock=clock, sleep=clock.sleep,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def admin(harness: Harness, clock: FakeClock) -> Harness:
    harness.rebuild(
        load_settings(telegram={"admin_ids": [ADMIN_ID]}),
        broadcasts=runner_for(harness, clock, batch=2),
    )
    return harness


def runner(harness: Harness) -> BroadcastRunner:
    found: BroadcastRunner = harness.dp["broadcasts"]
    return found


async def people(harness: Harness, *ids: int) -> None:
    """Each writes to the bot (their row is made the way it always is)."""
    for user_id in ids:
        await harness.send("/help", user_id=user_id, username=f"user{user_id}")


async def as_admin(harness: Harness, text: str, user_id: int = ADMIN_ID) -> str:
    await harness.send(text, user_id=user_id, username="boss")
    return harness.session.sent_texts(user_id)[-1]


async def press(harness: Harness, button: str, user_id: int = ADMIN_ID) -> tuple[str, int]:
    """The admin presses a button of the last message with a keyboard in their chat; returns
    the button's data and the message's id, to press it again."""
    (row,) = harness.session.last_keyboard(user_id)
    data = dict(row)[button]
    message = harness.session.latest_message(user_id, with_keyboard=True)
    assert data is not None and message is not None
    await harness.press(data, message.message_id, user_id=user_id, username="boss")
    return data, message.message_id


async def broadcasts_in(harness: Harness) -> list[Broadcast]:
    async with harness.sessionmaker() as session:
        return list((await session.scalars(select(Broadcast).order_by(Broadcast.id))).all())


def received(harness: Harness, user_id: int, text: str) -> int:
    """How many messages with `text` (as shown, formatting parsed) the bot left in the chat."""
    return sum(
        1
        for message in harness.session.messages_in(user_id)
        if message.text == text and message.from_user is not None and message.from_user.is_bot
    )


async def set_user(harness: Harness, user_id: int, **values: object) -> None:
    async with harness.sessionmaker() as session:
        await session.execute(update(User).where(User.id == user_id).values(**values))
        await session.commit()


async def add_agent(harness: Harness, telegram_id: int, role: AgentRole) -> None:
    async with harness.sessionmaker() as session:
        session.add(Agent(telegram_id=telegram_id, name=f"agent {telegram_id}", role=role))
        await session.commit()


async def add_lead(harness: Harness, user_id: int, status: LeadStatus) -> None:
    async with harness.sessionmaker() as session:
        session.add(Lead(user_id=user_id, status=status, name="Lead"))
        await session.commit()


async def send_all(harness: Harness, text: str, segment: str = "all") -> None:
    """The whole flow: the command, the text, Send, and the sender until it is done."""
    await as_admin(harness, f"/admin broadcast {segment}")
    await as_admin(harness, text)
    await press(harness, "📣 Send")
    await runner(harness).wait()


@pytest.mark.parametrize("role", [None, AgentRole.AGENT, AgentRole.SENIOR])
@pytest.mark.parametrize("command", ["/admin broadcast all", "/admin broadcast all Big news"])
async def test_everyone_without_the_admin_role_is_refused(
    admin: Harness, role: AgentRole | None, command: str
) -> None:
    await people(admin, ANN)
    if role is not None:
        await add_agent(admin, USER_ID, role)
    await admin.send(command)
    assert admin.to_user()[-1] == "Sorry, this command is for admins only."
    await admin.send("Big news")  # not taken as a broadcast's text
    assert await broadcasts_in(admin) == []
    assert received(admin, ANN, "Big news") == 0


async def test_the_buttons_check_the_role_again(admin: Harness) -> None:
    await add_agent(admin, 3003, AgentRole.ADMIN)
    await people(admin, ANN)
    await as_admin(admin, "/admin broadcast all Big news", user_id=3003)
    async with admin.sessionmaker() as session:
        await session.execute(update(Agent).values(role=AgentRole.AGENT))
        await session.commit()
    await press(admin, "📣 Send", user_id=3003)
    (draft,) = await broadcasts_in(admin)
    assert draft.status is BroadcastStatus.DRAFT
    refusal = admin.session.calls(AnswerCallbackQuery)[-1]
    assert refusal.text == "Sorry, this command is for admins only." and refusal.show_alert
    await runner(admin).wait()
    assert received(admin, ANN, "Big news") == 0


@pytest.mark.parametrize(
    "command", ["/admin broadcast", "/admin broadcast vips", "/admin broadcast <b>x</b> hi"]
)
async def test_a_wrong_segment_gets_the_usage(admin: Harness, command: str) -> None:
    reply = await as_admin(admin, command)
    assert reply.startswith("Usage: /admin broadcast SEGMENT [text]")
    assert await broadcasts_in(admin) == []


async def test_the_preview_is_what_people_get_with_how_many(admin: Harness) -> None:
    await people(admin, ANN, BEN, CAT, DAN, EVE)
    await set_user(admin, BEN, broadcast_opt_out=True)
    await set_user(admin, CAT, is_blocked=True)
    await as_admin(admin, "/admin ban 2004 forever")
    await set_user(admin, EVE, forget_requested_at=utcnow())

    asked = await as_admin(admin, "/admin broadcast all")
    assert asked.startswith("✍️ Send me the message for everyone")
    bold = {"type": "bold", "offset": 0, "length": 3}
    await admin.send("Big <news> & more", user_id=ADMIN_ID, extra={"entities": [bold]})
    preview, confirm = admin.session.sent_texts(ADMIN_ID)[-2:]
    assert preview == "<b>Big</b> &lt;news&gt; &amp; more"
    # USER_ID is nobody here; Ann and the admin themselves are who is left.
    assert confirm == (
        "☝️ That is the preview: exactly what 2 people in everyone will get. Send it?"
    )
    preview_call = admin.session.calls(SendMessage)[-2]
    assert preview_call.reply_markup is not None
    assert [[b.text for b in row] for row in preview_call.reply_markup.inline_keyboard] == [[STOP]]
    (draft,) = await broadcasts_in(admin)
    assert (draft.status, draft.planned, draft.text) == (BroadcastStatus.DRAFT, 2, preview)


async def test_cancel_sends_nothing(admin: Harness) -> None:
    await people(admin, ANN)
    await as_admin(admin, "/admin broadcast all Big news")
    data, message_id = await press(admin, "Cancel")
    assert admin.session.sent_texts(ADMIN_ID)[-1] == "Cancelled: nothing was sent."
    (draft,) = await broadcasts_in(admin)
    assert draft.status is BroadcastStatus.CANCELLED
    await runner(admin).run(admin.bot)
    assert received(admin, ANN, "Big news") == 0
    # A Send pressed on a cancelled preview (a forged or replayed press) queues nothing.
    await admin.press(data.replace("cancel", "send"), message_id, user_id=ADMIN_ID)
    assert (
        admin.session.sent_texts(ADMIN_ID)[-1] == "This broadcast was sent or cancelled already."
    )
    assert (await broadcasts_in(admin))[0].status is BroadcastStatus.CANCELLED


async def test_send_reaches_the_segment_once_each_and_skips_who_must_not_get_it(
    admin: Harness, clock: FakeClock
) -> None:
    await people(admin, ANN, BEN, CAT, DAN, EVE)
    await set_user(admin, CAT, is_blocked=True)
    await as_admin(admin, "/admin ban 2004 forever")
    await set_user(admin, EVE, forget_requested_at=utcnow())
    await as_admin(admin, "/admin broadcast all")
    await as_admin(admin, "Big news")
    await set_user(admin, BEN, broadcast_opt_out=True)  # after the preview counted them
    data, message_id = await press(admin, "📣 Send")
    assert admin.session.sent_texts(ADMIN_ID)[-1] == (
        "📣 Broadcast #1 is on its way to 3 people. I will send you a summary when it is done."
    )
    await runner(admin).wait()

    assert received(admin, ANN, "Big news") == 1
    assert received(admin, USER_ID, "Big news") == 0  # never wrote in this test
    for user_id in (BEN, CAT, DAN, EVE):
        assert received(admin, user_id, "Big news") == 0
    assert received(admin, ADMIN_ID, "Big news") == 2  # the preview, and as one of "all"
    assert admin.session.sent_texts(ADMIN_ID)[-1] == (
        "📣 Broadcast #1 to everyone is done: 2 sent, 0 failed, 0 had blocked the bot, "
        "1 opted out."
    )
    (done,) = await broadcasts_in(admin)
    assert done.status is BroadcastStatus.DONE and done.last_user_id == ADMIN_ID
    # Pressed again: nothing more goes.
    await admin.press(data, message_id, user_id=ADMIN_ID)
    assert admin.to_user(ADMIN_ID)[-1] == "This broadcast was sent or cancelled already."
    await runner(admin).wait()
    assert received(admin, ANN, "Big news") == 1


async def test_leads_and_clients(admin: Harness) -> None:
    await people(admin, ANN, BEN, CAT)
    await add_lead(admin, ANN, LeadStatus.NEW)
    await add_lead(admin, BEN, LeadStatus.WON)
    await add_lead(admin, BEN, LeadStatus.LOST)
    confirm = await as_admin(admin, "/admin broadcast leads For leads")
    assert "exactly what 2 people in people with a lead will get" in confirm
    await press(admin, "📣 Send")
    await runner(admin).wait()
    assert [received(admin, u, "For leads") for u in (ANN, BEN, CAT)] == [1, 1, 0]

    confirm = await as_admin(admin, "/admin broadcast CLIENTS For <i>clients</i>")
    assert "exactly what 1 person in clients will get" in confirm
    await press(admin, "📣 Send")
    await runner(admin).wait()
    text = "For <i>clients</i>"  # typed, not formatted: shown as typed
    assert [received(admin, u, text) for u in (ANN, BEN, CAT)] == [0, 1, 0]


async def test_nobody_in_the_segment(admin: Harness) -> None:
    reply = await as_admin(admin, "/admin broadcast clients Hello")
    assert reply == "Nobody in clients can get a broadcast right now: nothing to send."
    assert await broadcasts_in(admin) == []


async def test_a_command_instead_of_the_text_drops_the_broadcast(admin: Harness) -> None:
    await as_admin(admin, "/admin broadcast all")
    await admin.send("/help", user_id=ADMIN_ID)
    dropped, help_text = admin.session.sent_texts(ADMIN_ID)[-2:]
    assert dropped == "The broadcast is dropped; nothing was sent."
    assert "/start" in help_text
    await as_admin(admin, "/admin broadcast all")
    assert await as_admin(admin, "/cancel") == "The broadcast is dropped; nothing was sent."
    await as_admin(admin, "Just a question")  # an ordinary message again
    assert await broadcasts_in(admin) == []


async def test_only_text_can_be_broadcast(admin: Harness) -> None:
    await as_admin(admin, "/admin broadcast all")
    photo = {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}]}
    await admin.send(None, user_id=ADMIN_ID, extra=photo)
    assert admin.to_user(ADMIN_ID)[-1] == (
        "Only a text message can be broadcast. Send the text, or /cancel."
    )
    await as_admin(admin, "Now the text")  # still waiting for it
    assert "exactly what 1 person in everyone will get" in admin.to_user(ADMIN_ID)[-1]


async def test_the_stop_button_and_the_commands(admin: Harness) -> None:
    await people(admin, ANN, BEN)
    await send_all(admin, "First news")
    message = admin.session.latest_message(ANN, with_keyboard=True)
    assert message is not None and message.text == "First news"
    await admin.press("bc-stop", message.message_id, user_id=ANN)
    assert admin.to_user(ANN)[-1] == (
        "🔕 Done: you will not get these messages any more. /subscribe brings them back."
    )
    assert admin.session.message(ANN, message.message_id).reply_markup is None  # type: ignore[union-attr]
    await admin.send("/unsubscribe", user_id=BEN)
    assert admin.to_user(BEN)[-1].startswith("🔕 Done")
    await admin.send("/unsubscribe", user_id=BEN)
    assert admin.to_user(BEN)[-1].startswith("You do not get these messages already")

    await send_all(admin, "Second news")
    assert received(admin, ANN, "Second news") == received(admin, BEN, "Second news") == 0
    assert admin.to_user(ADMIN_ID)[-1].endswith("2 opted out.")

    await admin.send("/subscribe", user_id=ANN, language_code="ru")
    assert admin.to_user(ANN)[-1] == (
        "🔔 Вы снова будете получать наши новости. /unsubscribe отключит их."
    )
    await send_all(admin, "Third news")
    assert received(admin, ANN, "Third news") == 1
    ru = admin.session.latest_message(ANN, with_keyboard=True)
    assert ru is not None and ru.reply_markup is not None
    assert ru.reply_markup.inline_keyboard[0][0].text == "🔕 Не присылать такие сообщения"


async def test_a_flood_wait_is_waited_out_and_the_person_gets_it_once(
    admin: Harness, clock: FakeClock
) -> None:
    await people(admin, ANN, BEN, CAT)
    send = admin.session.responders["sendMessage"]
    refusals = [ApiError("Too Many Requests: retry after 7", 429, retry_after=7)]

    def flood_once_for_ben(call: ApiCall) -> object:
        if call.chat_id() == BEN and refusals:
            raise refusals.pop()
        return send(call)

    admin.session.responders["sendMessage"] = flood_once_for_ben
    await send_all(admin, "Big news")
    assert refusals == []
    assert [received(admin, u, "Big news") for u in (ANN, BEN, CAT)] == [1, 1, 1]
    # Waited out in slices, looking between them whether to give up.
    assert sum(seconds for seconds in clock.slept if seconds > 1) == pytest.approx(7)
    assert max(clock.slept) <= SLICE
    assert admin.to_user(ADMIN_ID)[-1].startswith(
        "📣 Broadcast #1 to everyone is done: 4 sent, 0 failed, 0 had blocked the bot"
    )


async def test_who_blocked_the_bot_is_marked_and_the_rest_still_get_it(admin: Harness) -> None:
    await people(admin, ANN, BEN, CAT)
    send = admin.session.responders["sendMessage"]

    def ben_blocked(call: ApiCall) -> object:
        if call.chat_id() == BEN:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return send(call)

    admin.session.responders["sendMessage"] = ben_blocked
    await send_all(admin, "Big news")
    assert [received(admin, u, "Big news") for u in (ANN, CAT)] == [1, 1]
    assert "3 sent, 0 failed, 1 had blocked the bot" in admin.to_user(ADMIN_ID)[-1]
    async with admin.sessionmaker() as session:
        ben = await session.get(User, BEN)
        assert ben is not None and ben.is_blocked


async def test_a_refusal_counts_as_failed(admin: Harness) -> None:
    await people(admin, ANN, BEN)
    send = admin.session.responders["sendMessage"]

    def no_chat(call: ApiCall) -> object:
        if call.chat_id() == ANN:
            raise ApiError("Bad Request: chat not found")
        return send(call)

    admin.session.responders["sendMessage"] = no_chat
    await send_all(admin, "Big news")
    assert "2 sent, 1 failed, 0 had blocked the bot, 0 opted out" in admin.to_user(ADMIN_ID)[-1]


async def _queued(harness: Harness, text: str) -> Broadcast:
    await as_admin(harness, f"/admin broadcast all {text}")
    (draft,) = await broadcasts_in(harness)
    async with harness.sessionmaker() as session:
        await session.execute(
            update(Broadcast).where(Broadcast.id == draft.id).values(status=BroadcastStatus.QUEUED)
        )
        await session.commit()
    return draft


EVERYONE = (ANN, BEN, CAT, DAN, EVE, 2006, 2007)


async def test_a_restart_goes_on_from_the_cursor_and_sends_nobody_twice(
    admin: Harness, clock: FakeClock
) -> None:
    await people(admin, *EVERYONE)
    await _queued(admin, "Big news")
    first = runner_for(admin, clock, batch=3)
    send = admin.session.responders["sendMessage"]
    sent: list[int] = []

    def stop_after_four(call: ApiCall) -> object:
        answer = send(call)
        sent.append(call.chat_id())
        if len(sent) == 4:
            first.request_stop()  # SIGTERM: the sender finishes this person and commits
        return answer

    admin.session.responders["sendMessage"] = stop_after_four
    await first.run(admin.bot)
    assert sent == [ANN, BEN, CAT, DAN]
    (paused,) = await broadcasts_in(admin)
    assert (paused.status, paused.last_user_id, paused.sent_count) == (
        BroadcastStatus.SENDING, DAN, 4
    )  # fmt: skip

    # The next process: resumed at start, from the cursor.
    admin.rebuild(broadcasts=runner_for(admin, clock, batch=3))
    await admin.dp.emit_startup(bot=admin.bot, **admin.dp.workflow_data)
    await runner(admin).wait()
    assert [received(admin, u, "Big news") for u in EVERYONE] == [1] * len(EVERYONE)
    assert admin.to_user(ADMIN_ID)[-1].startswith("📣 Broadcast #1 to everyone is done: 8 sent")


class Crash(BaseException):
    """The process dies where it stands: nothing after the last commit is kept."""


async def test_a_crash_repeats_at_most_the_uncommitted_batch(
    admin: Harness, clock: FakeClock
) -> None:
    await people(admin, *EVERYONE)
    await _queued(admin, "Big news")
    send = admin.session.responders["sendMessage"]
    sent: list[int] = []

    def crash_at_the_sixth(call: ApiCall) -> object:
        if len(sent) == 5:
            raise Crash
        sent.append(call.chat_id())
        return send(call)

    admin.session.responders["sendMessage"] = crash_at_the_sixth
    with pytest.raises(Crash):
        await runner_for(admin, clock, batch=3).run(admin.bot)
    (crashed,) = await broadcasts_in(admin)
    assert crashed.last_user_id == CAT  # the first batch (Ann, Ben, Cat) was committed

    admin.session.responders["sendMessage"] = send
    await runner_for(admin, clock, batch=3).run(admin.bot)
    counts = {u: received(admin, u, "Big news") for u in (*EVERYONE, ADMIN_ID)}
    # Dan and Eve were reached in the batch the crash lost: they get it again; nobody else
    # (the admin's two are the preview and theirs).
    assert counts == {ANN: 1, BEN: 1, CAT: 1, DAN: 2, EVE: 2, 2006: 1, 2007: 1, ADMIN_ID: 2}
    (done,) = await broadcasts_in(admin)
    assert (done.status, done.sent_count) == (BroadcastStatus.DONE, 8)


async def test_one_replica_sends_at_a_time(admin: Harness, clock: FakeClock) -> None:
    await people(admin, ANN)
    await _queued(admin, "Big news")
    leases = MemoryLeases(clock=clock)
    assert await leases.take(LEASE_KEY, "other replica", 120)  # another replica is sending
    here = runner_for(admin, clock, leases=leases)
    assert await here.run_round(admin.bot) is Round.WAITING
    assert received(admin, ANN, "Big news") == 0
    clock.now += 121  # that replica is gone: its lease ran out
    assert await here.run_round(admin.bot) is Round.WORKED
    assert received(admin, ANN, "Big news") == 1
    assert await here.run_round(admin.bot) is Round.IDLE
    assert await leases.take(LEASE_KEY, "other replica", 120)  # given back after the round


async def test_sends_are_paced_at_thirty_a_second(admin: Harness, clock: FakeClock) -> None:
    """Sixty people in one broadcast: on the sender's clock no second holds more than 30."""
    async with admin.sessionmaker() as session:
        for user_id in range(3000, 3060):
            session.add(User(id=user_id, first_name="P", language="en"))
        await session.commit()
    await _queued(admin, "Big news")
    send = admin.session.responders["sendMessage"]
    moments: list[float] = []

    def timed(call: ApiCall) -> object:
        moments.append(clock.now)
        return send(call)

    admin.session.responders["sendMessage"] = timed
    await runner_for(admin, clock).run(admin.bot)
    broadcast = moments[:-1]  # the last one is the admin's summary
    assert len(broadcast) == 61  # the sixty and the admin
    assert max(sum(1 for m in broadcast if start <= m < start + 1) for start in broadcast) == 30
    assert broadcast[-1] - broadcast[0] == pytest.approx(2.0)


async def test_pacer_spaces_sends_and_holds_them_through_a_flood_wait(clock: FakeClock) -> None:
    pacer = Pacer(30, clock, clock.sleep)
    moments = []
    for _ in range(90):
        await pacer.wait()
        moments.append(clock.now)
    assert moments[0] == 1000.0 and moments[-1] == pytest.approx(1000.0 + 89 / 30)
    assert max(sum(1 for m in moments if start <= m < start + 1) for start in moments) == 30
    clock.now += 10  # idle for a while: no burst of "saved up" sends afterwards
    await pacer.wait()
    await pacer.wait()
    assert clock.now == pytest.approx(moments[-1] + 10 + 1 / 30)
    pacer.hold(5)  # a 429's retry_after
    start = clock.now
    await pacer.wait()
    assert clock.now == pytest.approx(start + 5)
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


async def test_the_text_in_the_command_keeps_its_lines_and_formatting(admin: Harness) -> None:
    update = admin.session.make_message_update(
        "/admin broadcast all\nBig news\nline two", user_id=ADMIN_ID
    )
    assert update.message is not None and update.message.entities is not None
    bold = MessageEntity(type="bold", offset=0, length=24)  # from the command into "Big"
    message = update.message.model_copy(update={"entities": [*update.message.entities, bold]})
    await admin.feed(update.model_copy(update={"message": message}))
    preview, confirm = admin.session.sent_texts(ADMIN_ID)[-2:]
    assert preview == "<b>Big</b> news\nline two"
    assert "exactly what 1 person in everyone will get" in confirm


async def test_the_stop_button_of_an_old_message_still_works(admin: Harness) -> None:
    await people(admin, ANN)
    await admin.press("bc-stop", 9999, user_id=ANN)  # older than 48 h: inaccessible
    assert admin.to_user(ANN)[-1].startswith("🔕 Done: you will not get these messages")
    async with admin.sessionmaker() as session:
        ann = await session.get(User, ANN)
        assert ann is not None and ann.broadcast_opt_out


async def test_stop_halts_the_broadcast_being_sent(admin: Harness, clock: FakeClock) -> None:
    await people(admin, *EVERYONE)
    assert await as_admin(admin, "/admin broadcast stop") == (
        "No broadcast is being sent right now."
    )
    await _queued(admin, "Big news")
    sleeps = 0

    async def stop_in_the_second_batch(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await clock.sleep(seconds)
        if sleeps == 3:  # Ann, Ben and Cat are committed; Dan is next
            reply = await as_admin(admin, "/admin broadcast stop")
            assert reply == "⏹ Broadcast #1 is stopped: 3 sent so far."

    sender = BroadcastRunner(admin.sessionmaker, admin.knowledge.i18n, 30, clock=clock,
                             sleep=stop_in_the_second_batch, batch=3)  # fmt: skip
    await sender.run(admin.bot)
    # The batch that was out when it stopped is finished and counted; nobody after it.
    assert [received(admin, u, "Big news") for u in EVERYONE] == [1] * 6 + [0]
    assert admin.to_user(ADMIN_ID)[-1] == (
        "⏹ Broadcast #1 to everyone was stopped: 6 sent, 0 failed, 0 had blocked the bot, "
        "0 opted out."
    )
    (stopped,) = await broadcasts_in(admin)
    assert (stopped.status, stopped.sent_count) == (BroadcastStatus.CANCELLED, 6)


async def test_who_blocked_the_bot_and_writes_again_gets_the_next_broadcast(
    admin: Harness,
) -> None:
    """A 403 marks them blocked; a message (or a button pressed) from them later means they
    unblocked the bot: the flag goes, and broadcasts reach them again."""
    await people(admin, ANN, BEN, CAT)
    send = admin.session.responders["sendMessage"]
    blocked = {ANN, BEN}

    def they_blocked(call: ApiCall) -> object:
        if call.chat_id() in blocked:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return send(call)

    admin.session.responders["sendMessage"] = they_blocked
    await send_all(admin, "First news")
    assert "1 had blocked the bot" not in admin.to_user(ADMIN_ID)[-1]
    assert "2 had blocked the bot" in admin.to_user(ADMIN_ID)[-1]
    blocked.clear()  # both unblock the bot

    await admin.send("Hello again", user_id=ANN)
    answer = admin.session.latest_message(BEN)  # the bot's answer to their /help
    assert answer is not None
    await admin.press("menu:home", answer.message_id, user_id=BEN)
    async with admin.sessionmaker() as session:
        for user_id in (ANN, BEN):
            user = await session.get(User, user_id)
            assert user is not None and not user.is_blocked, user_id
    await send_all(admin, "Second news")
    assert [received(admin, u, "Second news") for u in (ANN, BEN, CAT)] == [1, 1, 1]


async def test_a_stop_during_a_long_flood_wait_ends_the_sender_at_once(admin: Harness) -> None:
    """SIGTERM while every send waits out a 429 of a minute: the sender stops within the
    shutdown's grace instead of being cancelled, and the person it waited for is left for the
    next start (nobody twice)."""
    await people(admin, ANN, BEN, CAT)
    await _queued(admin, "Big news")
    send = admin.session.responders["sendMessage"]
    flooded = asyncio.Event()

    def flood_for_ben(call: ApiCall) -> object:
        if call.chat_id() == BEN and not flooded.is_set():
            flooded.set()
            raise ApiError("Too Many Requests: retry after 60", 429, retry_after=60)
        return send(call)

    admin.session.responders["sendMessage"] = flood_for_ben
    real = BroadcastRunner(admin.sessionmaker, admin.knowledge.i18n, 30, batch=2)
    real.start(admin.bot)
    await asyncio.wait_for(flooded.wait(), 10)
    started = time.monotonic()
    await real.stop(grace=30)
    assert time.monotonic() - started < 2
    await real.wait()  # it ended by itself: a cancelled sender would raise here
    assert [received(admin, u, "Big news") for u in (ANN, BEN, CAT)] == [1, 0, 0]
    (paused,) = await broadcasts_in(admin)
    assert (paused.status, paused.last_user_id, paused.sent_count) == (
        BroadcastStatus.SENDING, ANN, 1
    )  # fmt: skip

    admin.rebuild(broadcasts=BroadcastRunner(admin.sessionmaker, admin.knowledge.i18n, 30))
    await admin.dp.emit_startup(bot=admin.bot, **admin.dp.workflow_data)
    await runner(admin).wait()
    assert [received(admin, u, "Big news") for u in (ANN, BEN, CAT)] == [1, 1, 1]
