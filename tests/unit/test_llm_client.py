"""The LongCat client against the fake OpenAI-compatible server: streaming, retries, timeouts,
quota, the circuit breaker and the model check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import LongCatSettings
from llm.client import LLMUnavailable, LongCatClient
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat

QUESTION = [{"role": "user", "content": "How do you run Kubernetes upgrades?"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


async def ignore(text: str) -> None:
    pass


class Clock:
    """Sleeps are recorded and skipped; time still flows for deadlines."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def make_client(fake: FakeLongCat, clock: Clock | None = None, **overrides: Any) -> LongCatClient:
    settings = LongCatSettings(
        api_key=DEFAULT_API_KEY,
        base_url=fake.base_url,
        **{"first_token_timeout": 1.0, "idle_timeout": 1.0, "deadline": 6.0, **overrides},
    )
    clock = clock or Clock()
    return LongCatClient(settings, sleep=clock.sleep, jitter=lambda low, high: high)


async def test_streams_the_answer_with_usage_and_thinking_off(fake: FakeLongCat) -> None:
    fake.reply("We upgrade **one node pool** at a time.")
    client = make_client(fake)
    seen: list[str] = []

    async def on_text(text: str) -> None:
        seen.append(text)

    completion = await client.generate(QUESTION, max_tokens=200, on_text=on_text)

    assert completion.text == "We upgrade **one node pool** at a time."
    assert completion.finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0
    assert completion.attempts == 1
    assert completion.first_token_seconds is not None
    assert seen[0] == "We " and seen[-1] == completion.text
    body = fake.requests[0]
    assert body["thinking"] == {"type": "disabled"}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["model"] == "LongCat-2.0" and body["max_tokens"] == 200
    await client.close()


async def test_429_waits_at_least_the_retry_time_then_answers(fake: FakeLongCat) -> None:
    fake.fail_next(429, retry_after=2.5)
    fake.reply("fine")
    clock = Clock()
    client = make_client(fake, clock)

    completion = await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert completion.text == "fine" and completion.attempts == 2
    assert clock.sleeps and clock.sleeps[0] >= 2.5
    await client.close()


async def test_5xx_is_retried_with_growing_backoff(fake: FakeLongCat) -> None:
    fake.fail_next(500)
    fake.fail_next(503)
    fake.reply("third time lucky")
    clock = Clock()
    client = make_client(fake, clock)

    completion = await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert completion.attempts == 3 and completion.text == "third time lucky"
    assert clock.sleeps == [0.5, 1.0]
    await client.close()


async def test_three_failures_give_up(fake: FakeLongCat) -> None:
    fake.fail_next(500, times=3)
    client = make_client(fake)

    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert error.value.reason == "failed" and error.value.attempts == 3
    assert len(fake.requests) == 3
    await client.close()


@pytest.mark.parametrize("status", [402, 403])
async def test_spent_quota_is_not_retried(fake: FakeLongCat, status: int) -> None:
    fake.fail_next(status)
    client = make_client(fake)

    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert error.value.reason == "quota"
    assert len(fake.requests) == 1
    await client.close()


async def test_slow_first_token_is_retried(fake: FakeLongCat) -> None:
    fake.hang_next(seconds=5)
    fake.reply("after the hang")
    client = make_client(fake, first_token_timeout=0.5)

    completion = await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert completion.text == "after the hang" and completion.attempts == 2
    await client.close()


async def test_a_stream_that_stalls_midway_is_retried_whole(fake: FakeLongCat) -> None:
    fake.stall_stream_after(3, seconds=5)
    fake.reply("a long answer that stalls after a few words")
    fake.reply("the full answer")
    client = make_client(fake, idle_timeout=0.5)
    seen: list[str] = []

    async def on_text(text: str) -> None:
        seen.append(text)

    completion = await client.generate(QUESTION, max_tokens=50, on_text=on_text)

    assert completion.text == "the full answer" and completion.attempts == 2
    assert seen[-1] == "the full answer"
    await client.close()


async def test_a_cut_stream_is_retried(fake: FakeLongCat) -> None:
    fake.cut_stream_after(2)
    fake.reply("this stream is cut")
    fake.reply("whole")
    client = make_client(fake)

    completion = await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert completion.text == "whole" and completion.attempts == 2
    await client.close()


async def test_the_deadline_bounds_all_attempts(fake: FakeLongCat) -> None:
    fake.hang_next(seconds=30, times=5)
    client = make_client(fake, first_token_timeout=5.0, deadline=1.0)

    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert error.value.reason == "failed"
    await client.close()


async def test_the_breaker_opens_after_repeated_failures_and_probes_after_cooldown(
    fake: FakeLongCat,
) -> None:
    now = [1000.0]
    settings = LongCatSettings(
        api_key=DEFAULT_API_KEY, base_url=fake.base_url, max_attempts=1, breaker_failures=2,
        breaker_cooldown=30,
    )  # fmt: skip
    client = LongCatClient(settings, sleep=Clock().sleep)
    client.breaker.clock = lambda: now[0]
    fake.fail_next(500, times=2)
    for _ in range(2):
        with pytest.raises(LLMUnavailable):
            await client.generate(QUESTION, max_tokens=50, on_text=ignore)
    assert not client.available

    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)
    assert error.value.reason == "circuit_open"
    assert len(fake.requests) == 2  # refused without calling

    now[0] += 31
    fake.reply("back")
    assert (await client.generate(QUESTION, max_tokens=50, on_text=ignore)).text == "back"
    assert client.available
    await client.close()


async def test_model_check_warns_once_and_refuses(fake: FakeLongCat) -> None:
    client = make_client(fake, model="LongCat-Flash-Chat-2099")
    messages: list[str] = []
    from loguru import logger

    sink = logger.add(lambda message: messages.append(str(message)), level="WARNING")
    try:
        assert await client.check_model() is False
    finally:
        logger.remove(sink)
    assert len(messages) == 1 and "LONGCAT_MODEL" in messages[0]
    assert not client.available
    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)
    assert error.value.reason == "model_missing"
    await client.close()


async def test_served_model_passes_the_check(fake: FakeLongCat) -> None:
    client = make_client(fake)
    assert await client.check_model() is True
    assert client.available
    await client.close()


async def test_a_wrong_key_is_not_retried(fake: FakeLongCat) -> None:
    settings = LongCatSettings(api_key="wrong-key", base_url=fake.base_url)
    client = LongCatClient(settings)

    with pytest.raises(LLMUnavailable) as error:
        await client.generate(QUESTION, max_tokens=50, on_text=ignore)

    assert error.value.reason == "rejected" and len(fake.requests) == 1
    await client.close()


async def test_a_call_without_a_text_callback_is_not_streamed(fake: FakeLongCat) -> None:
    fake.fail_next(503)
    fake.reply("A summary.", usage={"prompt_tokens": 120, "completion_tokens": 3})
    client = make_client(fake)

    completion = await client.generate(QUESTION, max_tokens=100)

    assert completion.text == "A summary." and completion.attempts == 2
    assert completion.usage is not None and completion.usage.prompt_tokens == 120
    assert "stream" not in fake.requests[-1]
    assert fake.requests[-1]["thinking"] == {"type": "disabled"}
    await client.close()


async def test_a_hung_plain_call_leaves_time_for_a_retry(fake: FakeLongCat) -> None:
    fake.hang_next(seconds=30)
    fake.reply("second try")
    client = make_client(fake, deadline=2.0)

    completion = await client.generate(QUESTION, max_tokens=100)

    assert completion.text == "second try" and completion.attempts == 2
    await client.close()
