"""Personal data is masked in both languages' formats, and nothing else is touched."""

from __future__ import annotations

import io
import json

import pytest
from loguru import logger

from bot.kernel.pii import mask_pii
from bot.logging import setup_logging


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("write to john.smith@example.com please", "write to j***@example.com please"),
        ("почта: иван@почта.рф", "почта: и***@почта.рф"),
        ("call +44 20 7946 0958 today", "call [PHONE] today"),
        ("мой номер +7 (912) 345-67-89", "мой номер [PHONE]"),
        ("звоните 8 912 345 67 89", "звоните [PHONE]"),
        ("card 4111 1111 1111 1111 exp 12/29", "card [CARD] exp 12/29"),
        ("карта 5500-0000-0000-0004", "карта [CARD]"),
        ("IBAN DE89 3704 0044 0532 0130 00", "IBAN [IBAN]"),
        ("счёт GB82WEST12345698765432", "счёт [IBAN]"),
        ("server 192.168.10.25 is down", "server [IP] is down"),
        ("v6 2001:db8:85a3::8a2e:370:7334", "v6 [IP]"),
        ("key sk-live_abcdefghijklmnopqrstuv", "key [SECRET]"),
        ("Authorization: Bearer abcdefghijklmnop.qrstuvwxyz", "Authorization: [SECRET]"),
        ("token 123456:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs", "token [SECRET]"),
    ],
)
def test_masks(raw: str, masked: str) -> None:
    assert mask_pii(raw) == masked
    assert mask_pii(masked) == masked  # idempotent


@pytest.mark.parametrize(
    "safe",
    [
        "Budget $50,000 for 12 services by 2026-03-31",
        "Order 1234567812345678 shipped",  # fails the Luhn check: not a card
        "Python 3.11.7 on Kubernetes 1.30",
        "Сроки: 3 месяца, бюджет 300 000 рублей",
        "update 12345 handled in 3 ms",
        "started at 2026-11-24 17:16:52, done 12:30:45",
    ],
)
def test_leaves_ordinary_text_alone(safe: str) -> None:
    assert mask_pii(safe) == safe


@pytest.mark.parametrize("fmt", ["json", "pretty"])
def test_no_raw_pii_reaches_a_log_line(fmt: str) -> None:
    stream = io.StringIO()
    setup_logging("INFO", fmt, stream=stream)
    try:
        logger.info("lead from ann@example.com, phone +7 912 345-67-89")
        try:
            raise ValueError("bad card 4111111111111111 for 10.0.0.7")
        except ValueError:
            logger.exception("failed for {}", "ann@example.com")
    finally:
        setup_logging("WARNING", "pretty")
    text = stream.getvalue()
    for raw in ("ann@example.com", "912 345-67-89", "4111111111111111", "10.0.0.7"):
        assert raw not in text
    assert "a***@example.com" in text and "[CARD]" in text
    if fmt == "json":
        assert all(json.loads(line) for line in text.splitlines())
