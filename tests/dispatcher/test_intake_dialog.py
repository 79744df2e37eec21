"""The project intake wizard through the dispatcher: every step, refusals, Skip, Back, Edit from
the summary, Confirm (once, even when tapped twice), Cancel, expiry, updating an open lead, and
Russian; plus the answer checks and the budget and timeline suggestions on their own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram_dialog import DialogManager
from prometheus_client import Counter
from sqlalchemy import select

from bot.intake.rules import (
    InputRejected,
    parse_description,
    parse_email,
    parse_name,
    parse_phone,
    suggest_budget,
    suggest_timeline,
)
from bot.intake.scoring import Budget, Timeline
from bot.kernel.metrics import INTAKE_ABANDONED, INTAKE_COMPLETED, INTAKE_STARTED, INTAKE_STEP
from bot.telegram.menu import MenuAction, MenuCallback
from db.models import IntakeProgress, Lead, LeadScore, User
from dialogs.intake import is_confirm_press, start_intake
from dialogs.intake.handlers import is_expired
from handlers import get_routers
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALWAYS_OPEN
from tests.fakes.recording import USER_ID

# Urgent ("ASAP") and $60K (the $50K–$150K bracket), 88 characters: not a "detailed" one.
DESCRIPTION = (
    "We need Kubernetes on AWS and CI/CD for 12 microservices, ASAP. Budget is about $60k."
)


@dataclass
class Wizard:
    """The harness with the intake reachable by /begin [source], and a recording handover."""

    harness: Harness
    language: str = "en"
    handovers: list[tuple[int, int]] = field(default_factory=list)

    async def send(self, text: str) -> None:
        await self.harness.send(text, language_code=self.language)

    def buttons(self) -> list[tuple[str, str | None]]:
        return [button for row in self.harness.session.last_keyboard() for button in row]

    def data_of(self, label: str) -> str:
        matching = [data for text, data in self.buttons() if label in text]
        assert len(matching) == 1 and matching[0], f"no single {label!r} in {self.buttons()}"
        return matching[0]

    async def tap(self, label: str) -> None:
        message = self.harness.session.latest_message(with_keyboard=True)
        assert message is not None
        await self.harness.press(
            self.data_of(label), message.message_id, language_code=self.language
        )

    @property
    def text(self) -> str:
        return self.harness.session.sent_texts()[-1]

    async def fill(self, *, budget: str = "$50K–$150K", phone: str | None = None) -> None:
        """Project type to the summary, with the defaults of a quick client."""
        await self.tap("DevOps")
        await self.send(DESCRIPTION)
        await self.tap("Urgent")
        await self.tap(budget)
        await self.send("Ann Example")
        await self.send("ann@example.com")
        await self.tap("Skip")
        if phone is None:
            await self.tap("Skip")
        else:
            await self.send(phone)
        assert "Please check your request" in self.text


def _begin_router() -> Router:
    router = Router(name="test_begin")

    @router.message(Command("begin"))
    async def begin(
        message: Message, command: CommandObject, dialog_manager: DialogManager
    ) -> None:
        await start_intake(dialog_manager, source=command.args)

    @router.message(Command("age"))
    async def age(message: Message, dialog_manager: DialogManager) -> None:
        # Pretend the intake on screen was started 25 hours ago.
        started = datetime.now(UTC) - timedelta(hours=25)
        start_data = dialog_manager.current_context().start_data
        assert isinstance(start_data, dict)
        start_data["started_at"] = started.isoformat()

    return router


@pytest.fixture
def wizard(harness: Harness) -> Wizard:
    wizard = Wizard(harness)

    async def lead_handover(*, lead: Lead, user: User) -> None:
        wizard.handovers.append((lead.id, user.id))

    harness.rebuild(
        routers=[_begin_router(), *get_routers()],
        lead_handover=lead_handover,
        business_hours=ALWAYS_OPEN,
    )
    return wizard


async def leads(harness: Harness) -> list[Lead]:
    async with harness.sessionmaker() as session:
        return list((await session.scalars(select(Lead).order_by(Lead.id))).all())


async def progress(harness: Harness) -> IntakeProgress | None:
    async with harness.sessionmaker() as session:
        return await session.get(IntakeProgress, USER_ID)


def count(counter: Counter, label: str) -> Callable[[], float]:
    return lambda: counter.labels(label)._value.get()


async def test_a_full_intake_with_refusals_skip_back_and_an_edit_saves_one_hot_lead(
    wizard: Wizard,
) -> None:
    # Deep-link sources are counted together: a label never holds what a link says.
    started = count(INTAKE_STARTED, "campaign")
    completed = count(INTAKE_COMPLETED, "campaign")
    budget_steps = count(INTAKE_STEP, "budget")
    before = started(), completed(), budget_steps()

    await wizard.send("/begin web")
    assert "Start a project" in wizard.text
    assert not any("Back" in text for text, _ in wizard.buttons())  # nowhere to go back to
    await wizard.tap("DevOps")

    await wizard.send("Need k8s")
    assert "a bit short (8 characters)" in wizard.text
    assert "Step 2 of 8" in wizard.text  # the same step again
    await wizard.send(DESCRIPTION)

    assert "I read “ASAP” as <b>Urgent</b>" in wizard.text
    assert "✅ Urgent (from your description)" in [text for text, _ in wizard.buttons()]
    await wizard.tap("Urgent")
    assert "I read “$60k” as <b>$50K–$150K</b>" in wizard.text
    assert "✅ $50K–$150K (from your description)" in [text for text, _ in wizard.buttons()]
    await wizard.tap("Back")
    assert "Step 3 of 8" in wizard.text
    assert "☑️ Urgent" in [text for text, _ in wizard.buttons()]  # the answer is kept
    await wizard.tap("Urgent")
    await wizard.tap("$50K–$150K")

    await wizard.send("  Ann   <Example>  ")
    await wizard.send("not-an-email")
    assert "That doesn't look like an e-mail address: An email address must have an @-sign." in (
        wizard.text
    )
    await wizard.send("ann@example.com")
    await wizard.tap("Skip")  # company
    await wizard.send("0207 946 0958")
    assert "country code" in wizard.text
    await wizard.send("+44 20 7946 0958")

    summary = wizard.text
    assert "<b>Name:</b> Ann &lt;Example&gt;" in summary
    assert "<b>Company:</b> —" in summary
    assert "<b>Phone:</b> +442079460958" in summary
    assert DESCRIPTION in summary
    await wizard.tap("Company")
    assert "Step 7 of 8" in wizard.text
    await wizard.send("Acme & Sons")
    assert "<b>Company:</b> Acme &amp; Sons" in wizard.text  # straight back to the summary

    confirm = wizard.data_of("Confirm")
    await wizard.tap("Confirm")
    (lead,) = await leads(wizard.harness)
    assert (lead.project_type, lead.timeline, lead.budget) == ("devops", "urgent", "50k_150k")
    assert (lead.name, lead.email, lead.company, lead.phone) == (
        "Ann <Example>", "ann@example.com", "Acme & Sons", "+442079460958",
    )  # fmt: skip
    assert (lead.description, lead.source, lead.language) == (DESCRIPTION, "web", "en")
    assert lead.entities is not None and lead.entities["budget"]["amount"] == 60000
    # $50K–$150K 30 + urgent 25 + company 10 + phone 5 (the description is not a long one)
    assert (lead.score, lead.score_points) == (LeadScore.HOT, 70)
    assert wizard.handovers == [(lead.id, USER_ID)]
    assert is_confirm_press(confirm)
    assert "Thank you, Ann &lt;Example&gt;!" in wizard.text
    assert "manager will contact you" in wizard.text
    assert wizard.buttons()[0][1] == MenuCallback(action=MenuAction.HOME).pack()
    row = await progress(wizard.harness)
    assert row is not None and row.completed and row.finished_at is not None
    assert (started(), completed()) == (before[0] + 1, before[1] + 1)
    assert budget_steps() == before[2] + 1

    await wizard.send("Do you sign an NDA?")  # the wizard let go of the chat
    assert wizard.text == wizard.harness.knowledge.kb.entry("en", "process.nda_contract").answer


async def test_a_double_tapped_confirm_saves_one_lead(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.fill()
    message = wizard.harness.session.latest_message(with_keyboard=True)
    assert message is not None
    confirm = wizard.data_of("Confirm")
    await asyncio.gather(
        wizard.harness.press(confirm, message.message_id),
        wizard.harness.press(confirm, message.message_id),
    )
    assert len(await leads(wizard.harness)) == 1
    assert len(wizard.handovers) == 1
    # The second tap is answered quietly: no apology, no restarted wizard.
    texts = wizard.harness.session.sent_texts()
    assert not any("went wrong" in text or "expired" in text for text in texts)
    answers = wizard.harness.session.calls("answerCallbackQuery")
    assert all(not getattr(answer, "show_alert", False) for answer in answers)
    # And a late third tap, on the receipt, changes nothing either.
    await wizard.harness.press(confirm, message.message_id)
    assert len(await leads(wizard.harness)) == 1
    assert "Start a project" not in wizard.harness.session.sent_texts()[-1]


async def test_cancel_ends_the_intake_without_a_lead(wizard: Wizard) -> None:
    abandoned = count(INTAKE_ABANDONED, "menu")
    before = abandoned()
    await wizard.send("/begin menu")
    await wizard.tap("DevOps")
    await wizard.tap("Cancel")
    assert "Request cancelled" in wizard.text
    assert await leads(wizard.harness) == []
    row = await progress(wizard.harness)
    assert row is not None and not row.completed and row.finished_at is not None
    assert abandoned() == before + 1
    await wizard.send("/cancel")
    assert "nothing to cancel" in wizard.text


async def test_slash_cancel_in_the_middle_cancels_and_says_so(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.tap("DevOps")
    await wizard.send("/cancel")
    assert "Cancelled" in wizard.text
    assert (await progress(wizard.harness)).finished_at is not None  # type: ignore[union-attr]
    await wizard.send("/cancel")
    assert "nothing to cancel" in wizard.text


async def test_a_command_is_not_taken_as_an_answer(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.tap("DevOps")
    await wizard.send("/pricing")
    assert "Commands don't work in the middle of a request" in wizard.text
    await wizard.send("We need Kubernetes on AWS and CI/CD for our services, soon.")
    assert "Step 3 of 8" in wizard.text


async def test_an_intake_older_than_the_ttl_starts_again(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.tap("DevOps")
    await wizard.send("/age")
    await wizard.send(DESCRIPTION)
    assert "expired after 24 hours" in wizard.text
    assert "Start a project" in wizard.text
    await wizard.tap("Cloud")  # the new intake goes on normally, and the notice is gone
    assert "Step 2 of 8" in wizard.text and "expired" not in wizard.text


async def test_cancel_still_cancels_an_expired_intake(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.send("/age")
    await wizard.tap("Cancel")
    assert "Request cancelled" in wizard.text


def test_expiry_is_measured_from_the_start() -> None:
    now = datetime(2025, 5, 1, 12, tzinfo=UTC)
    started = {"started_at": (now - timedelta(hours=23)).isoformat()}
    assert not is_expired(started, 24, now)
    assert is_expired(started, 24, now + timedelta(hours=2))
    assert not is_expired({}, 24, now)  # nothing to measure: never expires


async def test_an_open_lead_is_updated_in_place(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.fill()
    await wizard.tap("Confirm")
    (first,) = await leads(wizard.harness)

    await wizard.send("/begin again")
    assert f"You already sent us a project request on {first.created_at.date()}" in wizard.text
    await wizard.tap("Update it")
    await wizard.tap("Back")  # back to the question
    assert "already sent us" in wizard.text
    await wizard.tap("Update it")
    await wizard.fill(budget="$150K+", phone="+7 912 345-67-89")
    await wizard.tap("Confirm")
    (lead,) = await leads(wizard.harness)
    assert lead.id == first.id
    assert (lead.budget, lead.phone, lead.source) == ("gt150k", "+79123456789", "again")
    assert "Your request is updated" in wizard.text
    assert len(wizard.handovers) == 2


async def test_a_new_request_next_to_an_open_one_is_a_second_lead(wizard: Wizard) -> None:
    await wizard.send("/begin")
    await wizard.fill()
    await wizard.tap("Confirm")
    await wizard.send("/begin")
    await wizard.tap("Start a new one")
    await wizard.fill()
    await wizard.tap("Confirm")
    assert len(await leads(wizard.harness)) == 2


async def test_a_russian_intake_speaks_russian(wizard: Wizard) -> None:
    wizard.language = "ru"
    await wizard.send("/begin")
    assert "Новый проект" in wizard.text
    assert "✖️ Отмена" in [text for text, _ in wizard.buttons()]
    await wizard.tap("DevOps")
    await wizard.send("Нужен k8s")
    assert "Коротковато (9 символов)" in wizard.text
    await wizard.send("Нужен кластер Kubernetes в AWS и CI/CD, срочно, бюджет 2 млн рублей")
    assert "Срочно (из вашего описания)" in " ".join(text for text, _ in wizard.buttons())
    await wizard.tap("Срочно")
    assert "«2 млн рублей»" in wizard.text
    await wizard.tap("$10K–$50K")  # 2 000 000 RUB is about $22K
    await wizard.send("Анна")
    await wizard.send("не почта")
    assert "Это не похоже на адрес e-mail" in wizard.text
    await wizard.send("anna@example.com")
    await wizard.tap("Пропустить")
    await wizard.tap("Пропустить")
    assert "Проверьте заявку" in wizard.text
    await wizard.tap("Подтвердить")
    (lead,) = await leads(wizard.harness)
    assert (lead.language, lead.budget, lead.timeline) == ("ru", "10k_50k", "urgent")
    assert "Спасибо, Анна!" in wizard.text


def test_answers_are_checked() -> None:
    assert parse_description("  " + "x" * 20 + "  ") == "x" * 20
    with pytest.raises(InputRejected) as refused:
        parse_description("x" * 3001)
    assert (refused.value.key, refused.value.params) == (
        "intake-error-too-long", {"length": 3001, "max": 3000},
    )  # fmt: skip
    assert parse_name("  Ann \n Example ") == "Ann Example"
    for bad in ("   ", "x" * 129):
        with pytest.raises(InputRejected):
            parse_name(bad)
    assert parse_email("Ann@Example.COM") == "Ann@example.com"
    assert parse_phone("+1 650 253 0000") == "+16502530000"
    for bad in ("89123456789", "+1 000", "call me"):
        with pytest.raises(InputRejected):
            parse_phone(bad)


@pytest.mark.parametrize(
    ("budget", "bracket"),
    [
        ({"amount": 5000, "currency": "USD"}, Budget.UNDER_10K),
        ({"amount": 10000, "currency": "EUR"}, Budget.FROM_10K),
        ({"amount": 30000, "currency": "EUR", "max": 80000}, Budget.FROM_50K),  # the middle
        ({"amount": 40000, "currency": "GBP"}, Budget.FROM_50K),
        ({"amount": 150000, "currency": "USD"}, Budget.OVER_150K),
        ({"amount": 500000, "currency": "RUB"}, Budget.UNDER_10K),
        ({"amount": 50000, "currency": "JPY"}, None),
    ],
)
def test_a_budget_in_the_description_suggests_a_bracket(
    budget: dict[str, Any], bracket: Budget | None
) -> None:
    assert suggest_budget({"budget": budget}) is bracket


def test_a_timeline_in_the_description_suggests_one() -> None:
    assert suggest_timeline({"timeline": {"category": "flexible"}}) is Timeline.FLEXIBLE
    assert suggest_timeline({"timeline": {"category": "someday"}}) is None
    assert suggest_timeline({}) is None
