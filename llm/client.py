"""The LongCat client: the openai SDK's AsyncOpenAI behind the small `ChatModel` protocol.

The SDK's own retries and 600 s timeout are switched off; this client owns the policy:

- timeouts: connect, time to the first token, silence between chunks, and one deadline for the
  whole answer, retries included;
- up to `max_attempts` attempts, with exponential backoff and full jitter, on 408 and 429 (waiting
  at least the server's retry time), 5xx, timeouts and dropped connections; 402/403 (quota spent)
  and other 4xx are not retried;
- a circuit breaker: after `breaker_failures` failed answers in a row the client refuses at
  once for `breaker_cooldown` seconds, then lets one call through to probe. Every probe resolves:
  success closes the breaker; a failure, an unexpected error or a cancellation opens it again for
  a new cool-down, so that a later call probes again;
- thinking mode off (`extra_body`), usage requested with the stream.

Services see `LLMUnavailable` with a reason, never an SDK exception: an unexpected error (a
response that does not parse) is logged once with its traceback and becomes reason "failed".
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import openai
from loguru import logger
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from bot.config import LongCatSettings

ChatMessage = dict[str, str]
# Called with the whole text so far, each time the stream brings more.
OnText = Callable[[str], Awaitable[None]]


class LLMUnavailable(Exception):
    """No answer from the LLM; `reason` (model_missing, circuit_open, quota, failed, rejected)
    is for metrics and fallbacks."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.attempts = 0


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0


@dataclass
class Completion:
    text: str
    finish_reason: str
    model: str
    usage: Usage | None
    attempts: int = 1
    first_token_seconds: float | None = None
    seconds: float = 0.0


class ChatModel(Protocol):
    """What the services need from an LLM."""

    model: str

    @property
    def available(self) -> bool:
        """False when calls would be refused at once (not configured, model missing, breaker)."""

    async def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int,
        on_text: OnText | None = None,
    ) -> Completion:
        """One answer; streamed through `on_text` when given. Raises LLMUnavailable."""


@dataclass
class CircuitBreaker:
    failures_to_open: int
    cooldown: float
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    _probing: bool = field(default=False, repr=False)

    @property
    def is_open(self) -> bool:
        if self.opened_at is None:
            return False
        return self.clock() - self.opened_at < self.cooldown or self._probing

    @property
    def probing(self) -> bool:
        return self._probing

    def allow(self) -> bool:
        """Closed: yes. Open: no, until the cool-down ends; then one probe at a time, which the
        caller must resolve with `success()` or `failure()`, whatever happens to it."""
        if self.opened_at is None:
            return True
        if self.is_open:
            return False
        self._probing = True
        return True

    def success(self) -> None:
        if self.opened_at is not None:
            logger.info("LLM circuit closed: the LLM answers again")
        self.failures, self.opened_at, self._probing = 0, None, False

    def failure(self) -> None:
        self.failures += 1
        self._probing = False
        if self.opened_at is not None or self.failures >= self.failures_to_open:
            if self.opened_at is None:
                logger.warning(
                    "LLM circuit open after {} failures: answering without the LLM for {:.0f} s",
                    self.failures,
                    self.cooldown,
                )
            self.opened_at = self.clock()


class _Retryable(Exception):
    def __init__(self, kind: str, wait: float = 0.0) -> None:
        super().__init__(kind)
        self.kind = kind
        self.wait = wait


class LongCatClient:
    """`ChatModel` over the OpenAI-compatible LongCat API."""

    def __init__(
        self,
        settings: LongCatSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if settings.api_key is None:
            raise LLMUnavailable("not_configured")
        self.settings = settings
        self.model = settings.model
        self.model_missing = False
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown, clock)
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._client = AsyncOpenAI(
            api_key=settings.api_key.get_secret_value(),
            base_url=settings.base_url,
            max_retries=0,
            timeout=openai.Timeout(settings.deadline, connect=settings.connect_timeout),
        )

    @property
    def available(self) -> bool:
        return not self.model_missing and not self.breaker.is_open

    async def close(self) -> None:
        await self._client.close()

    async def check_model(self) -> bool:
        """At start: is the configured model served? One warning line when it is not."""
        try:
            async with asyncio.timeout(self.settings.deadline):
                served = [model.id async for model in self._client.models.list()]
        except (openai.OpenAIError, TimeoutError) as exc:
            logger.warning(
                "LONGCAT_BASE_URL: could not list models ({}); the LLM will be tried anyway",
                type(exc).__name__,
            )
            return True
        self.model_missing = self.model not in served
        if self.model_missing:
            logger.warning(
                "LONGCAT_MODEL: {} is not served (served: {}); answering without the LLM",
                self.model,
                ", ".join(served) or "none",
            )
        return not self.model_missing

    async def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int,
        on_text: OnText | None = None,
    ) -> Completion:
        if self.model_missing:
            raise LLMUnavailable("model_missing", self.model)
        if not self.breaker.allow():
            raise LLMUnavailable("circuit_open")
        probe = self.breaker.probing
        try:
            completion = await self._attempts(messages, max_tokens, on_text)
        except LLMUnavailable:
            self.breaker.failure()
            raise
        except BaseException:
            # Cancelled (or interrupted): no verdict on the LLM, so a call while closed counts
            # nothing; but a probe must not keep its slot, or the breaker stays open for good.
            if probe:
                self.breaker.failure()
            raise
        self.breaker.success()
        return completion

    async def _attempts(
        self, messages: Sequence[ChatMessage], max_tokens: int, on_text: OnText | None
    ) -> Completion:
        """The answer within the deadline, retried; raises LLMUnavailable with `attempts` set."""
        started = self._clock()
        deadline = started + self.settings.deadline
        attempt = 0
        while True:
            attempt += 1
            try:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    completion = await self._attempt(messages, max_tokens, on_text, started)
            except _Retryable as retry:
                wait = max(retry.wait, self._backoff(attempt))
                if attempt >= self.settings.max_attempts or self._clock() + wait >= deadline:
                    raise _give_up("failed", retry.kind, attempt) from None
                logger.info("LLM attempt {} failed ({}); retrying in {:.1f} s", attempt,
                            retry.kind, wait)  # fmt: skip
                await self._sleep(wait)
                continue
            except TimeoutError:
                raise _give_up("failed", "deadline", attempt) from None
            except LLMUnavailable as exc:
                exc.attempts = attempt
                raise
            except Exception as exc:  # a bug or a malformed answer: retrying would repeat it
                name = type(exc).__name__
                logger.opt(exception=exc).error("LLM call broke unexpectedly ({})", name)
                raise _give_up("failed", f"unexpected {name}", attempt) from exc
            completion.attempts = attempt
            completion.seconds = self._clock() - started
            return completion

    def _backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to 0.5 s, 1 s, 2 s ... (capped at 4 s)."""
        return self._jitter(0.0, min(4.0, 0.5 * 2 ** (attempt - 1)))

    async def _attempt(
        self,
        messages: Sequence[ChatMessage],
        max_tokens: int,
        on_text: OnText | None,
        started: float,
    ) -> Completion:
        if on_text is None:
            return await self._plain(messages, max_tokens)
        settings = self.settings
        try:
            stream = await asyncio.wait_for(
                self._client.chat.completions.create(
                    model=self.model,
                    messages=cast(list[ChatCompletionMessageParam], list(messages)),
                    max_tokens=max_tokens,
                    temperature=settings.temperature,
                    stream=True,
                    stream_options={"include_usage": True},
                    extra_body={"thinking": {"type": "disabled"}},
                ),
                settings.first_token_timeout,
            )
        except TimeoutError:
            raise _Retryable("first token timeout") from None
        except openai.APIStatusError as exc:
            raise _classify(exc) from None
        except (openai.APIConnectionError, openai.APITimeoutError):
            raise _Retryable("connection") from None

        parts: list[str] = []
        finish_reason = "unknown"
        usage: Usage | None = None
        first_token: float | None = None
        chunks = aiter(stream)
        try:
            while True:
                wait = settings.idle_timeout if first_token else settings.first_token_timeout
                try:
                    chunk = await asyncio.wait_for(anext(chunks), wait)
                except StopAsyncIteration:
                    break
                if chunk.usage is not None:
                    details = chunk.usage.prompt_tokens_details
                    usage = Usage(
                        chunk.usage.prompt_tokens,
                        chunk.usage.completion_tokens,
                        (details.cached_tokens or 0) if details is not None else 0,
                    )
                for choice in chunk.choices:
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
                    if choice.delta.content:
                        if first_token is None:
                            first_token = self._clock() - started
                        parts.append(choice.delta.content)
                        await on_text("".join(parts))
        except TimeoutError:
            raise _Retryable("stream stalled" if first_token else "first token timeout") from None
        except openai.APIStatusError as exc:
            raise _classify(exc) from None
        except Exception as exc:  # the connection dropped mid-stream (the SDK does not wrap it)
            logger.info("LLM stream broke: {}", type(exc).__name__)
            raise _Retryable("stream cut") from None
        finally:
            await stream.close()
        if finish_reason == "unknown":
            raise _Retryable("stream cut")
        return Completion("".join(parts), finish_reason, self.model, usage,
                          first_token_seconds=first_token)  # fmt: skip

    async def _plain(self, messages: Sequence[ChatMessage], max_tokens: int) -> Completion:
        """A non-streamed call (summaries, drafts): half the deadline per attempt, so that a
        hung attempt leaves time for one more."""
        try:
            response = await asyncio.wait_for(
                self._client.chat.completions.create(
                    model=self.model,
                    messages=cast(list[ChatCompletionMessageParam], list(messages)),
                    max_tokens=max_tokens,
                    temperature=self.settings.temperature,
                    extra_body={"thinking": {"type": "disabled"}},
                ),
                self.settings.deadline / 2,
            )
        except TimeoutError:
            raise _Retryable("timeout") from None
        except openai.APIStatusError as exc:
            raise _classify(exc) from None
        except (openai.APIConnectionError, openai.APITimeoutError):
            raise _Retryable("connection") from None
        if not response.choices:
            raise _Retryable("empty answer")
        choice = response.choices[0]
        usage = None
        if response.usage is not None:
            details = response.usage.prompt_tokens_details
            cached = (details.cached_tokens or 0) if details is not None else 0
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens, cached)
        text = choice.message.content or ""
        return Completion(text, choice.finish_reason or "unknown", self.model, usage)


def _give_up(reason: str, detail: str, attempts: int) -> LLMUnavailable:
    error = LLMUnavailable(reason, detail)
    error.attempts = attempts
    return error


def _classify(exc: openai.APIStatusError) -> Exception:
    status = exc.status_code
    if status in (402, 403):
        return LLMUnavailable("quota", f"HTTP {status}")
    if status == 429:
        return _Retryable("rate limited", _retry_after(exc.response.headers))
    if status == 408 or status >= 500:  # 408: the gateway timed out waiting, as a 504 would
        return _Retryable(f"HTTP {status}")
    return LLMUnavailable("rejected", f"HTTP {status}")


def _retry_after(headers: Mapping[str, str]) -> float:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return 1.0
