"""Signing in and the refusals, in Chromium: a link works once (also when two tabs confirm it at
the same moment), not after 10 minutes (the dashboard's clock is moved), not when changed;
pages without a session lead to the sign-in help and the API answers 401; a session ends when
idle, at sign-out and when its admin loses the role; a POST without the session's CSRF token,
or from another origin, is refused, and so is the CSV export linked from another site; every
answer carries the security headers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.dashboard.core import COOKIE, PREFIX
from bot.dashboard.links import LINK_SECONDS
from db.models import Agent, AgentRole, AuditLog
from tests.browser.conftest import Site
from tests.browser.test_pages import sign_in

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
ELSEWHERE = "http://elsewhere.test"
PAGES = ("/", "/conversations", "/conversations/1", "/leads", "/leads.csv", "/tickets")


async def refusal(page: Any, answer: Any) -> str | None:
    assert answer.status == 403
    return await page.get_attribute("#refused", "data-reason")


async def test_a_reused_link_is_refused(site: Site, new_page: Any, shot: Any) -> None:
    first = await new_page()
    link = await site.link()
    await first.goto(link)
    await first.click("#login button")
    await first.wait_for_url(site.url(PREFIX + "/"))
    second = await new_page()
    assert await refusal(second, await second.goto(link)) == "used"
    assert "was used already" in await second.inner_text("#refused")
    await shot(second, "refused-used")
    assert second.url == link  # and no session: the dashboard still sends it to sign in
    await second.goto(site.url(PREFIX + "/"))
    assert second.url == site.url(PREFIX + "/signin")


async def test_one_link_confirmed_in_two_tabs_opens_one_session(site: Site, new_page: Any) -> None:
    link = await site.link()
    first, second = await new_page(), await new_page()
    await first.goto(link)
    await second.goto(link)
    await first.click("#login button")
    await first.wait_for_url(site.url(PREFIX + "/"))
    await second.click("#login button")
    await second.wait_for_load_state()
    assert await second.get_attribute("#refused", "data-reason") == "used"
    assert [c for c in await second.context.cookies() if c["name"] == COOKIE] == []


async def test_an_expired_link_is_refused(site: Site, new_page: Any, shot: Any) -> None:
    page = await new_page()
    link = await site.link()
    site.clock.advance(LINK_SECONDS + 1)
    assert await refusal(page, await page.goto(link)) == "expired"
    assert "has expired" in await page.inner_text("#refused")
    await shot(page, "refused-expired")
    # A link opened in time but confirmed too late is refused as well.
    site.clock.offset = 0
    link = await site.link()
    await page.goto(link)
    site.clock.advance(LINK_SECONDS + 1)
    await page.click("#login button")
    await page.wait_for_load_state()
    assert await page.get_attribute("#refused", "data-reason") == "expired"


async def test_a_changed_link_is_refused(site: Site, new_page: Any) -> None:
    page = await new_page()
    link = await site.link()
    token = link.split("token=")[1]
    changed = link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    assert await refusal(page, await page.goto(changed)) == "invalid"
    assert await refusal(page, await page.goto(site.url(PREFIX + "/login"))) == "invalid"


async def test_pages_and_the_api_without_a_session_are_refused(
    site: Site, new_page: Any, shot: Any
) -> None:
    page = await new_page()
    for path in PAGES:
        await page.goto(site.url(PREFIX + path))
        assert page.url == site.url(PREFIX + "/signin"), path
    assert "/admin dashboard" in await page.inner_text("#signin-help")
    await shot(page, "signin-help")
    events = site.url(PREFIX + "/api/events?conversation=0&ticket=0")
    answer = await page.context.request.get(events)
    assert answer.status == 401 and await answer.json() == {"error": "sign in first"}
    # A made-up session id opens nothing either.
    await page.context.add_cookies([{"name": COOKIE, "value": "made-up", "url": site.base}])
    assert (await page.context.request.get(events)).status == 401
    await page.goto(site.url(PREFIX + "/leads"))
    assert page.url == site.url(PREFIX + "/signin")


async def test_a_session_ends_after_hours_without_a_page(site: Site, new_page: Any) -> None:
    page = await new_page()
    await sign_in(site, page)
    site.clock.advance(site.settings.dashboard.session_hours * 3600 - 60)
    await page.goto(site.url(PREFIX + "/leads"))  # still in: and this counts as activity
    assert page.url == site.url(PREFIX + "/leads")
    site.clock.advance(site.settings.dashboard.session_hours * 3600 + 1)
    await page.goto(site.url(PREFIX + "/leads"))
    assert page.url == site.url(PREFIX + "/signin")
    events = site.url(PREFIX + "/api/events?conversation=0&ticket=0")
    assert (await page.context.request.get(events)).status == 401


async def test_a_session_ends_when_its_admin_loses_the_role(site: Site, new_page: Any) -> None:
    async with site.sessionmaker() as db:
        db.add(Agent(telegram_id=3003, name="Ada Admin", role=AgentRole.ADMIN))
        await db.commit()
    page = await new_page()
    await page.goto(await site.link(user_id=3003))
    await page.click("#login button")
    await page.wait_for_url(site.url(PREFIX + "/"))
    async with site.sessionmaker() as db:
        await db.execute(update(Agent).where(Agent.telegram_id == 3003).values(role="agent"))
        await db.commit()
    await page.goto(site.url(PREFIX + "/conversations"))
    assert page.url == site.url(PREFIX + "/signin")
    # A link made while they were an admin no longer signs them in either.
    assert await site.answer(3003) == "Sorry, this command is for admins only."
    async with site.sessionmaker() as db:
        await db.execute(update(Agent).where(Agent.telegram_id == 3003).values(role="admin"))
        await db.commit()
    link = await site.link(user_id=3003)
    await page.goto(link)
    async with site.sessionmaker() as db:
        await db.execute(update(Agent).where(Agent.telegram_id == 3003).values(role="senior"))
        await db.commit()
    await page.click("#login button")
    await page.wait_for_load_state()
    assert await page.get_attribute("#refused", "data-reason") == "denied"


async def csrf_of(page: Any) -> str:
    value = await page.get_attribute("header .logout input[name=csrf]", "value")
    assert value
    return str(value)


async def test_a_post_without_the_csrf_token_or_from_elsewhere_is_refused(
    site: Site, new_page: Any
) -> None:
    page = await new_page()
    await sign_in(site, page)
    token, request = await csrf_of(page), page.context.request
    logout = site.url(PREFIX + "/logout")
    for form, headers in (
        ({}, {}),
        ({"csrf": "wrong"}, {}),
        ({"csrf": token[:-1]}, {}),
        ({"csrf": token}, {"Origin": "https://elsewhere.example"}),
    ):
        answer = await request.post(logout, form=form, headers=headers, max_redirects=0)
        assert answer.status == 403, (form, headers)
    await page.goto(site.url(PREFIX + "/"))
    assert page.url == site.url(PREFIX + "/")  # still signed in
    answer = await request.post(logout, form={"csrf": token}, max_redirects=0)
    assert (answer.status, answer.headers["location"]) == (303, PREFIX + "/signin?out=1")
    await page.goto(site.url(PREFIX + "/"))
    assert page.url == site.url(PREFIX + "/signin")


async def test_the_export_linked_from_another_site_is_refused(site: Site, new_page: Any) -> None:
    page = await new_page()
    await sign_in(site, page)
    export = site.url(PREFIX + "/leads.csv?score=hot")
    # A page of another site (served by the browser's router: no name is looked up) with a
    # link to the export; the Lax session cookie goes along on a click, and Chromium says
    # where it comes from (Sec-Fetch-Site: cross-site).
    await page.context.route(ELSEWHERE + "/**", lambda route: route.fulfill(
        content_type="text/html", body=f'<a id="export" href="{export}">leads</a>',
    ))  # fmt: skip
    await page.goto(ELSEWHERE + "/")
    async with page.expect_response(lambda answer: "/leads.csv" in answer.url) as answered:
        await page.click("#export")
    answer = await answered.value
    assert answer.status == 403
    await page.wait_for_load_state()
    assert await page.get_attribute("#refused", "data-reason") == "csrf"
    async with site.sessionmaker() as db:
        actions = (await db.scalars(select(AuditLog.action))).all()
    assert "dashboard-export-leads" not in actions  # nothing left the system


async def test_the_sign_in_form_needs_its_own_csrf_cookie(site: Site, new_page: Any) -> None:
    page = await new_page()
    link = await site.link()
    await page.goto(link)
    html = await page.content()
    token = re.search(r'name="token" value="([^"]+)"', html)
    nonce = re.search(r'name="csrf" value="([^"]+)"', html)
    assert token and nonce
    other = await new_page()  # a page elsewhere that posts the form: no sign-in cookie
    answer = await other.context.request.post(
        site.url(PREFIX + "/login"), form={"token": token[1], "csrf": nonce[1]}, max_redirects=0
    )
    assert answer.status == 403
    await page.click("#login button")  # the link was not spent by the refused attempt
    await page.wait_for_url(site.url(PREFIX + "/"))


async def test_every_answer_carries_the_security_headers(site: Site, new_page: Any) -> None:
    page = await new_page()
    answers = [await page.goto(await site.link())]
    await page.click("#login button")
    await page.wait_for_url(site.url(PREFIX + "/"))
    cookie = next(c for c in await page.context.cookies() if c["name"] == COOKIE)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"], cookie["secure"]) == (
        True, "Lax", PREFIX + "/", False  # http here; https sets Secure (test_cookies.py)
    )  # fmt: skip
    for path in (*PAGES, "/signin", "/static/dashboard.css", "/static/live.js", "/nowhere"):
        answers.append(await page.context.request.get(site.url(PREFIX + path)))
    for answer in answers:
        headers = answer.headers
        assert headers["content-security-policy"] == CSP, answer.url
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert [a.status for a in answers[-3:]] == [200, 200, 404]
    # The rest of the operators' port keeps its own, stricter policy.
    health = await page.context.request.get(site.url("/healthz"))
    strict = "default-src 'none'; frame-ancestors 'none'"
    assert health.headers["content-security-policy"] == strict


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/"])
async def test_the_dashboard_lives_under_its_prefix(site: Site, new_page: Any, path: str) -> None:
    page = await new_page()
    await page.goto(site.url(path))
    assert page.url == site.url(PREFIX + "/signin")
