"""Loguru set-up: one sink, JSON lines or readable lines, every line tagged with the update id.

The standard `logging` records of aiogram, aiohttp, SQLAlchemy and APScheduler are routed into
loguru by one intercept handler, so there is a single place that formats (and later masks) logs.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from bot.config import mask_bot_tokens
from bot.kernel.pii import mask_pii

if TYPE_CHECKING:
    from loguru import Message, Record

PRETTY_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "upd={extra[update_id]} | <cyan>{name}</cyan> - <level>{message}</level>"
)


class InterceptHandler(logging.Handler):
    """Forward standard logging records to loguru, keeping the caller's location."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def _json_sink(stream: TextIO) -> Callable[[Message], None]:
    def write(message: Message) -> None:
        record = message.record
        payload: dict[str, Any] = {
            "time": record["time"].isoformat(),
            "level": record["level"].name,
            "logger": record["name"],
            "message": record["message"],
            "update_id": record["extra"].get("update_id"),
        }
        extra = {k: v for k, v in record["extra"].items() if k != "update_id"}
        if extra:
            payload["extra"] = extra
        if record["exception"] is not None:
            payload["exception"] = mask_pii(
                _mask_tokens("".join(_format_exception(record)).rstrip())
            )
        # Masked again as a whole: an exception's text or a nested extra may quote a Bot API URL.
        line = json.dumps(payload, ensure_ascii=False, default=str)
        stream.write(_mask_tokens(line) + "\n")
        stream.flush()

    return write


def _format_exception(record: Record) -> list[str]:
    import traceback

    exc = record["exception"]
    if exc is None or exc.type is None:
        return []
    return traceback.format_exception(exc.type, exc.value, exc.traceback)


def _mask_tokens(text: str) -> str:
    # The bot's token is in every Bot API URL (/bot<token>/getUpdates, /file/bot<token>/...)
    # that aiohttp or aiogram may quote; the PII patterns alone miss it glued to "bot".
    return mask_bot_tokens(text, "[SECRET]")


def _mask(record: Record) -> None:
    # Whatever a library or a handler put in a log line, personal data does not leave masked.
    record["message"] = mask_pii(_mask_tokens(record["message"]))
    for key, value in record["extra"].items():
        if isinstance(value, str):
            record["extra"][key] = mask_pii(_mask_tokens(value))


def _pretty_sink(stream: TextIO) -> Callable[[Message], None]:
    def write(message: Message) -> None:
        # The formatted line includes the traceback, whose exception text may quote user data.
        stream.write(mask_pii(_mask_tokens(str(message))))
        stream.flush()

    return write


def setup_logging(level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "pretty" if stream.isatty() else "json"
    logger.remove()
    logger.configure(extra={"update_id": "-"}, patcher=_mask)
    if fmt == "json":
        logger.add(_json_sink(stream), level=level, backtrace=False, diagnose=False)
    else:
        logger.add(
            _pretty_sink(stream),
            level=level,
            format=PRETTY_FORMAT,
            colorize=stream.isatty(),
            backtrace=False,
            diagnose=False,
        )
    logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
    # Chatty libraries stay at WARNING unless the operator asks for DEBUG.
    quiet = logging.WARNING if level not in ("TRACE", "DEBUG") else logging.DEBUG
    # aiogram.event repeats, without context, the per-update line our middleware writes.
    for name in ("aiogram.event", "aiohttp.access", "sqlalchemy.engine", "apscheduler", "httpx",
                 "openai"):  # fmt: skip
        logging.getLogger(name).setLevel(quiet)
