"""The FAQ conversation through the dispatcher: canned answers, topic buttons, "not sure",
small talk, commands, the language switch, and what gets stored."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlalchemy import event, select

from bot.faq.answers import Outcome, decide
from bot.faq.intents import Detection, Match
from db.models import Message, SenderType
from handlers.faq.keyboards import SERVICE_TOPICS, ActionCallback, TopicCallback
from tests.dispatcher.harness import Harness


def answer_of(harness: Harness, language: str, intent: str) -> str:
    answer = harness.knowledge.kb.entry(language, intent).answer
    assert answer
    return answer


async def test_an_english_question_gets_its_canned_answer_and_is_stored(
    harness: Harness,
) -> None:
    await harness.send("Hi, what's your hourly rate for a senior DevOps engineer?")
    (reply,) = harness.session.calls(SendMessage)
    assert reply.text == answer_of(harness, "en", "pricing.hourly_rate")
    async with harness.sessionmaker() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [row.sender_type for row in rows] == [SenderType.USER, SenderType.BOT]
    assert rows[0].text.startswith("Hi, what's your hourly rate")
    assert {row.intent for row in rows} == {"pricing.hourly_rate"}
    assert rows[1].answer_source == "kb"
    assert rows[1].intent_confidence is not None and rows[1].intent_confidence >= 0.55


async def test_a_russian_question_gets_the_russian_answer(harness: Harness) -> None:
    await harness.send("Подпишете с нами NDA перед обсуждением проекта?", language_code="ru")
    assert harness.session.sent_texts() == [answer_of(harness, "ru", "process.nda_contract")]


async def test_a_russian_question_in_an_english_chat_is_answered_in_english(
    harness: Harness,
) -> None:
    await harness.send("Сколько стоит ваш час работы?", language_code="en")
    assert harness.session.sent_texts() == [answer_of(harness, "en", "pricing.hourly_rate")]


async def test_pricing_answers_offer_an_estimate_that_opens_the_intake(
    harness: Harness,
) -> None:
    await harness.send("/pricing")
    buttons = [data for row in harness.session.last_keyboard() for _, data in row]
    assert ActionCallback(action="estimate").pack() in buttons
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press(ActionCallback(action="estimate").pack(), message_id)
    assert "Start a project" in harness.session.sent_texts()[-1]


async def test_services_command_lists_the_services_as_buttons(harness: Harness) -> None:
    await harness.send("/services")
    buttons = [data for row in harness.session.last_keyboard() for _, data in row]
    for intent in SERVICE_TOPICS:
        assert TopicCallback(intent=intent).pack() in buttons
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press(TopicCallback(intent="devops.kubernetes").pack(), message_id)
    assert harness.session.sent_texts()[-1] == answer_of(harness, "en", "devops.kubernetes")


async def test_contact_command(harness: Harness) -> None:
    await harness.send("/contact", language_code="ru")
    assert harness.session.sent_texts() == [answer_of(harness, "ru", "general.contact")]


async def test_greeting_and_thanks_get_short_answers(harness: Harness) -> None:
    await harness.send("hello!")
    await harness.send("thanks a lot, bye")
    assert harness.session.sent_texts() == [
        answer_of(harness, "en", "chat.greeting"),
        answer_of(harness, "en", "chat.thanks"),
    ]


async def test_out_of_scope_is_declined_politely(harness: Harness) -> None:
    await harness.send("who won the football match yesterday?")
    assert harness.session.sent_texts() == [answer_of(harness, "en", "chat.out_of_scope")]


class PinnedDetector:
    """Answers every message with one detection: the handler's reaction is under test here."""

    def __init__(self, detection: Detection) -> None:
        self.detection = detection

    def detect(self, text: str) -> Detection:
        return self.detection


MIDDLING = Detection(
    "devops.cost_optimization",
    0.3,
    (
        Match("devops.cost_optimization", 0.3),
        Match("devops.cloud_migration", 0.25),
        Match("chat.greeting", 0.2),
        Match("devops.iac", 0.15),
    ),
)


async def test_a_vague_question_offers_topics_and_a_pressed_topic_is_answered(
    harness: Harness,
) -> None:
    harness.rebuild(detector=PinnedDetector(MIDDLING))
    await harness.send("our infrastructure")
    assert harness.session.sent_texts() == [
        "I'm not quite sure what you mean. Is it one of these?"
    ]
    topics = [data for row in harness.session.last_keyboard() for _, data in row]
    assert topics[:3] == [
        TopicCallback(intent="devops.cost_optimization").pack(),
        TopicCallback(intent="devops.cloud_migration").pack(),
        TopicCallback(intent="devops.iac").pack(),
    ]
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press(topics[1], message_id)
    assert harness.session.sent_texts()[-1] == answer_of(harness, "en", "devops.cloud_migration")


LEADING = Detection(
    "devops.cost_optimization",
    0.45,
    (
        Match("devops.cost_optimization", 0.45),
        Match("devops.cloud_migration", 0.25),
        Match("chat.greeting", 0.1),
        Match("devops.iac", 0.1),
    ),
)


async def test_a_middling_match_well_ahead_is_answered_with_the_runner_ups_under_it(
    harness: Harness,
) -> None:
    harness.rebuild(detector=PinnedDetector(LEADING))
    await harness.send("can you find savings in our cloud?")
    assert harness.session.sent_texts() == [answer_of(harness, "en", "devops.cost_optimization")]
    buttons = dict((data, text) for row in harness.session.last_keyboard() for text, data in row)
    migration = TopicCallback(intent="devops.cloud_migration").pack()
    title = harness.knowledge.kb.entry("en", "devops.cloud_migration").title
    assert buttons[migration] == f"Or did you mean: {title}?"
    assert TopicCallback(intent="chat.greeting").pack() not in buttons
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press(migration, message_id)
    assert harness.session.sent_texts()[-1] == answer_of(harness, "en", "devops.cloud_migration")


async def test_a_confident_answer_offers_no_alternatives(harness: Harness) -> None:
    await harness.send("How much does it cost to set up CI/CD?")
    texts = [text for row in harness.session.last_keyboard() for text, _ in row]
    assert not [text for text in texts if text.startswith("Or did you mean")]


def test_the_real_detector_is_unsure_about_vague_messages(harness: Harness) -> None:
    detection = harness.knowledge.detector.detect("our infrastructure")
    assert decide(detection, harness.knowledge.kb).outcome in (Outcome.SUGGEST, Outcome.UNSURE)


def test_middling_and_low_confidence_rules(harness: Harness) -> None:
    kb = harness.knowledge.kb
    ranking = (
        Match("pricing.overview", 0.4),
        Match("chat.greeting", 0.3),
        Match("pricing.estimate", 0.2),
        Match("pricing.hourly_rate", 0.05),
        Match("process.start", 0.05),
    )
    middling = decide(Detection("pricing.overview", 0.4, ranking), kb)
    assert middling.outcome is Outcome.SUGGEST
    assert middling.suggestions == ("pricing.overview", "pricing.estimate", "pricing.hourly_rate")
    low = decide(Detection("pricing.overview", 0.1, ranking), kb)
    assert low.outcome is Outcome.UNSURE


async def test_a_low_match_says_not_sure_and_offers_topics_and_a_human(
    harness: Harness,
) -> None:
    low = Detection("devops.iac", 0.1, (Match("devops.iac", 0.1), Match("tech.stack", 0.08)))
    harness.rebuild(detector=PinnedDetector(low))
    await harness.send("zzz", language_code="ru")
    assert "не уверен" in harness.session.sent_texts()[0]
    buttons = [data for row in harness.session.last_keyboard() for _, data in row]
    assert TopicCallback(intent="devops.iac").pack() in buttons
    assert ActionCallback(action="human").pack() in buttons
    async with harness.sessionmaker() as session:
        sources = [m.answer_source for m in (await session.scalars(select(Message))).all()]
    assert sources == [None, "unsure"]


async def test_language_command_switches_and_is_stored(harness: Harness) -> None:
    await harness.send("/language")
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press("lang:ru", message_id)
    await harness.send("What services do you offer?")
    assert harness.session.sent_texts()[-1] == answer_of(harness, "ru", "general.services")


async def test_free_text_inside_a_flow_is_not_taken_by_the_faq(harness: Harness) -> None:
    class Flow(StatesGroup):
        step = State()

    context = harness.dp.fsm.get_context(harness.bot, chat_id=1001, user_id=1001)
    await context.set_state(Flow.step)
    await harness.send("what is your hourly rate?")
    assert harness.session.sent_texts() == [harness.knowledge.i18n.get("en")("fallback-text")]


async def test_a_message_is_classified_once_though_two_handlers_look_at_it(
    harness: Harness,
) -> None:
    detector = harness.knowledge.detector
    texts: list[str] = []
    original = detector.detect_many

    def counting(batch: list[str]) -> list[Detection]:
        texts.extend(batch)
        return original(batch)

    detector.detect_many = counting  # type: ignore[method-assign]
    try:
        question = "Do you sign an NDA before we talk about the project? (asked once)"
        await harness.send(question)
    finally:
        del detector.detect_many
    assert texts == [question]  # the desk's trigger filter and the FAQ share one detection
    assert harness.session.sent_texts() == [answer_of(harness, "en", "process.nda_contract")]


async def test_an_faq_answer_costs_few_statements(harness: Harness) -> None:
    """The update path asks the database only what it must: the user's row with their open
    ticket, their conversation and their earlier texts (frustration) in one query, and the two
    messages in one more."""
    statements: list[str] = []
    engine = harness.sessionmaker.kw["bind"].sync_engine

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()[:4]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        await harness.send("How much does a Kubernetes setup cost?")
        statements.clear()
        await harness.send("Do you do CI/CD pipelines?")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [statement.split()[0] for statement in statements] == ["SELECT", "INSERT"], statements


async def test_the_same_button_pressed_twice_is_no_error(harness: Harness) -> None:
    # The second press edits the message to what it already shows; Telegram refuses such an
    # edit ("message is not modified"), and that is not a failure to apologise for.
    await harness.send("/language")
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press("lang:ru", message_id)
    await harness.press("lang:ru", message_id)
    texts = [a.text or "" for a in harness.session.calls(AnswerCallbackQuery)]
    assert texts[:2] == ["Готово: теперь я говорю по-русски."] * 2
    assert not [text for text in texts if "что-то пошло не так" in text.lower()]
