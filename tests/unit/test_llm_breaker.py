"""The circuit breaker's probe always resolves, and a 408 is retried like a 5xx.

Regression tests for the issue "Answer what was asked: the LLM ... bounded and safe": a probe that
was cancelled or broke on something unexpected left the breaker open until restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import LongCatSettings
from llm.client import LLMUnavailable, LongCatClient
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat

QUESTION = [{"role": "user", "content": "How do you run Kubernetes upgrades?"}]
COOLDOWN = 30.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


async def ignore(text: str) -> None:
    pass


async def no_sleep(seconds: float) -> None:
    pass


class BreakerClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def open_breaker(fake: FakeLongCat) -> tuple[LongCatClient, BreakerClock]:
    """A client whose breaker has just opened after one failed answer."""
    settings = LongCatSettings(
        api_key=DEFAULT_API_KEY,
        base_url=fake.base_url,
        max_attempts=1,
        breaker_failures=1,
        breaker_cooldown=COOLDOWN,
        first_token_timeout=5.0,
        deadline=10.0,
    )
    client = LongCatClient(settings, sleep=no_sleep)
    clock = BreakerClock()
    client.breaker.clock = clock
    fake.fail_next(500)
    with pytest.raises(LLMUnavailable):
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)
    assert not client.available
    return client, clock


async def probe_again_and_succeed(
    fake: FakeLongCat, client: LongCatClient, clock: BreakerClock
) -> None:
    clock.now += COOLDOWN + 1
    assert client.available
    fake.reply("back")
    assert (await client.generate(QUESTION, max_tokens=50, on_text=ignore)).text == "back"
    assert client.available and client.breaker.opened_at is None


@pytest.mark.parametrize("streamed", [True, False])
async def test_a_cancelled_probe_does_not_leave_the_breaker_open(
    fake: FakeLongCat, streamed: bool
) -> None:
    client, clock = await open_breaker(fake)
    clock.now += COOLDOWN + 1
    fake.hang_next(seconds=60)
    probe = asyncio.create_task(
        client.generate(QUESTION, max_tokens=50, on_text=ignore if streamed else None)
    )
    await fake.wait_for_request(since=1)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe

    # Back to open with the cool-down restarted: refused at once, probed again after it.
    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)
    assert error.value.reason == "circuit_open"
    await probe_again_and_succeed(fake, client, clock)
    await client.close()


@pytest.mark.parametrize(
    "broken", [ValueError("Expecting value: line 1 column 1"), KeyError("choices"), AttributeError]
)
async def test_a_probe_that_breaks_unexpectedly_reopens_the_breaker(
    fake: FakeLongCat, monkeypatch: pytest.MonkeyPatch, broken: BaseException | type
) -> None:
    client, clock = await open_breaker(fake)
    clock.now += COOLDOWN + 1
    completions = client._client.chat.completions
    real_create = completions.create

    async def parse_fails(*args: Any, **kwargs: Any) -> Any:
        raise broken

    monkeypatch.setattr(completions, "create", parse_fails)
    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50)
    assert error.value.reason == "failed"
    assert isinstance(error.value.__cause__, Exception)  # the real cause stays visible
    assert not client.available

    monkeypatch.setattr(completions, "create", real_create)
    await probe_again_and_succeed(fake, client, clock)
    await client.close()


async def test_a_cancelled_call_while_closed_is_not_a_failure(fake: FakeLongCat) -> None:
    settings = LongCatSettings(
        api_key=DEFAULT_API_KEY, base_url=fake.base_url, breaker_failures=1, deadline=10.0
    )
    client = LongCatClient(settings, sleep=no_sleep)
    fake.hang_next(seconds=60)
    call = asyncio.create_task(client.generate(QUESTION, max_tokens=50, on_text=ignore))
    await fake.wait_for_request()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert client.available and client.breaker.failures == 0
    await client.close()


@pytest.mark.parametrize("streamed", [True, False])
async def test_http_408_is_retried_like_a_timeout(fake: FakeLongCat, streamed: bool) -> None:
    settings = LongCatSettings(api_key=DEFAULT_API_KEY, base_url=fake.base_url, deadline=10.0)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = LongCatClient(settings, sleep=sleep, jitter=lambda low, high: high)
    fake.fail_next(408)
    fake.reply("answered after a request timeout")

    completion = await client.generate(
        QUESTION, max_tokens=50, on_text=ignore if streamed else None
    )

    assert completion.text == "answered after a request timeout"
    assert completion.attempts == 2 and len(fake.requests) == 2
    assert sleeps == [0.5]
    await client.close()
