"""Live updates in Chromium: a conversation and a ticket stored while the pages are open appear
at the top of their tables (server-sent events, static/live.js), linked and in the page's
language; a filtered list is not live; the stream stops when the session ends, and at its next
poll when the admin loses the role."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from bot.dashboard.core import PREFIX
from db.models import Agent, AgentRole
from tests.browser.conftest import Site
from tests.browser.seed import add_conversation, add_ticket
from tests.browser.test_pages import sign_in

NEW_PERSON = 2101
ADA = 3003  # an admin by her agent row, not by ADMIN_IDS: the role can be taken away


async def test_a_new_conversation_and_ticket_appear_on_open_pages(
    site: Site, new_page: Any, shot: Any
) -> None:
    page = await new_page()
    await sign_in(site, page)
    await page.goto(site.url(PREFIX + "/conversations"))
    assert await page.locator("table[data-live=conversation] tbody tr").count() == 3
    tickets = await new_page()
    await tickets.context.add_cookies(await page.context.cookies())
    await tickets.goto(site.url(PREFIX + "/tickets"))
    assert tickets.url == site.url(PREFIX + "/tickets")

    conversation = await add_conversation(site.sessionmaker, NEW_PERSON, "Dmitri",
                                          "Do you host on Hetzner?")  # fmt: skip
    fresh = page.locator("table[data-live=conversation] tbody tr.fresh")
    await fresh.first.wait_for(timeout=10_000)
    assert await page.locator("table[data-live=conversation] tbody tr").count() == 4
    top = page.locator("table[data-live=conversation] tbody tr").first
    assert "Dmitri" in await top.inner_text() and "live" in await top.inner_text()
    link = top.locator("a")
    assert await link.get_attribute("href") == f"{PREFIX}/conversations/{conversation}"
    await shot(page, "conversations-live")

    await add_ticket(site.sessionmaker, NEW_PERSON, conversation)
    row = tickets.locator("table[data-live=ticket] tbody tr.fresh")
    await row.first.wait_for(timeout=10_000)
    text = await row.first.inner_text()
    assert "Dmitri" in text and "frustrated" in text and "waiting" in text
    await shot(tickets, "tickets-live")
    # Only once: the stream goes on after what it sent.
    await page.wait_for_timeout(1000)
    assert await fresh.count() == 1
    await link.click()
    await page.wait_for_url(site.url(f"{PREFIX}/conversations/{conversation}"))
    assert "Do you host on Hetzner?" in await page.inner_text("#history")
    assert page.problems == [] and tickets.problems == []


async def test_a_filtered_list_is_not_live(site: Site, new_page: Any) -> None:
    page = await new_page()
    await sign_in(site, page)
    await page.goto(site.url(PREFIX + "/conversations?q=Boris"))
    assert await page.get_attribute("body", "data-events") is None
    assert await page.locator("table[data-live]").count() == 0
    await add_conversation(site.sessionmaker, NEW_PERSON, "Dmitri", "hello")
    await page.wait_for_timeout(1000)
    assert await page.locator("main table tbody tr").count() == 1


async def test_the_stream_ends_with_the_session(site: Site, new_page: Any) -> None:
    page = await new_page()
    await sign_in(site, page)
    await page.goto(site.url(PREFIX + "/conversations"))
    other = await new_page()
    await other.context.add_cookies(await page.context.cookies())
    await other.goto(site.url(PREFIX + "/"))
    await other.click("header .logout button")  # the same session, signed out elsewhere
    await page.wait_for_url(site.url(PREFIX + "/signin"), timeout=10_000)


async def test_the_stream_ends_when_its_admin_loses_the_role(site: Site, new_page: Any) -> None:
    async with site.sessionmaker() as db:
        db.add(Agent(telegram_id=ADA, name="Ada Admin", role=AgentRole.ADMIN))
        await db.commit()
    page = await new_page()
    await page.goto(await site.link(user_id=ADA))
    await page.click("#login button")
    await page.wait_for_url(site.url(PREFIX + "/"))
    async with page.expect_response("**/api/events?*") as opened:
        await page.goto(site.url(PREFIX + "/conversations"))
    assert (await opened.value).status == 200
    async with site.sessionmaker() as db:
        await db.execute(update(Agent).where(Agent.telegram_id == ADA).values(role="agent"))
        await db.commit()
    # The open stream sends nothing more: the page goes to the sign-in help at the next poll.
    await page.wait_for_url(site.url(PREFIX + "/signin"), timeout=10_000)
    assert page.problems == []
