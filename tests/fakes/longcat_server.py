"""In-process fake of the LongCat API (OpenAI-compatible) for tests.

Point the openai SDK at it with::

    async with FakeLongCat() as llm:
        client = AsyncOpenAI(base_url=llm.base_url, api_key=llm.api_key, max_retries=0)

Replies are scripted with ``reply()`` (first in, first out); with nothing scripted the fake
answers ``"LongCat echo: <last user message>"``, so tests stay deterministic either way.
Token usage is estimated at ~4 characters per token unless a reply states it, and
``max_tokens``/``max_completion_tokens`` cut a reply short with ``finish_reason="length"``
the way a real model would.

Faults (``fail_next``, ``hang_next``) apply to ``chat/completions`` unless another endpoint is
named; a scripted reply is only used up by a request that is actually answered.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from tests.fakes._server import FakeServer, first_recorded, wait_event

JSON = dict[str, Any]

DEFAULT_API_KEY = "test-longcat-key"
DEFAULT_MODELS = ("LongCat-2.0", "LongCat-Flash-Chat", "LongCat-Flash-Thinking")
_MODEL_CREATED = 1_750_000_000
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
# (message, type, code) of the error answers, following OpenAI's wording where it has one.
_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Bad request", "invalid_request_error", None),
    401: ("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
    402: (
        "Insufficient balance, please top up your account",
        "insufficient_quota",
        "insufficient_quota",
    ),
    403: ("Your token quota for today has been used up", "insufficient_quota", "quota_exceeded"),
    404: ("Not found", "invalid_request_error", None),
    429: ("Rate limit reached, please retry later", "rate_limit_error", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request", "server_error", None),
    502: ("Bad gateway", "server_error", None),
    503: (
        "The engine is currently overloaded, please try again later",
        "server_error",
        "service_unavailable",
    ),
}


@dataclass
class ScriptedReply:
    text: str
    finish_reason: str = "stop"
    usage: JSON | None = None


class RecordedRequest(dict[str, Any]):
    """The JSON body of one request; where it went and its headers ride along as attributes."""

    def __init__(self, body: JSON, *, path: str, headers: dict[str, str]) -> None:
        super().__init__(body)
        self.path = path
        self.headers = headers  # lower-cased names
        self.timestamp = time.time()


@dataclass
class _Fault:
    endpoint: str
    status: int
    message: str | None
    retry_after: float | None


class OpenAIError(Exception):
    """Raised inside handlers; becomes OpenAI's error JSON."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_message, self.type, default_code = _ERRORS.get(
            status, (_phrase(status), "api_error", None)
        )
        self.message = message or default_message
        super().__init__(self.message)
        self.status = status
        self.param = param
        self.code = code or default_code
        self.headers = headers or {}

    def response(self) -> web.Response:
        error = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        return web.json_response({"error": error}, status=self.status, headers=self.headers)


class FakeLongCat(FakeServer):
    """An OpenAI-compatible server on 127.0.0.1 with a free port; see the module docstring."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        models: Iterable[str] = DEFAULT_MODELS,
        prefix: str = "/openai/v1",
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = list(models)
        self.prefix = "/" + prefix.strip("/")
        self.requests: list[RecordedRequest] = []
        # Reported as prompt_tokens_details.cached_tokens (capped at the prompt size).
        self.cached_tokens = 0

        self._replies: list[ScriptedReply] = []
        self._faults: list[_Fault] = []
        self._hangs: list[tuple[str, float]] = []
        self._delay = 0.0
        self._first_token_delay = 0.0
        self._stalls: list[tuple[int, float]] = []
        self._cuts: list[int] = []
        # When each stream wrote its first content chunk (time.time()), for latency benchmarks.
        self.first_token_at: list[float] = []
        self._ids = itertools.count(1)
        # Waiters keep the event they saw; replacing it after set() wakes exactly those.
        self._new_request = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{self.prefix}/models", self._list_models)
        app.router.add_get(f"{self.prefix}/models/{{model}}", self._get_model)
        app.router.add_post(f"{self.prefix}/chat/completions", self._chat_completions)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    @property
    def base_url(self) -> str:
        return super().base_url + self.prefix

    # ------------------------------------------------------------------ scripting

    def reply(self, text: str, *, finish_reason: str = "stop", usage: JSON | None = None) -> None:
        """Queue the answer to a future chat completion; `usage` overrides the estimate."""
        self._replies.append(ScriptedReply(text, finish_reason, usage))

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
        endpoint: str = "chat/completions",
    ) -> None:
        """Answer the next `times` requests to `endpoint` ("*" for any) with an error."""
        if status == 429 and retry_after is None:
            retry_after = 1.0
        self._faults.extend([_Fault(endpoint, status, message, retry_after)] * times)

    def hang_next(
        self, *, times: int = 1, seconds: float = 3600.0, endpoint: str = "chat/completions"
    ) -> None:
        """Hold the next `times` requests for `seconds` (or until stop()) before answering."""
        self._hangs.extend([(endpoint, seconds)] * times)

    def delay(self, seconds: float) -> None:
        """From now on, wait `seconds` before each non-streaming answer (0 turns it off)."""
        self._delay = seconds

    def delay_first_token(self, seconds: float) -> None:
        """From now on, streams send their headers at once but the first chunk late."""
        self._first_token_delay = seconds

    def stall_stream_after(self, n_chunks: int, seconds: float = 3600.0) -> None:
        """Make the next stream go silent for `seconds` after sending `n_chunks` chunks."""
        self._stalls.append((n_chunks, seconds))

    def cut_stream_after(self, n_chunks: int) -> None:
        """Make the next stream drop its connection after sending `n_chunks` chunks."""
        self._cuts.append(n_chunks)

    def clear(self) -> None:
        """Forget recorded requests, scripted replies and every injected fault or delay."""
        self.requests.clear()
        self._replies.clear()
        self._faults.clear()
        self._hangs.clear()
        self._stalls.clear()
        self._cuts.clear()
        self._delay = self._first_token_delay = 0.0

    async def wait_for_request(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the whole wait, not one call
        *,
        since: int = 0,
        predicate: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        """Return the first recorded request at index >= `since` matching `predicate`."""
        return await first_recorded(
            self.requests,
            lambda request: predicate is None or predicate(request),
            since=since,
            seconds=timeout,
            arrival=lambda: self._new_request,
            describe=lambda: (
                f"no matching request within {timeout}s "
                f"({len(self.requests)} recorded, the first {since} skipped)"
            ),
        )

    # ------------------------------------------------------------------ HTTP layer

    async def _guard(self, request: web.Request, endpoint: str) -> None:
        """Authentication, then injected hangs and faults, as a real gateway orders them."""
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            raise OpenAIError(401)
        hang = next((h for h in self._hangs if _matches(h[0], endpoint)), None)
        if hang is not None:
            self._hangs.remove(hang)
            await self._pause(request, hang[1])
        fault = next((f for f in self._faults if _matches(f.endpoint, endpoint)), None)
        if fault is not None:
            self._faults.remove(fault)
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(math.ceil(fault.retry_after))
                headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
            raise OpenAIError(fault.status, fault.message, headers=headers)

    async def _list_models(self, request: web.Request) -> web.Response:
        try:
            await self._guard(request, "models")
        except OpenAIError as error:
            return error.response()
        return web.json_response(
            {"object": "list", "data": [_model(model_id) for model_id in self.models]}
        )

    async def _get_model(self, request: web.Request) -> web.Response:
        try:
            await self._guard(request, "models")
            model_id = request.match_info["model"]
            if model_id not in self.models:
                raise OpenAIError(404, f"model not found: {model_id}", code="model_not_found")
        except OpenAIError as error:
            return error.response()
        return web.json_response(_model(model_id))

    async def _not_found(self, request: web.Request) -> web.Response:
        return OpenAIError(404, f"Unknown endpoint: {request.method} {request.path}").response()

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return OpenAIError(400, "Request body is not valid JSON").response()
        if not isinstance(body, dict):
            return OpenAIError(400, "Request body must be a JSON object").response()
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.requests.append(RecordedRequest(body, path=request.path, headers=headers))
        self._new_request.set()
        self._new_request = asyncio.Event()

        try:
            await self._guard(request, "chat/completions")
            _validate(body, self.models)
        except OpenAIError as error:
            return error.response()

        if not body.get("stream"):
            try:
                await self._pause(request, self._delay)
            except OpenAIError as error:
                return error.response()
        text, finish_reason, usage = self._answer(body)
        completion_id = f"chatcmpl-fake{next(self._ids):08d}"
        if body.get("stream"):
            return await self._stream(request, body, completion_id, text, finish_reason, usage)
        return web.json_response(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": usage,
            }
        )

    async def _stream(
        self,
        request: web.Request,
        body: JSON,
        completion_id: str,
        text: str,
        finish_reason: str,
        usage: JSON,
    ) -> web.StreamResponse:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        created = int(time.time())

        def chunk(delta: JSON, finish: str | None = None) -> JSON:
            data: JSON = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body["model"],
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if include_usage:
                data["usage"] = None
            return data

        # Like OpenAI: a role-only first delta, content pieces, an empty delta that carries
        # finish_reason, then (if asked for) a usage chunk without choices.
        chunks = [chunk({"role": "assistant", "content": ""})]
        chunks += [chunk({"content": piece}) for piece in _pieces(text)]
        chunks.append(chunk({}, finish_reason))
        if include_usage:
            chunks.append({**chunk({}), "choices": [], "usage": usage})
        stall = self._stalls.pop(0) if self._stalls else None
        cut = self._cuts.pop(0) if self._cuts else None

        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        try:
            await self._sleep(self._first_token_delay)
            for sent, data in enumerate(chunks):
                if stall is not None and sent == stall[0]:
                    await self._sleep(stall[1])
                if cut is not None and sent == cut:
                    if request.transport is not None:
                        request.transport.close()
                    return response
                await response.write(f"data: {json.dumps(data)}\n\n".encode())
                if sent == 1:
                    self.first_token_at.append(time.time())
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client gave up on the stream, which tests do on purpose
        return response

    def _answer(self, body: JSON) -> tuple[str, str, JSON]:
        """The reply text, finish_reason and usage for an accepted request."""
        if self._replies:
            scripted = self._replies.pop(0)
        else:
            scripted = ScriptedReply(f"LongCat echo: {_last_user_text(body['messages'])}")
        text, finish_reason = scripted.text, scripted.finish_reason
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and _tokens(text) > limit:
            text, finish_reason = text[: limit * 4], "length"

        prompt_tokens = max(1, sum(_tokens(_content_text(m)) for m in body["messages"]))
        usage: JSON = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": _tokens(text),
            "total_tokens": prompt_tokens + _tokens(text),
            "prompt_tokens_details": {"cached_tokens": min(self.cached_tokens, prompt_tokens)},
        }
        if scripted.usage:
            usage.update(scripted.usage)
            if "total_tokens" not in scripted.usage:
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return text, finish_reason, usage

    async def _pause(self, request: web.Request, seconds: float) -> None:
        """Sleep, then give up on a client that went away meanwhile.

        Otherwise a request the client already timed out on would use up the scripted reply
        meant for its retry.
        """
        await self._sleep(seconds)
        if request.transport is None or request.transport.is_closing():
            raise OpenAIError(499, "Client closed the request")

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but return early when the server is being stopped."""
        if seconds > 0:
            await wait_event(self._stopping, seconds)


# ---------------------------------------------------------------------- helpers


def _validate(body: JSON, models: list[str]) -> None:
    model = body.get("model")
    if not model:
        raise OpenAIError(400, "you must provide a model parameter", param="model")
    if model not in models:
        raise OpenAIError(404, f"model not found: {model}", param="model", code="model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise OpenAIError(400, "messages must be a non-empty array", param="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise OpenAIError(
                400, f"messages[{index}] has no valid role", param=f"messages.[{index}].role"
            )
    temperature = body.get("temperature")
    if temperature is not None and not (
        isinstance(temperature, int | float) and 0 <= temperature <= 1
    ):
        raise OpenAIError(
            400,
            f"temperature must be between 0 and 1, got {temperature}",
            param="temperature",
            code="invalid_value",
        )


def _content_text(message: JSON) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _last_user_text(messages: list[JSON]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _content_text(message)
    return ""


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _pieces(text: str) -> list[str]:
    """Word-sized deltas, whitespace kept, so joined deltas give back the exact text."""
    return re.findall(r"\S+\s*|\s+", text)


def _model(model_id: str) -> JSON:
    return {"id": model_id, "object": "model", "created": _MODEL_CREATED, "owned_by": "longcat"}


def _matches(pattern: str, endpoint: str) -> bool:
    return pattern in ("*", endpoint)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"
