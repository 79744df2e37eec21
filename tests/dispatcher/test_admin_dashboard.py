"""/admin dashboard: an admin gets a one-time sign-in link in their language (no preview), a
non-admin is refused, the agents' group gets nothing, and without DASHBOARD_URL a polite word.
The link's signature holds: changed, or older than 10 minutes, it is refused."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiogram.methods import SendMessage

from bot.config import Settings, load_settings
from bot.dashboard.links import LINK_SECONDS, LinkError, link_key, verify
from db.models import AgentRole
from tests.dispatcher.harness import Harness
from tests.dispatcher.test_admin import add_agent
from tests.fakes.desk import GROUP
from tests.fakes.recording import USER_ID
from tests.fakes.telegram_server import DEFAULT_TOKEN

ADMIN_ID = 5005
TOKEN = DEFAULT_TOKEN  # the fake Bot API's, not a real one
BASE = "https://admin.example.test"


def dashboard_settings(**dashboard: Any) -> Settings:
    return load_settings(
        telegram={"admin_ids": [ADMIN_ID], "bot_token": TOKEN, "agent_chat_id": GROUP},
        dashboard={"url": BASE, **dashboard},
    )


@pytest.fixture
def admin(harness: Harness) -> Harness:
    harness.rebuild(dashboard_settings())
    return harness


def token_of(text: str) -> str:
    url = next(word for word in text.split() if word.startswith(BASE))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "admin.example.test",
                                                        "/dashboard/login")  # fmt: skip
    return parse_qs(parts.query)["token"][0]


async def test_an_admin_gets_a_one_time_link_in_their_language_without_a_preview(
    admin: Harness,
) -> None:
    before = int(time.time())
    await admin.send("/admin dashboard", user_id=ADMIN_ID, language_code="ru")
    (call,) = admin.session.calls(SendMessage)
    assert call.text.startswith("<b>Панель</b>: ваша ссылка для входа")
    assert call.link_preview_options is not None and call.link_preview_options.is_disabled
    key = link_key(admin.settings)
    assert key is not None
    claim = verify(key, token_of(call.text), time.time())
    assert (claim.admin_id, claim.language) == (ADMIN_ID, "ru")
    assert before + LINK_SECONDS <= claim.expires <= time.time() + LINK_SECONDS


async def test_an_agent_with_the_admin_role_gets_one_too(admin: Harness) -> None:
    await add_agent(admin, 3003, AgentRole.ADMIN)
    await admin.send("/admin dashboard", user_id=3003)
    (text,) = admin.session.sent_texts(3003)
    assert text.startswith("<b>Dashboard</b>: your sign-in link")
    key = link_key(admin.settings)
    assert key is not None and verify(key, token_of(text), time.time()).admin_id == 3003


@pytest.mark.parametrize("role", [None, AgentRole.AGENT, AgentRole.SENIOR])
async def test_a_non_admin_is_refused_and_gets_no_link(
    admin: Harness, role: AgentRole | None
) -> None:
    if role is not None:
        await add_agent(admin, USER_ID, role)
    await admin.send("/admin dashboard")
    assert admin.session.sent_texts(USER_ID) == ["Sorry, this command is for admins only."]


async def test_the_agents_group_gets_no_link(admin: Harness) -> None:
    await admin.send("/admin dashboard", user_id=ADMIN_ID, chat_id=GROUP)
    assert not any(BASE in text for text in admin.session.sent_texts())


async def test_without_dashboard_url_the_admin_hears_it_is_off(harness: Harness) -> None:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID], "bot_token": TOKEN}))
    await harness.send("/admin dashboard", user_id=ADMIN_ID)
    (text,) = harness.session.sent_texts(ADMIN_ID)
    assert text.startswith("The web dashboard is not set up")
    assert "DASHBOARD_URL" in text


async def test_the_help_lists_it(admin: Harness) -> None:
    await admin.send("/admin", user_id=ADMIN_ID)
    assert "/admin dashboard" in admin.session.sent_texts(ADMIN_ID)[-1]


async def test_a_changed_or_expired_link_is_refused(admin: Harness) -> None:
    await admin.send("/admin dashboard", user_id=ADMIN_ID)
    token = token_of(admin.session.sent_texts(ADMIN_ID)[-1])
    key = link_key(admin.settings)
    assert key is not None
    body, mac = token.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    for bad in (forged, body + "." + mac[::-1], token[:-3], "", "x.y"):
        with pytest.raises(LinkError) as refused:
            verify(key, bad, time.time())
        assert refused.value.reason == "invalid"
    other_key = link_key(load_settings(telegram={"bot_token": TOKEN.replace("TEST", "OTHER")}))
    assert other_key is not None
    with pytest.raises(LinkError, match="invalid"):
        verify(other_key, token, time.time())
    with pytest.raises(LinkError, match="expired"):
        verify(key, token, time.time() + LINK_SECONDS + 1)
