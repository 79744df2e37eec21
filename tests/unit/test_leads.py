"""Leads against SQLite: save, update the open lead, the agents' card and the CSV export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake.entities import extract_entities
from bot.intake.export import COLUMNS, export_csv
from bot.intake.leads import LeadForm, lead_card, open_lead, save_lead
from bot.intake.scoring import DEFAULT_RULE, Budget, ProjectType, Timeline
from bot.intake.submit import submit
from bot.intake.tracking import intake_started
from bot.kernel.i18n import I18n
from db.models import (
    Conversation,
    ConversationStatus,
    IntakeProgress,
    Lead,
    LeadScore,
    LeadStatus,
    User,
)
from db.repositories.leads import LeadRepository

LOCALES = Path(__file__).resolve().parents[2] / "locales"
DESCRIPTION = (
    "We need a Kubernetes cluster on AWS with CI/CD for our 12 services, ASAP. "
    "Budget around $50K. Today everything runs on two hand-configured VMs and deploys by ssh."
)


@pytest.fixture(scope="module")
def hub() -> I18n:
    return I18n(LOCALES)


def make_form(**changes: object) -> LeadForm:
    form = LeadForm(
        project_type=ProjectType.DEVOPS,
        description=DESCRIPTION,
        timeline=Timeline.URGENT,
        budget=Budget.FROM_50K,
        name="Ann Smith",
        email="ann@example.com",
        company="Acme",
        phone="+372 5555 5555",
        source="site",
        language="en",
        entities=extract_entities(DESCRIPTION).to_dict(),
    )
    return replace(form, **changes)  # type: ignore[arg-type]


async def add_user(session: AsyncSession, user_id: int = 1001, **values: object) -> User:
    user = User(id=user_id, **({"first_name": "Ann", "username": "ann_s"} | values))
    session.add(user)
    await session.flush()
    return user


async def test_save_creates_a_scored_lead(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        user = await add_user(session)
        lead = await save_lead(session, user.id, make_form(), rule=DEFAULT_RULE)
        await session.commit()
    assert lead.id is not None
    async with sessionmaker() as session:
        stored = await session.get(Lead, lead.id)
        assert stored is not None
        # 30 (50K-150K) + 25 (urgent) + 10 (company) + 10 (detailed) + 5 (phone)
        assert (stored.score, stored.score_points) == (LeadScore.HOT, 80)
        assert stored.status is LeadStatus.NEW
        assert stored.project_type == "devops"
        assert (stored.timeline, stored.budget) == ("urgent", "50k_150k")
        assert (stored.name, stored.company) == ("Ann Smith", "Acme")
        assert stored.email == "ann@example.com"
        assert (stored.phone, stored.source, stored.language) == ("+372 5555 5555", "site", "en")
        assert stored.entities is not None
        assert stored.entities["technologies"][:2] == ["Kubernetes", "AWS"]
        assert stored.conversation_id is None  # no conversation: none is created for the lead


async def test_save_links_the_current_conversation_without_creating_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        user = await add_user(session)
        closed = Conversation(user_id=user.id, status=ConversationStatus.CLOSED)
        current = Conversation(user_id=user.id, status=ConversationStatus.BOT)
        session.add_all([current, closed])
        await session.flush()
        lead = await save_lead(session, user.id, make_form(), rule=DEFAULT_RULE)
        assert lead.conversation_id == current.id
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 2


async def test_second_intake_updates_the_open_lead(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        user = await add_user(session)
        assert await open_lead(session, user.id) is None
        first = await save_lead(session, user.id, make_form(), rule=DEFAULT_RULE)
        first.status = LeadStatus.CONTACTED
        await session.commit()

    async with sessionmaker() as session:
        existing = await open_lead(session, 1001)
        assert existing is not None and existing.id == first.id
        small = make_form(
            budget=Budget.UNDER_10K,
            timeline=Timeline.EXPLORING,
            description="Just curious",
            company=None,
            phone="  ",
            entities={},
        )
        updated = await save_lead(session, 1001, small, rule=DEFAULT_RULE, replace=existing)
        await session.commit()
    assert updated.id == first.id
    async with sessionmaker() as session:
        leads = await LeadRepository(session).all_newest_first()
        assert [lead.id for lead in leads] == [first.id]
        (lead,) = leads
        assert (lead.score, lead.score_points) == (LeadScore.COLD, 5)
        assert (lead.budget, lead.company, lead.phone) == ("lt10k", None, None)
        assert lead.status is LeadStatus.CONTACTED  # the team's progress is kept


async def test_closed_leads_are_not_open(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        user = await add_user(session)
        won = await save_lead(session, user.id, make_form(), rule=DEFAULT_RULE)
        won.status = LeadStatus.WON
        await session.flush()
        assert await open_lead(session, user.id) is None
        second = await save_lead(session, user.id, make_form(), rule=DEFAULT_RULE)
        assert second.id != won.id
        third = await save_lead(session, user.id, make_form(name="Ann S."), rule=DEFAULT_RULE)
        assert await open_lead(session, user.id) is third  # the newest open one


async def test_replace_must_be_the_users_lead(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        await add_user(session, 1)
        await add_user(session, 2)
        lead = await save_lead(session, 1, make_form(), rule=DEFAULT_RULE)
        with pytest.raises(ValueError, match="belongs to user 1"):
            await save_lead(session, 2, make_form(), rule=DEFAULT_RULE, replace=lead)


async def test_long_values_are_cut_to_the_column(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        user = await add_user(session)
        form = make_form(company="C" * 500, source="s" * 100, phone=" +1 555 0100 ")
        lead = await save_lead(session, user.id, form, rule=DEFAULT_RULE)
    assert lead.company == "C" * 128
    assert lead.source == "s" * 64
    assert lead.phone == "+1 555 0100"


def _card_lead(**values: object) -> tuple[Lead, User]:
    defaults: dict[str, object] = {
        "id": 42,
        "user_id": 1001,
        "project_type": "custom_app",
        "description": "<script>alert(1)</script> & a Kubernetes migration",
        "timeline": "normal",
        "budget": "gt150k",
        "name": "<b>Ann & Co</b>",
        "email": "ann+<x>@example.com",
        "company": "<b>Ann & Co</b>",
        "phone": "+372 <5555>",
        "source": "ad<1>",
        "language": "ru",
        "entities": {
            "technologies": ["Kubernetes", "<Odd & Tech>"],
            "budget": {"amount": 50000, "currency": "USD", "max": 80000, "text": "$50-80K"},
            "timeline": {"category": "urgent", "date": "2025-07-01", "text": "by <July>"},
        },
        "score": LeadScore.HOT,
        "score_points": 85,
        "status": LeadStatus.NEW,
    }
    defaults.update(values)
    user = User(id=1001, username="ann_s", first_name="<i>Ann</i>", last_name="& Co")
    return Lead(**defaults), user


def test_card_escapes_everything_the_user_typed(hub: I18n) -> None:
    lead, user = _card_lead()
    card = lead_card(lead, user, hub.get("en"))
    for raw in ("<b>Ann", "<script>", "<x>", "<5555>", "ad<1>", "<Odd", "<July>", "<i>Ann"):
        assert raw not in card
    assert "&lt;b&gt;Ann &amp; Co&lt;/b&gt;" in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; a Kubernetes migration" in card
    assert '<a href="tg://user?id=1001">&lt;i&gt;Ann&lt;/i&gt; &amp; Co</a>' in card
    # Only the card's own markup remains: every tag is one of ours.
    tags = {tag.split(" ")[0].split(">")[0] for tag in card.split("<")[1:]}
    assert tags <= {"b", "/b", "a", "/a"}


def test_card_shows_every_field_in_english(hub: I18n) -> None:
    lead, user = _card_lead()
    card = lead_card(lead, user, hub.get("en"))
    assert card.startswith("🔥 <b>HOT LEAD</b> · 85 points\n📋 <b>Lead #42</b>")
    for line in (
        "<b>Project type:</b> Custom app",
        "<b>Timeline:</b> Normal",
        "<b>Budget:</b> $150K+",
        "<b>Name:</b> &lt;b&gt;Ann &amp; Co&lt;/b&gt;",
        "<b>Company:</b> &lt;b&gt;Ann &amp; Co&lt;/b&gt;",
        "<b>Email:</b> ann+&lt;x&gt;@example.com",
        "<b>Phone:</b> +372 &lt;5555&gt;",
        "<b>Source:</b> ad&lt;1&gt;",
        "<b>Language:</b> ru",
        "<b>Description:</b>",
        "<b>Found in the description</b>",
        "Technologies: Kubernetes, &lt;Odd &amp; Tech&gt;",
        "Budget: 50\u2009000–80\u2009000 USD “$50-80K”",
        "Timeline: Urgent, by 2025-07-01, “by &lt;July&gt;”",
        "<b>Telegram:</b> @ann_s · <a href=",
    ):
        assert any(row.startswith(line) for row in card.split("\n")), line


def test_card_in_russian(hub: I18n) -> None:
    lead, user = _card_lead(score=LeadScore.WARM, score_points=52)
    card = lead_card(lead, user, hub.get("ru"))
    assert card.startswith("🌤 <b>Тёплый лид</b> · 52 балла\n📋 <b>Лид #42</b>")
    for line in (
        "<b>Тип проекта:</b> Разработка приложения",
        "<b>Сроки:</b> В обычные сроки",
        "<b>Бюджет:</b> $150K+",
        "<b>Имя:</b> &lt;b&gt;Ann &amp; Co&lt;/b&gt;",
        "<b>Компания:</b> &lt;b&gt;Ann &amp; Co&lt;/b&gt;",
        "<b>Эл. почта:</b> ann+&lt;x&gt;@example.com",
        "<b>Телефон:</b> +372 &lt;5555&gt;",
        "<b>Источник:</b> ad&lt;1&gt;",
        "<b>Язык:</b> ru",
        "<b>Описание:</b>",
        "<b>Найдено в описании</b>",
        "Технологии: Kubernetes, &lt;Odd &amp; Tech&gt;",
        "Сроки: Срочно, до 2025-07-01, «by &lt;July&gt;»",
    ):
        assert line in card.split("\n"), line
    assert "HOT" not in card and "ГОРЯЧИЙ" not in card


def test_cold_card_without_username_or_optional_fields(hub: I18n) -> None:
    lead, user = _card_lead(
        score=LeadScore.COLD, score_points=5, company=None, phone=None, source=None, entities={}
    )
    user.username = None
    card = lead_card(lead, user, hub.get("en"))
    assert card.startswith("❄️ <b>Cold lead</b> · 5 points")
    assert "<b>Company:</b> —" in card
    assert "<b>Phone:</b> —" in card
    assert "<b>Source:</b> —" in card
    assert "Found in the description" not in card
    assert "<b>Telegram:</b> no username · " in card
    assert "нет юзернейма" in lead_card(lead, user, hub.get("ru"))


def test_card_cuts_a_very_long_description(hub: I18n) -> None:
    lead, user = _card_lead(description="word " * 2000)
    card = lead_card(lead, user, hub.get("en"))
    assert len(card) < 4096
    assert "word…" in card


async def test_export_csv(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await add_user(session, 1, username="first")
        await add_user(session, 2, username=None)
        older = await save_lead(
            session, 1, make_form(company='=HYPERLINK("http://x")'), rule=DEFAULT_RULE
        )
        newer = await save_lead(
            session,
            2,
            make_form(name="@admin", phone="+1 555 0100", description="-1+1", entities={}),
            rule=DEFAULT_RULE,
        )
        await session.commit()

    out = io.StringIO(newline="")
    async with sessionmaker() as session:
        written = await export_csv(session, out)
    assert written == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    assert [int(row["id"]) for row in rows] == [newer.id, older.id]  # newest first
    first, second = rows
    assert first["name"] == "'@admin"
    assert first["phone"] == "'+1 555 0100"
    assert first["description"] == "'-1+1"
    assert first["username"] == ""
    assert first["entities"] == ""
    assert second["company"] == "'" + '=HYPERLINK("http://x")'
    assert second["username"] == "first"
    assert second["score"] == "hot" and second["score_points"] == "80"
    assert second["status"] == "new"
    assert second["user_id"] == "1"
    assert json.loads(second["entities"])["technologies"][:2] == ["Kubernetes", "AWS"]
    assert second["created_at"].endswith("+00:00")
    assert second["created_at"][:4].isdigit() and "T" in second["created_at"]


async def test_export_csv_without_leads(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = io.StringIO()
    async with sessionmaker() as session:
        assert await export_csv(session, out) == 0
    assert out.getvalue().splitlines() == [",".join(COLUMNS)]


async def test_submit_stores_the_lead_before_the_agents_hear_of_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The intake's Confirm without the dialog: stored, committed, intake closed, handed over."""
    told: list[tuple[int, int]] = []

    async def handover(*, lead: Lead, user: User) -> None:
        async with sessionmaker() as other:  # what another connection sees at this moment
            stored = await other.get(Lead, lead.id)
            progress = await other.get(IntakeProgress, user.id)
        assert stored is not None and stored.score == LeadScore.HOT
        assert progress is not None and progress.completed and progress.finished_at is not None
        told.append((lead.id, user.id))

    async with sessionmaker() as session:
        user = await add_user(session)
        await intake_started(session, user.id, "site")
        await session.commit()
        first = await submit(session, user, make_form(), rule=DEFAULT_RULE, handover=handover)
        again = await submit(
            session,
            user,
            make_form(name="Ann B. Smith"),
            rule=DEFAULT_RULE,
            handover=handover,
            update_open_lead=True,
        )
        fresh = await submit(session, user, make_form(), rule=DEFAULT_RULE, handover=handover)
    assert not first.updated and again.updated and not fresh.updated
    assert again.lead.id == first.lead.id and fresh.lead.id != first.lead.id
    assert told == [(first.lead.id, 1001), (first.lead.id, 1001), (fresh.lead.id, 1001)]
    async with sessionmaker() as session:
        names = (await session.scalars(select(Lead.name).order_by(Lead.id))).all()
    assert names == ["Ann B. Smith", "Ann Smith"]
