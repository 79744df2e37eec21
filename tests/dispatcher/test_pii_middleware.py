"""The PII masking middleware: error handlers see exceptions with personal data masked, and no
metric label carries user data."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import ErrorEvent, Message
from prometheus_client import REGISTRY, generate_latest

from handlers import get_routers
from middlewares.pii import mask_exception
from tests.dispatcher.harness import Harness

EMAIL, PHONE = "maria.ivanova@example.ru", "+7 (912) 345-67-89"
CARD = "4111 1111 1111 1111"


async def test_errors_leave_handlers_masked(harness: Harness) -> None:
    seen: list[str] = []
    router = Router()

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        try:
            raise KeyError(f"no account for {message.text}")
        except KeyError as exc:
            raise RuntimeError(f"cannot process {message.text}") from exc

    @router.errors()
    async def report(event: ErrorEvent) -> None:
        cause = event.exception.__cause__
        seen.append(f"{event.exception} / {cause}")

    harness.rebuild(routers=[router, *get_routers()])
    await harness.send(f"/boom card {CARD} mail {EMAIL}")
    assert "cannot process /boom card [CARD] mail m***@example.ru" in seen[0]
    assert "no account for /boom card [CARD]" in seen[0]
    assert not any(raw in line for line in seen for raw in (EMAIL, PHONE, CARD))


def test_exception_attributes_and_notes_are_masked() -> None:
    class ApiError(Exception):
        def __init__(self, message: str) -> None:
            super().__init__(message)
            self.message = message

    error = ApiError(f"Bad Request: chat {PHONE} not found")
    error.add_note(f"while writing to {EMAIL}")
    mask_exception(error)
    assert error.message == error.args[0] == "Bad Request: chat [PHONE] not found"
    assert error.__notes__ == ["while writing to m***@example.ru"]


async def test_no_metric_label_carries_user_data(harness: Harness) -> None:
    await harness.send("/start intake_79123456789")  # a deep link with a phone number in it
    await harness.send(f"my mail is {EMAIL}, call {PHONE}")
    exposition = generate_latest(REGISTRY).decode()
    assert 'devbot_intake_started_total{source="campaign"}' in exposition
    for raw in ("79123456789", EMAIL, "example.ru"):
        assert raw not in exposition


async def test_errors_leave_handlers_without_the_users_own_name(harness: Harness) -> None:
    seen: list[str] = []
    router = Router()

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError(f"no lead for {message.text}")

    @router.errors()
    async def report(event: ErrorEvent) -> None:
        seen.append(str(event.exception))

    harness.rebuild(routers=[router, *get_routers()])
    await harness.send("/boom Marianna Schultz, Hauptstraße 5", first_name="Marianna")
    assert seen == ["no lead for /boom [NAME] Schultz, [ADDRESS]"]
