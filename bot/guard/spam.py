"""Spam heuristics: each one that fires adds to a score; a message at the threshold is a violation.

The same text sent again and again (counted per user in a time window, by a hash of the text, so
the text itself is never stored), walls of special characters, floods of links and phrases only
spam carries. Commands and short replies ("ok", "да") are never counted as repeats.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bot.config import SpamSettings
from bot.kernel.kv import Counters

WEIGHTS = {"repeat": 4, "symbols": 4, "links": 4, "keyword": 2}
# Below this many visible characters a text is too short to judge its symbols.
SYMBOLS_MIN_LENGTH = 20
SYMBOLS_SHARE = 0.5
REPEAT_MIN_LENGTH = 4

_LINK = re.compile(r"(?i)(?:\bhttps?://|\bwww\.|\bt(?:elegram)?\.me/)\S+")
_SYMBOL_RUN = re.compile(r"([^\w\s])\1{14,}")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SpamCheck:
    score: int
    reasons: tuple[str, ...]  # repeat, symbols, links, keyword: metric labels, never user text

    def is_spam(self, threshold: int) -> bool:
        return self.score >= threshold


def normalize(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def is_symbol_wall(text: str) -> bool:
    visible = [char for char in text if not char.isspace()]
    if _SYMBOL_RUN.search(text):
        return True
    if len(visible) < SYMBOLS_MIN_LENGTH:
        return False
    symbols = sum(1 for char in visible if not char.isalnum())
    return symbols / len(visible) > SYMBOLS_SHARE


def keyword_hits(text: str, keywords: list[str]) -> int:
    """How many of `keywords` (normalized already, see `normalize`) the text contains."""
    normalized = normalize(text)
    return sum(1 for keyword in keywords if keyword in normalized)


class SpamDetector:
    def __init__(self, counters: Counters, settings: SpamSettings) -> None:
        self.counters = counters
        self.settings = settings
        # Normalized once, not for every message.
        self.keywords = [normalize(keyword) for keyword in settings.keywords if keyword.strip()]

    async def check(
        self, user_id: int, text: str, *, link_entities: int = 0, repeats: bool = True
    ) -> SpamCheck:
        """Score one message; `link_entities` counts the links Telegram marked up (text links
        hide their address from the text). `repeats=False` inside a form, where a refused
        answer is naturally typed again."""
        reasons: list[str] = []
        score = 0
        if repeats and await self._repeated(user_id, text):
            reasons.append("repeat")
            score += WEIGHTS["repeat"]
        if is_symbol_wall(text):
            reasons.append("symbols")
            score += WEIGHTS["symbols"]
        links = max(count_links(text), link_entities)
        if links > self.settings.max_links:
            # A prospect may paste a few links (site, repository, docs): on their own, only a
            # real flood of them (over twice the limit) makes a violation.
            reasons.append("links")
            score += (
                WEIGHTS["links"] if links > 2 * self.settings.max_links else WEIGHTS["links"] // 2
            )
        hits = keyword_hits(text, self.keywords)
        if hits:
            reasons.append("keyword")
            score += WEIGHTS["keyword"] * hits
        return SpamCheck(score, tuple(reasons))

    async def _repeated(self, user_id: int, text: str) -> bool:
        normalized = normalize(text)
        if len(normalized) < REPEAT_MIN_LENGTH or normalized.startswith("/"):
            return False
        digest = hashlib.sha256(normalized.encode()).hexdigest()[:16]
        key = f"spam:rep:{user_id}:{digest}"
        seen = await self.counters.hit(key, self.settings.repeat_seconds)
        return seen >= self.settings.repeat_count
