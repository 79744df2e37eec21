"""Personal data masking for anything that leaves the conversation: logs now, LLM prompts later.

E-mails keep their first letter and domain (j***@example.com) so support can still tell cases
apart; everything else becomes a typed placeholder ([PHONE], [CARD], [IBAN], [IP], [SECRET]).
Card numbers are only masked when their Luhn checksum holds, so order numbers and amounts stay.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)", re.UNICODE)
# Telegram bot tokens, OpenAI-style keys, bearer tokens and long opaque secrets.
_SECRETS = (
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),
    re.compile(r"\b(?:sk|pk|rk|ak)[-_][A-Za-z0-9_-]{16,}\b"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"),
    re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b"),
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
)
# Either compressed ("::") or at least five groups, so that times like 12:30:45 stay.
_IPV6 = re.compile(
    r"(?<![:\w])(?=[0-9A-Fa-f:]*(?:::|(?:[0-9A-Fa-f]{1,4}:){4}))"
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![:\w])"
)
# International (+7 912 345-67-89, +44 20 7946 0958) and Russian national (8 (912) 345 67 89).
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|8)[\s.-]?\(?\d{2,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def mask_pii(text: str) -> str:
    """The text with personal data masked; safe to call on anything, idempotent."""
    if not text:
        return text
    for pattern in _SECRETS:
        text = pattern.sub("[SECRET]", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _IBAN.sub("[IBAN]", text)
    text = _CARD.sub(_card, text)
    text = _IPV4.sub("[IP]", text)
    text = _IPV6.sub("[IP]", text)
    return _PHONE.sub("[PHONE]", text)
