"""An admin's way through the dashboard in Chromium: the link from /admin dashboard, the sign-in
button, the KPIs and their chart, a search by text, by name and by e-mail, a conversation's
history with its LLM metadata, the leads filtered and exported, the tickets with the agents'
and SLA figures, and sign-out. A screenshot of each page; no CSP violation on any."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.dashboard import pages
from bot.dashboard.core import PREFIX
from bot.intake.export import COLUMNS
from db.models import AuditLog, Conversation
from tests.browser.conftest import Site
from tests.browser.seed import ADMIN_ID, AGENT_NAME, MARKUP, add_forgotten

HIDDEN = 2201


async def sign_in(site: Site, page: Any, language_code: str = "en") -> None:
    await page.goto(await site.link(language_code=language_code))
    await page.click("#login button")
    await page.wait_for_url(site.url(PREFIX + "/"))


async def rows(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in await page.locator(f"{selector} tbody tr").all_inner_texts()]


async def search(page: Any, text: str) -> list[str]:
    await page.fill("#conversation-filters input[name=q]", text)
    await page.click("#conversation-filters button")
    await page.wait_for_load_state()
    return await rows(page, "main table")


async def test_an_admin_signs_in_and_goes_through_every_page(
    site: Site, new_page: Any, shot: Any
) -> None:
    page = await new_page()
    link = await site.link()
    answer = await page.goto(link)
    assert answer.status == 200
    await shot(page, "1-login")
    await page.click("#login button")
    await page.wait_for_url(site.url(PREFIX + "/"))

    # KPIs of the last 7 days: four conversations (the forgotten person's counts in the
    # figures, never by name), three leads, two hand-offs.
    assert await page.text_content("[data-kpi=conversations]") == "4"
    assert await page.text_content("[data-kpi=leads]") == "3"
    assert await page.text_content("[data-kpi=conversion]") == "75.0%"
    assert await page.text_content("[data-kpi=handoff]") == "50.0%"
    assert await page.text_content("[data-kpi=csat]") == "5.0"
    bars = page.locator("svg#chart-by-day rect.bar")
    assert await bars.count() == 8 * 3  # eight days in a 7-day window, three series a day
    values = [int(await bars.nth(i).get_attribute("data-value") or 0) for i in range(24)]
    assert sum(values) == 4 + 3 + 2
    assert await page.locator("svg#chart-by-day rect.bar-conversations[height='0']").count() < 8
    assert "ads" in await page.inner_text("#by-source")
    await shot(page, "2-kpis")

    await page.click("nav >> text=Conversations")
    await page.wait_for_url(site.url(PREFIX + "/conversations"))
    assert len(await rows(page, "main table")) == 3  # not the forgotten person's
    await shot(page, "3-conversations")
    (found,) = await search(page, "kubernetes")
    assert "Anna Petrova (@anna_p)" in found
    await shot(page, "4-search-text")
    (found,) = await search(page, "Boris")
    assert "@boris_dev" in found
    (found,) = await search(page, "carla@example.com")  # her lead's e-mail
    assert "Carla Meyer" in found
    (found,) = await search(page, "carla.ops@example")  # the call-back e-mail of her ticket
    assert "Carla Meyer" in found
    assert await search(page, "a secret nobody") == []  # the forgotten person's text
    assert await search(page, "100%_") == []

    (found,) = await search(page, "Anna")
    await page.click(f"main table a:text('#{site.seeded.anna}')")
    await page.wait_for_url(site.url(f"{PREFIX}/conversations/{site.seeded.anna}"))
    history = await page.inner_text("#history")
    assert "Do you do Kubernetes migrations for a fintech?" in history
    assert "Hi Anna, Alice here" in history
    llm = await page.inner_text("#history .llm")
    for figure in ("LongCat-2.0", "consult-v3", "812 in (640 cached), 95 out", "1234 ms",
                   "$0.000891", "0.82"):  # fmt: skip
        assert figure in llm
    assert AGENT_NAME in await page.inner_text("main table")  # the conversation's ticket
    await shot(page, "5-conversation")

    await page.click("nav >> text=Leads")
    assert len(await rows(page, "#leads")) == 3
    await page.select_option("#lead-filters select[name=score]", "hot")
    await page.click("#lead-filters button")
    await page.wait_for_url("**/leads?*score=hot*")
    (hot,) = await rows(page, "#leads")
    assert "boris@example.org" in hot
    await shot(page, "6-leads")
    exported = await download(page)
    assert exported[0] == list(COLUMNS)
    (row,) = exported[1:]
    lead = dict(zip(COLUMNS, row, strict=True))
    assert (lead["email"], lead["score"], lead["username"]) == ("boris@example.org", "hot",
                                                               "boris_dev")  # fmt: skip
    await page.goto(site.url(PREFIX + "/leads"))
    every = await download(page)
    assert sorted(r[COLUMNS.index("email")] for r in every[1:]) == [
        "anna@example.net",
        "boris@example.org",
        "carla@example.com",
    ]
    # The export's formula guard holds: a company typed as "=..." stays text.
    assert "'=Carla GmbH" in [r[COLUMNS.index("company")] for r in every[1:]]
    async with site.sessionmaker() as db:
        entries = (await db.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(e.action, e.actor_id, e.details) for e in entries] == [
        ("dashboard-sign-in", ADMIN_ID, None),
        ("dashboard-export-leads", ADMIN_ID, {"leads": 1}),
        ("dashboard-export-leads", ADMIN_ID, {"leads": 3}),
    ]

    await page.click("nav >> text=Tickets")
    await page.wait_for_url(site.url(PREFIX + "/tickets"))
    await shot(page, "7-tickets")
    (agent,) = await rows(page, "#agents")
    assert agent.split("\t") == [AGENT_NAME, "1", "4 min", "10 min", "2 h 0 min"]
    tickets = await rows(page, "table[data-live=ticket]")
    assert len(tickets) == 2
    assert "in time" in tickets[1] and "5" in tickets[1].split("\t")
    assert "late" in tickets[0] and "incident" in tickets[0]
    assert await page.locator("table[data-live=ticket] td.mark-late").count() == 1
    await shot(page, "7-tickets")

    await page.click("header .logout button")
    await page.wait_for_url("**/dashboard/signin?out=1")
    assert "You are signed out." in await page.inner_text("main")
    await shot(page, "8-signed-out")
    await page.goto(site.url(PREFIX + "/"))
    assert page.url == site.url(PREFIX + "/signin")
    assert page.problems == []


async def download(page: Any) -> list[list[str]]:
    async with page.expect_download() as started:
        await page.click("#export")
    done = await started.value
    assert done.suggested_filename.startswith("leads-") and done.suggested_filename.endswith(
        ".csv"
    )
    text = await asyncio.to_thread(Path(await done.path()).read_text, encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


async def test_an_admin_who_speaks_russian_gets_the_dashboard_in_russian(
    site: Site, new_page: Any, shot: Any
) -> None:
    page = await new_page(locale="en-US")
    await sign_in(site, page, language_code="ru")
    assert await page.get_attribute("html", "lang") == "ru"
    assert "Ключевые показатели" in await page.inner_text("main h1")
    assert "Показатели" in await page.inner_text("nav")
    await shot(page, "kpis-ru")
    await page.goto(site.url(PREFIX + "/tickets"))
    assert "с опозданием" in await page.inner_text("table[data-live=ticket]")
    await shot(page, "tickets-ru")
    assert page.problems == []


async def test_conversations_are_filtered_by_status_source_date_and_hand_off(
    site: Site, new_page: Any, shot: Any
) -> None:
    page = await new_page()
    await sign_in(site, page)
    await page.goto(site.url(PREFIX + "/conversations"))
    await page.select_option("#conversation-filters select[name=status]", "escalated")
    await page.click("#conversation-filters button")
    await page.wait_for_url("**status=escalated*")
    (found,) = await rows(page, "main table")
    assert "Carla Meyer" in found
    await shot(page, "status")

    async def shown(query: str) -> list[str]:
        await page.goto(site.url(f"{PREFIX}/conversations?{query}"))
        return [row.split("\t")[2] for row in await rows(page, "main table")]

    anna, boris, carla = "Anna Petrova (@anna_p)", "Boris (@boris_dev)", "Carla Meyer"
    assert await shown("source=ads") == [anna]  # the forgotten person's is not listed
    assert await shown("escalated=yes") == [carla, anna]
    assert await shown("escalated=no") == [boris]
    async with site.sessionmaker() as db:
        started = await db.get(Conversation, site.seeded.boris)
        assert started is not None
    boris_day = started.created_at.astimezone(UTC).date()
    assert await shown(f"since={boris_day}") == [carla, boris]
    assert await shown(f"until={boris_day - timedelta(days=1)}") == [anna]
    assert await shown(f"since={boris_day}&escalated=yes&q=pipeline") == [carla]


async def test_the_source_filter_offers_no_source_of_a_forgotten_person(
    site: Site, new_page: Any
) -> None:
    await add_forgotten(site.sessionmaker, HIDDEN, "hidden-campaign")
    page = await new_page()
    await sign_in(site, page)
    await page.goto(site.url(PREFIX + "/conversations"))
    options = page.locator("#conversation-filters select[name=source] option")
    assert await options.all_inner_texts() == ["any", "ads", "site"]
    assert "hidden-campaign" not in await page.content()


async def test_filters_that_are_not_understood_are_named_not_failed(
    site: Site, new_page: Any
) -> None:
    page = await new_page()
    await sign_in(site, page)
    answer = await page.goto(
        site.url(PREFIX + "/conversations?status=nonsense&since=yesterday&escalated=no")
    )
    assert answer.status == 200
    assert "status, since" in await page.inner_text(".notice")
    (kept,) = await rows(page, "main table")  # the one filter understood still applies
    assert "@boris_dev" in kept
    await page.goto(site.url(f"{PREFIX}/conversations/{site.seeded.boris}"))
    assert MARKUP in await page.inner_text("#history")
    assert await page.locator("#history script, #history b").count() == 0
    assert await page.title() != "owned"
    answer = await page.goto(site.url(PREFIX + "/conversations/999999"))
    assert answer.status == 404
    answer = await page.goto(site.url(f"{PREFIX}/conversations/{site.seeded.gone}"))
    assert answer.status == 404  # the forgotten person's


async def test_a_page_that_fails_says_so_politely(
    site: Site, new_page: Any, shot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = await new_page()
    await sign_in(site, page)

    async def broken(*_args: object) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(pages, "compute", broken)
    answer = await page.goto(site.url(PREFIX + "/"))
    assert answer.status == 500
    assert "could not be shown just now" in await page.inner_text("main")
    assert "database went away" not in await page.content()
    assert answer.headers["x-frame-options"] == "DENY"
    await shot(page, "error")
