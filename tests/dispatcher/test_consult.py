"""The LLM consultation through the dispatcher, against the fake LongCat server: streaming,
what is stored, fallbacks, budgets, PII masking, grounding and the running summary."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.methods import SendChatAction, SendMessage, SendMessageDraft
from prometheus_client import REGISTRY
from sqlalchemy import select

from bot.config import load_settings
from bot.consult.consultant import Consultant
from bot.faq.intents import Detection, Match
from bot.kernel.kv import MemoryCounters
from db.models import Conversation, Message, SenderType, Ticket, User
from llm.client import Completion, Usage
from llm.context import SUMMARY_HEADER
from tests.dispatcher.harness import Harness, llm_settings
from tests.fakes.longcat_server import FakeLongCat

ADMIN = 777


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


class PinnedDetector:
    """Always unsure: the FAQ hands every question to the consultation."""

    def detect(self, text: str) -> Detection:
        ranking = (Match("devops.kubernetes", 0.12), Match("pricing.overview", 0.08))
        return Detection("devops.kubernetes", 0.12, ranking)


def system_prompt(request: dict[str, object]) -> str:
    messages = request["messages"]
    assert isinstance(messages, list)
    return str(messages[0]["content"])


async def llm_rows(harness: Harness) -> list[Message]:
    async with harness.sessionmaker() as session:
        rows = await session.scalars(
            select(Message).where(Message.answer_source == "llm").order_by(Message.id)
        )
        return list(rows)


async def test_ask_streams_a_grounded_answer_and_stores_its_metadata(
    harness: Harness, fake: FakeLongCat
) -> None:
    fake.reply(
        "We run **managed Kubernetes** upgrades:\n\n- one node pool at a time\n- <no downtime>"
    )
    harness.rebuild(llm_settings(fake.base_url))

    await harness.send("/ask")
    await harness.send("How would you upgrade our Kubernetes cluster?")

    assert harness.session.calls(SendChatAction)
    drafts = harness.session.calls(SendMessageDraft)
    assert drafts and all(draft.chat_id == drafts[0].chat_id for draft in drafts)
    final = harness.session.calls(SendMessage)[-1]
    assert "<b>managed Kubernetes</b>" in final.text
    assert "&lt;no downtime&gt;" in final.text
    buttons = [text for row in harness.session.last_keyboard() for text, _ in row]
    assert "📝 Get an estimate" in buttons and "👤 Talk to a human" in buttons

    request = fake.requests[-1]
    facts = request["messages"][1]["content"]
    assert facts.startswith("Company facts")
    assert "[devops." in facts  # the detector's knowledge-base matches ground the answer
    assert "Answer in English" in system_prompt(request)

    [row] = await llm_rows(harness)
    assert row.llm_model == "LongCat-2.0"
    assert row.prompt_version is not None
    assert row.prompt_version.startswith("project_consultation@")
    assert row.prompt_tokens and row.completion_tokens
    assert row.cost_usd is not None and row.cost_usd > 0
    assert row.confidence is not None and 0 <= row.confidence <= 1
    assert row.latency_ms is not None


async def test_russian_user_gets_the_prompt_in_russian(
    harness: Harness, fake: FakeLongCat
) -> None:
    fake.reply("Да, мы поможем с миграцией.")
    harness.rebuild(llm_settings(fake.base_url))

    await harness.send("/ask", language_code="ru")
    await harness.send("Сможете перенести наш монолит в облако?", language_code="ru")

    assert "Answer in Russian" in system_prompt(fake.requests[-1])
    assert "Да, мы поможем" in harness.session.calls(SendMessage)[-1].text


async def test_an_unsure_faq_question_goes_to_the_llm(harness: Harness, fake: FakeLongCat) -> None:
    fake.reply("Here is what I can tell you.")
    harness.rebuild(llm_settings(fake.base_url), detector=PinnedDetector())

    await harness.send("something the knowledge base does not cover")

    assert len(fake.requests) == 1
    assert harness.session.calls(SendMessage)[-1].text == "Here is what I can tell you."


async def test_without_a_key_the_consultation_answers_from_the_knowledge_base(
    harness: Harness,
) -> None:
    refused = REGISTRY.get_sample_value("devbot_llm_refused_total", {"reason": "not_configured"})
    await harness.send("/ask")
    await harness.send("How much does a Kubernetes setup cost?")

    text = harness.session.calls(SendMessage)[-1].text
    assert text.startswith("🤖 The AI assistant is not configured here")
    counted = REGISTRY.get_sample_value("devbot_llm_refused_total", {"reason": "not_configured"})
    assert counted == (refused or 0) + 1
    buttons = [label for row in harness.session.last_keyboard() for label, _ in row]
    assert "👤 Talk to a human" in buttons


async def test_an_llm_outage_gets_the_fallback_not_an_error(
    harness: Harness, fake: FakeLongCat
) -> None:
    fake.fail_next(500, times=3)
    harness.rebuild(llm_settings(fake.base_url, longcat={"deadline": 5}))

    await harness.send("/ask")
    await harness.send("How would you upgrade our Kubernetes cluster?")

    text = harness.session.calls(SendMessage)[-1].text
    assert text.startswith("🤖 The AI assistant did not answer in time")
    assert "Sorry, something went wrong" not in text
    assert await llm_rows(harness) == []


async def test_session_budget_refuses_kindly_with_the_human_option(
    harness: Harness, fake: FakeLongCat
) -> None:
    harness.rebuild(llm_settings(fake.base_url, llm={"session_calls": 2}))
    await harness.send("/ask")
    for question in ("What is GitOps?", "What is Argo CD?", "What is Flux?"):
        await harness.send(question)

    assert len(fake.requests) == 2
    assert harness.session.calls(SendMessage)[-1].text.startswith(
        "🤖 That is all the AI answers I can give in one conversation"
    )


async def test_user_daily_budget(harness: Harness, fake: FakeLongCat) -> None:
    harness.rebuild(llm_settings(fake.base_url, llm={"user_daily_calls": 1}))
    await harness.send("/ask", language_code="ru")
    await harness.send("Что такое GitOps?", language_code="ru")
    await harness.send("А Argo CD?", language_code="ru")

    assert len(fake.requests) == 1
    assert "Дневной лимит ответов ИИ исчерпан" in harness.session.calls(SendMessage)[-1].text


async def test_system_budget_alerts_admins_once_and_then_refuses(
    harness: Harness, fake: FakeLongCat
) -> None:
    harness.rebuild(
        llm_settings(
            fake.base_url, llm={"daily_budget_usd": 0.002}, telegram={"admin_ids": [ADMIN]}
        )
    )
    # At start the consultant learns where alerts go (the bot, the admins' language).
    await harness.dp.emit_startup(bot=harness.bot, **harness.dp.workflow_data)
    fake.reply("x " * 400, usage={"prompt_tokens": 1000, "completion_tokens": 400})
    await harness.send("/ask")
    await harness.send("What is GitOps?")  # 1000*0.75 + 400*2.95 per million: ~$0.0019
    await harness.send("And Argo CD?")

    alerts = [c for c in harness.session.calls(SendMessage) if str(c.chat_id) == str(ADMIN)]
    assert len(alerts) == 1 and "⚠️" in alerts[0].text and "USD" in alerts[0].text
    assert len(fake.requests) == 2  # the second still fits: 0.0019 < 0.002
    await harness.send("And Flux?")
    assert len(fake.requests) == 2
    assert "answered all it can for today" in harness.session.calls(SendMessage)[-1].text
    alerts = [c for c in harness.session.calls(SendMessage) if str(c.chat_id) == str(ADMIN)]
    assert len(alerts) == 1


@pytest.mark.parametrize(
    ("language", "question", "raw"),
    [
        (
            "en",
            "Mail john.smith@example.com or call +1 (415) 555-0123, card 4111 1111 1111 1111",
            ["john.smith@example.com", "555-0123", "4111 1111 1111 1111"],
        ),
        (
            "ru",
            "Пишите ivan.petrov@mail.ru, звоните +7 912 345-67-89, "
            "IBAN DE89 3704 0044 0532 0130 00",
            ["ivan.petrov@mail.ru", "345-67-89", "DE89 3704 0044 0532 0130 00"],
        ),
        (
            "en",
            "Our key is sk-abcdefghijklmnopqrstuvwxyz123456 and the server is 203.0.113.77",
            ["sk-abcdefghijklmnopqrstuvwxyz123456", "203.0.113.77"],
        ),
    ],
)
async def test_personal_data_never_reaches_the_llm(
    harness: Harness, fake: FakeLongCat, language: str, question: str, raw: list[str]
) -> None:
    harness.rebuild(llm_settings(fake.base_url))
    await harness.send("/ask", language_code=language)
    await harness.send(question, language_code=language)
    await harness.send("And what next?", language_code=language)  # the question is history now

    assert len(fake.requests) == 2
    assert "[" in str(fake.requests[0]["messages"][-1])  # typed placeholders took their place
    for request in fake.requests:
        sent = str(request["messages"])
        for value in raw:
            assert value not in sent


async def test_a_long_conversation_is_summarised_and_prompts_stay_flat(
    harness: Harness, fake: FakeLongCat
) -> None:
    harness.rebuild(
        llm_settings(fake.base_url, longcat={"history_tokens": 300}, llm={"session_calls": 100})
    )
    await harness.send("/ask")
    for turn in range(24):
        await harness.send(f"Question {turn}: tell me about CI/CD pipelines for service {turn}.")

    answers = [r for r in fake.requests if "running summary" not in system_prompt(r)]
    summaries = [r for r in fake.requests if "running summary" in system_prompt(r)]
    assert len(answers) == 24
    assert summaries  # the oldest turns were folded into a summary
    sizes = [len(str(r["messages"])) for r in answers]
    assert max(sizes[12:]) < 1.5 * max(sizes[:12])  # flat once the budget is reached
    carried = [m for r in answers for m in r["messages"] if SUMMARY_HEADER in m["content"]]
    assert carried and {m["role"] for m in carried} == {"user"}  # data, never system authority
    async with harness.sessionmaker() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert conversation.summary and conversation.summary_upto_id


async def test_user_messages_and_answers_are_history_in_order(
    harness: Harness, fake: FakeLongCat
) -> None:
    # Answers long and plain enough to be confident: an unsure one would bring in a person.
    first = "We set up CI/CD pipelines with automated tests and reviewed deployments."
    fake.reply(first)
    fake.reply("Monitoring comes with every pipeline we build, from the first release.")
    harness.rebuild(llm_settings(fake.base_url))
    await harness.send("/ask")
    await harness.send("First question?")
    await harness.send("Second question?")

    roles = [(m["role"], m["content"]) for m in fake.requests[-1]["messages"][2:]]
    assert roles[-3:] == [
        ("user", "First question?"),
        ("assistant", first),
        ("user", "Second question?"),
    ]
    async with harness.sessionmaker() as session:
        senders = list(await session.scalars(select(Message.sender_type).order_by(Message.id)))
    assert senders[-4:] == [SenderType.USER, SenderType.BOT, SenderType.USER, SenderType.BOT]


async def test_an_unsure_answer_hands_the_conversation_to_the_agents(
    harness: Harness, fake: FakeLongCat
) -> None:
    fake.reply("I don't know, sorry.")  # a refusal: confidence far below 0.5
    harness.rebuild(llm_settings(fake.base_url))
    await harness.send("/ask")
    await harness.send("Can you guarantee 99.99% uptime for our payments platform?")

    async with harness.sessionmaker() as session:
        [row] = await llm_rows(harness)
        assert row.confidence is not None and row.confidence < 0.5
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and ticket.reason == "low_confidence"
    await harness.send("Hello? Anyone there?")
    assert len(fake.requests) == 1  # with a ticket open, the agents answer, not the LLM


async def test_no_transaction_is_held_while_the_llm_writes(harness: Harness) -> None:
    class Model:
        model = "LongCat-2.0"
        available = True

        def __init__(self) -> None:
            self.in_transaction: list[bool] = []

        async def generate(self, messages: object, **kwargs: object) -> Completion:
            self.in_transaction.append(session.in_transaction())
            return Completion("We can help with that.", "stop", self.model, Usage(10, 5))

    model = Model()
    settings = load_settings(longcat={"history_tokens": 300})
    consultant = Consultant(settings, MemoryCounters(), model)
    async with harness.sessionmaker() as session:
        user = User(id=4321, first_name="Ann", language="en")
        session.add(user)
        await session.flush()
        conversation = Conversation(user_id=user.id, language="en")
        session.add(conversation)
        await session.flush()
        for turn in range(12):  # more history than fits: the oldest part is summarised first
            sender = SenderType.USER if turn % 2 == 0 else SenderType.BOT
            session.add(Message(conversation_id=conversation.id, sender_type=sender,
                                text=f"turn {turn}: " + "words " * 40))  # fmt: skip
        await session.flush()
        detection = PinnedDetector().detect("anything")
        await consultant.answer(session, user, "How do you run upgrades?", detection,
                                harness.knowledge.kb)  # fmt: skip
        assert conversation.summary == "We can help with that."  # the summary call happened
    assert model.in_transaction == [False, False]  # neither the summary nor the answer
