"""The message as the extractors read it, and the way back to the user's own words.

Normalisation never changes the text's length (case, "ё", dashes, odd spaces, Latin look-alikes
inside Russian words and back), so a match in the normalised text is a match in the original at
the same place. Correcting keyword typos does change lengths, so the corrected copy keeps a map of
where each of its characters came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from bot.intake.entities.speller import Speller
from bot.intake.entities.words import KEYWORD_LOOKALIKES, KEYWORDS
from bot.kernel.textnorm import fix_mixed_script

LETTER = r"[^\W\d_]"
CYRILLIC = re.compile(r"[а-я]")
LATIN = re.compile(r"[a-z]")
SENTENCE_END = re.compile(r"[.!?;\n]")


def alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


def one_of(words: Iterable[str]) -> str:
    """A regex for any of `words`, the longest first: else "mar" would win over "march"."""
    return alt(*sorted(words, key=len, reverse=True))


# ---------------------------------------------------------------------------------------------
# Normalisation

_ODD_SPACES = (
    "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\r\f\v"
)
_TRANSLATE = str.maketrans(
    {
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        **dict.fromkeys(_ODD_SPACES, " "),
        **dict.fromkeys("’‘ʼ`´", "'"),
        "ё": "е",
        "＄": "$",
        "…": ".",
    }
)
_MIXED_WORD = re.compile(rf"{LETTER}*(?:[a-z][а-я]|[а-я][a-z]){LETTER}*")
_MIXED_PAIR = re.compile(r"[a-z][а-я]|[а-я][a-z]")
# Blanked out: their digits and words are never a budget, a date or a technology.
_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Prepared:
    original: str
    norm: str  # lower case, same length as `original`

    @cached_property  # technologies read `norm`, and need no corrections
    def corrected(self) -> Corrected:
        return _correct(self.norm)

    def slice(self, start: int, end: int) -> str:
        """The user's own words behind a span of `corrected`."""
        start, end = self.corrected.span(start, end)
        return self.original[start:end].strip()


def prepare(text: str) -> Prepared:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case into two ("İ")
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    norm = lowered.translate(_TRANSLATE)
    if _MIXED_PAIR.search(norm):
        norm = _MIXED_WORD.sub(lambda match: fix_mixed_script(match.group()), norm)
    if "@" in norm or "http" in norm or "www." in norm:  # skips the regex for most messages
        norm = _URL_OR_EMAIL.sub(lambda m: " " * len(m.group()), norm)
    return Prepared(text, norm)


# ---------------------------------------------------------------------------------------------
# Keyword typos: "budjet", "urgnet", "срочна", "доллоров", stretched "срооочно"

_KEYWORD_SPELLER = Speller(KEYWORDS, KEYWORD_LOOKALIKES)
_STRETCHED = re.compile(r"(.)\1{2,}")
_WORD5 = re.compile(rf"{LETTER}{{5,}}")


@lru_cache(maxsize=8192)
def _fix_keyword(word: str) -> str:
    if word in _KEYWORD_SPELLER.words:
        return word
    # Two letters first, for words spelt with a double one: "loooking" is "looking", not "loking".
    squeezed = _STRETCHED.sub(r"\1\1", word)
    for form in (squeezed, _STRETCHED.sub(r"\1", word)):
        if form in _KEYWORD_SPELLER.words:
            return form
    return _KEYWORD_SPELLER.correct(squeezed) or word


@dataclass(frozen=True)
class Corrected:
    """The normalised text with keyword typos fixed, and where each character came from."""

    text: str
    starts: tuple[int, ...] | None = None  # None: nothing changed, positions are the same
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _correct(norm: str) -> Corrected:
    fixes = [
        (m.start(), m.end(), fixed)
        for m in _WORD5.finditer(norm)
        if (fixed := _fix_keyword(m.group())) != m.group()
    ]
    if not fixes:
        return Corrected(norm)
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for start, end, fixed in fixes:
        parts.append(norm[position:start])
        starts.extend(range(position, start))
        ends.extend(range(position + 1, start + 1))
        # A fixed word of another length spreads its characters evenly over the original ones.
        old, new = end - start, len(fixed)
        parts.append(fixed)
        starts.extend(start + (j * old) // new for j in range(new))
        ends.extend(start + ((j + 1) * old + new - 1) // new for j in range(new))
        position = end
    parts.append(norm[position:])
    starts.extend(range(position, len(norm)))
    ends.extend(range(position + 1, len(norm) + 1))
    return Corrected("".join(parts), tuple(starts), tuple(ends))
