"""Experiments through the dispatcher: people who ask the pricing question get the variant of
the answer their assignment gives (the texts differ), the bot's message row says which, and
`/admin experiments` counts the people and what they did after the answer, as the rows say;
a non-admin is refused. LLM answers use the person's prompt variant, and the LLM's fallback
shows the person's answer variant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.consult.consultant import prompt_experiments
from db.base import utcnow
from db.models import (
    Conversation,
    IntakeProgress,
    Lead,
    Message,
    SenderType,
    Ticket,
    TicketStatus,
    User,
)
from handlers.faq.keyboards import ActionCallback
from tests.dispatcher.harness import Harness, llm_settings
from tests.fakes.desk import ADMIN, desk_settings
from tests.fakes.longcat_server import FakeLongCat

QUESTION = "how much do you charge?"
INTENT = "pricing.overview"
EXPERIMENT = "faq.pricing.overview"
PEOPLE = range(3001, 3011)
CONSULT = "prompt.project_consultation"


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


async def ask(desk: Harness, person: int, language: str = "en") -> str:
    await desk.send(QUESTION, user_id=person, language_code=language)
    return desk.session.sent_texts(person)[-1]


async def as_admin(desk: Harness, text: str) -> list[str]:
    before = len(desk.session.sent_texts(ADMIN))
    await desk.send(text, user_id=ADMIN, username="boss")
    return desk.session.sent_texts(ADMIN)[before:]


async def estimate(desk: Harness, person: int) -> None:
    """The person taps "Get an estimate" under the answer: the intake starts."""
    answer = desk.session.latest_message(person, with_keyboard=True)
    assert answer is not None
    await desk.press(ActionCallback(action="estimate").pack(), answer.message_id, user_id=person)


async def expected_counts(desk: Harness) -> dict[str, tuple[int, int, int, int]]:
    """Per variant from the rows: people, and of them who started an intake, became a lead or
    got a ticket after their first answer under the experiment."""
    async with desk.sessionmaker() as session:
        shown = (
            await session.execute(
                select(Conversation.user_id, Message.variant, Message.created_at)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.variant.is_not(None))
                .order_by(Message.created_at)
            )
        ).all()
        started = select(IntakeProgress.user_id, IntakeProgress.started_at)
        intakes = dict((await session.execute(started)).all())
        leads = (await session.execute(select(Lead.user_id, Lead.created_at))).all()
        tickets = (await session.execute(select(Ticket.user_id, Ticket.opened_at))).all()
    first: dict[int, tuple[str, object]] = {}
    for user_id, label, at in shown:
        first.setdefault(user_id, (label.rpartition(":")[2], at))
    counts: dict[str, list[int]] = {}
    for user_id, (variant, at) in first.items():
        row = counts.setdefault(variant, [0, 0, 0, 0])
        row[0] += 1
        row[1] += user_id in intakes and intakes[user_id] >= at
        row[2] += any(u == user_id and c >= at for u, c in leads)
        row[3] += any(u == user_id and o >= at for u, o in tickets)
    return {variant: (p, i, le, h) for variant, (p, i, le, h) in counts.items()}


async def test_each_person_sees_their_variant_and_the_report_counts_what_they_did(
    desk: Harness,
) -> None:
    kb = desk.knowledge.kb
    variants = {person: kb.variant_of(INTENT, person) for person in PEOPLE}
    assert set(variants.values()) == {f"{EXPERIMENT}:a", f"{EXPERIMENT}:b"}
    texts = {"a": kb.entry("en", INTENT).answer, "b": kb.entry("en", INTENT).variants[0].answer}
    assert texts["a"] != texts["b"]
    a_people = [p for p in PEOPLE if variants[p] == f"{EXPERIMENT}:a"]
    b_people = [p for p in PEOPLE if variants[p] == f"{EXPERIMENT}:b"]

    # One of b's people started an intake before ever seeing the answer: not a conversion.
    await desk.send("I want to start a project", user_id=b_people[0])
    await desk.send("/cancel", user_id=b_people[0])
    for person in PEOPLE:
        variant = variants[person].rpartition(":")[2]  # type: ignore[union-attr]
        assert await ask(desk, person) == texts[variant]
    await desk.send("/pricing", user_id=a_people[0])  # the same person, the same answer
    await desk.send("/pricing", user_id=b_people[0])
    assert desk.session.sent_texts(a_people[0])[-1] == texts["a"]
    assert desk.session.sent_texts(b_people[0])[-1] == texts["b"]
    await estimate(desk, a_people[0])
    await estimate(desk, b_people[1])
    await estimate(desk, b_people[2])
    await desk.send("/human", user_id=a_people[1])
    await desk.send("/human", user_id=b_people[1])
    async with desk.sessionmaker() as session:
        # A lead and two ratings (the intake's eight steps and the agents' close are tested on
        # their own: tests/dispatcher/test_intake_dialog.py, test_desk_flow.py).
        session.add(Lead(user_id=a_people[2], source="faq", language="en"))
        await session.execute(
            update(Ticket).where(Ticket.user_id == a_people[1])
            .values(status=TicketStatus.CLOSED, closed_at=utcnow(), rating=3)
        )  # fmt: skip
        await session.execute(
            update(Ticket).where(Ticket.user_id == b_people[1])
            .values(status=TicketStatus.CLOSED, closed_at=utcnow(), rating=5)
        )  # fmt: skip
        # A lead made before the experiment's first answer does not count either.
        session.add(Lead(user_id=b_people[3], created_at=utcnow() - timedelta(days=1)))
        await session.commit()
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    answers = [row for row in rows if row.intent == INTENT and row.sender_type == SenderType.BOT]
    assert len(answers) == len(PEOPLE) + 2
    assert {row.variant for row in answers} == set(variants.values())
    assert all(row.variant is None for row in rows if row.sender_type == SenderType.USER)

    async with desk.sessionmaker() as session:
        early = await session.get(IntakeProgress, b_people[0])
        first_answer = min(
            row.created_at for row in answers if row.variant == variants[b_people[0]]
        )
    assert early is not None and early.started_at < first_answer
    expected = await expected_counts(desk)
    assert expected == {"a": (len(a_people), 1, 1, 1), "b": (len(b_people), 2, 0, 1)}
    (report,) = await as_admin(desk, "/admin experiments 7d")
    assert report.startswith("<b>Experiments</b> over the last 7 days")
    title, faq, prompt = report.split("\n\n")
    assert 'until then it says "not significant yet", whatever the figures' in title
    control, variant = faq.split("• ")[1:]
    for block, (people, intakes, leads, handoffs), rating in (
        (control, expected["a"], "3.00 from 1 person who rated"),
        (variant, expected["b"], "5.00 from 1 person who rated"),
    ):
        assert f"{people} people" in block
        assert f"started an intake: {intakes} ({100 * intakes / people:.1f}%)" in block
        assert f"became a lead: {leads} ({100 * leads / people:.1f}%)" in block
        assert f"handed to a person: {handoffs} ({100 * handoffs / people:.1f}%)" in block
        assert f"rating: {rating}" in block
    assert faq.startswith(f"<b>{EXPERIMENT}</b>: {len(PEOPLE)} people")
    assert control.startswith("<b>a</b> (control, 50% of people)")
    assert variant.startswith("<b>b</b> (50% of people)")
    assert (
        "not significant yet: too few to tell (it takes at least 30 people and 5 expected"
        " conversions on each side)" in variant
    )
    assert "not significant yet: too few people who rated (at least 30 on each side)" in variant
    assert "not significant" not in control  # the control is what the others are tested against
    # The prompt experiment is listed before anyone got an LLM answer with it.
    assert prompt.split("\n") == [
        "<b>prompt.project_consultation</b>: 0 people",
        "  p-values adjusted for 4 comparisons (every variant against the control on every"
        " figure)",
        "• <b>a</b> (control, 50% of people): 0 people",
        "• <b>short</b> (50% of people): 0 people",
    ]


async def test_a_russian_person_sees_the_russian_text_of_their_variant(desk: Harness) -> None:
    kb = desk.knowledge.kb
    person = next(p for p in PEOPLE if kb.variant_of(INTENT, p) == f"{EXPERIMENT}:b")
    assert await ask(desk, person, "ru") == kb.entry("ru", INTENT).variants[0].answer
    (report,) = await as_admin(desk, "/admin experiments")
    assert "over the last 30 days" in report and "• <b>b</b> (50% of people): 1 person" in report


async def test_the_pricing_command_shows_the_variant_too(desk: Harness) -> None:
    kb = desk.knowledge.kb
    person = next(p for p in PEOPLE if kb.variant_of(INTENT, p) == f"{EXPERIMENT}:b")
    await desk.send("/pricing", user_id=person)
    assert desk.session.sent_texts(person) == [kb.entry("en", INTENT).variants[0].answer]
    async with desk.sessionmaker() as session:
        stored = await session.scalar(select(Message.variant).where(Message.intent == INTENT))
    assert stored == f"{EXPERIMENT}:b"


async def test_a_non_admin_is_refused_and_a_bad_period_gets_the_usage(desk: Harness) -> None:
    await desk.send("/admin experiments", user_id=3001, language_code="ru")
    assert desk.session.sent_texts(3001) == ["Извините, эта команда только для администраторов."]
    assert (await as_admin(desk, "/admin experiments fortnight"))[0].startswith(
        "Usage: /admin experiments [7d|30d]"
    )
    (empty,) = await as_admin(desk, "/admin experiments 30d")
    assert "people counted from the first answer" in empty
    assert f"<b>{EXPERIMENT}</b>: 0 people" in empty


async def test_llm_answers_use_the_persons_prompt_variant_and_record_it(
    desk: Harness, fake: FakeLongCat
) -> None:
    settings = llm_settings(fake.base_url)
    desk.rebuild(settings.model_copy(update={"telegram": desk_settings().telegram}))
    (experiment,) = prompt_experiments(desk.dp.workflow_data["consultant"].prompts)
    assert experiment.name == CONSULT
    people = {experiment.assign(p).name: p for p in PEOPLE}
    assert set(people) == {"a", "short"}
    for variant, person in sorted(people.items()):
        fake.reply("Split the database first.")
        await desk.send("/ask", user_id=person)
        await desk.send("How would you upgrade our Kubernetes cluster?", user_id=person)
        system = fake.requests[-1]["messages"][0]["content"]
        assert ("Mode: project consultation, short style" in system) == (variant == "short")
    async with desk.sessionmaker() as session:
        rows = (
            await session.execute(
                select(Message.variant, Message.prompt_version)
                .where(Message.answer_source == "llm")
                .order_by(Message.id)
            )
        ).all()
    assert [variant for variant, _ in rows] == [f"{CONSULT}:a", f"{CONSULT}:short"]
    assert rows[0][1].startswith("project_consultation@") and "+" not in rows[0][1]
    assert rows[1][1].startswith("project_consultation@") and rows[1][1].endswith("+short")
    (report,) = await as_admin(desk, "/admin experiments 7d")
    prompt_block = report.split("\n\n")[2]
    assert prompt_block.startswith(f"<b>{CONSULT}</b>: 2 people")
    assert "• <b>a</b> (control, 50% of people): 1 person" in prompt_block
    assert "• <b>short</b> (50% of people): 1 person" in prompt_block


async def test_without_the_llm_the_fallback_shows_the_persons_answer_variant(
    desk: Harness,
) -> None:
    kb = desk.knowledge.kb
    person = next(p for p in PEOPLE if kb.variant_of(INTENT, p) == f"{EXPERIMENT}:b")
    await desk.send("/ask", user_id=person)
    await desk.send(QUESTION, user_id=person)
    reply = desk.session.sent_texts(person)[-1]
    assert reply.startswith("🤖 The AI assistant is not configured here")
    assert kb.entry("en", INTENT).variants[0].answer in reply
    async with desk.sessionmaker() as session:
        stored = await session.scalar(
            select(Message.variant).where(Message.answer_source == "fallback:not_configured")
        )
    assert stored == f"{EXPERIMENT}:b"


async def write_people(desk: Harness, people: dict[int, str], at: datetime) -> None:
    """People (id: variant) who were shown the pricing answer's variant at `at`."""
    async with desk.sessionmaker() as session:
        for person, variant in people.items():
            session.add(User(id=person, first_name="p"))
            await session.flush()
            conversation = Conversation(user_id=person, last_message_at=at, created_at=at)
            session.add(conversation)
            await session.flush()
            label = f"{EXPERIMENT}:{variant}"
            session.add(Message(conversation_id=conversation.id, sender_type=SenderType.BOT,
                                text="…", variant=label, created_at=at))  # fmt: skip
        await session.commit()


async def test_enough_people_get_a_verdict_on_the_adjusted_p_value(desk: Harness) -> None:
    """Forty people a side, written as rows: b's intakes (20 of 40 against 5 of 40, p = 0.0003
    alone, 0.001 adjusted for the 4 comparisons) are higher; its hand-offs (10 of 40 against
    20 of 40, p = 0.021 alone) are not significant once adjusted (0.063); its leads (none) too
    few to tell."""
    at = utcnow() - timedelta(hours=2)
    people = {5000 + index: "ab"[index % 2] for index in range(80)}
    await write_people(desk, people, at)
    async with desk.sessionmaker() as session:
        for index, (person, variant) in enumerate(people.items()):
            rank = index // 2
            if rank < (20 if variant == "b" else 5):
                session.add(IntakeProgress(user_id=person, started_at=at + timedelta(minutes=1)))
            if rank < (10 if variant == "b" else 20):
                session.add(Ticket(user_id=person, opened_at=at + timedelta(minutes=2),
                                   status=TicketStatus.CLOSED))  # fmt: skip
        await session.commit()
    (report,) = await as_admin(desk, "/admin experiments 7d")
    faq = report.split("\n\n")[1]
    assert "  p-values adjusted for 4 comparisons" in faq
    variant = faq.split("• ")[2]
    assert (
        "started an intake: 20 (50.0%), ⬆️ significantly higher than the control"
        " (adjusted p = 0.001)" in variant
    )
    assert "handed to a person: 10 (25.0%), not significant yet (adjusted p = 0.063)" in variant
    assert "became a lead: 0 (0.0%), not significant yet: too few to tell" in variant
    before = len(desk.session.sent_texts(ADMIN))
    await desk.send("/admin experiments 7d", user_id=ADMIN, username="boss", language_code="ru")
    (russian,) = desk.session.sent_texts(ADMIN)[before:]
    assert "p-значения с поправкой на 4 сравнения" in russian
    assert "переданы человеку: 10 (25.0%), пока незначимо (p с поправкой = 0.063)" in russian
    higher = "⬆️ значимо выше контрольного (p с поправкой = 0.001)"
    assert f"начали заявку: 20 (50.0%), {higher}" in russian


async def test_a_person_with_three_rated_tickets_counts_once_in_the_rating(
    desk: Harness,
) -> None:
    """b's rating is each person's average: (5 + 5 + 2) / 3 = 4 for one, 3 for the other, 3.50
    from 2 people who rated (by ticket it would read 3.75 from 4 ratings)."""
    at = utcnow() - timedelta(hours=2)
    await write_people(desk, {6001: "b", 6002: "b", 6003: "a"}, at)
    async with desk.sessionmaker() as session:
        for person, rating in ((6001, 5), (6001, 5), (6001, 2), (6002, 3), (6003, 4)):
            session.add(Ticket(user_id=person, opened_at=at + timedelta(minutes=2), rating=rating,
                               status=TicketStatus.CLOSED))  # fmt: skip
        # An unrated ticket is not a rating.
        session.add(Ticket(user_id=6002, opened_at=at + timedelta(minutes=3),
                           status=TicketStatus.CLOSED))  # fmt: skip
        await session.commit()
    (report,) = await as_admin(desk, "/admin experiments 7d")
    control, variant = report.split("\n\n")[1].split("• ")[1:]
    assert "rating: 4.00 from 1 person who rated" in control
    assert (
        "rating: 3.50 from 2 people who rated, not significant yet: too few people who rated"
        in variant
    )
