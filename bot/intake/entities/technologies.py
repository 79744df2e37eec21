"""Technologies: the names in technologies.yaml, matched by whole tokens.

Russian words match by their stem, typos of long names are forgiven, and ordinary words like
"go" or "rust" count only in a technical context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from bot.intake.entities.catalog import TECH_TOKEN, TechnologyCatalog, default_catalog, tech_key
from bot.intake.entities.text import SENTENCE_END, Prepared, prepare
from bot.intake.entities.words import (
    AFTER_SENTENCE_START,
    BEFORE_ONLY_CONTEXT,
    BEFORE_VERB,
    CONNECTING,
    LIST_WORDS,
    PHRASAL,
    VERBS,
)

_TOKEN_SPLIT = re.compile(f"({TECH_TOKEN.pattern})")
_JOINING = " \t\n_/:-"  # what may stand between the words of a multi-word name
_VERSION = re.compile(r"\d+(?:\.\d+)+|\d{1,2}")
_TRAILING_VERSION = re.compile(r"(.*?[^\W\d_])v?\d+(?:\.\d+)*")  # "python3.11", "vue3"


@dataclass
class _Match:
    first: int  # token indexes
    last: int
    names: tuple[str, ...]
    accepted: bool  # False: an ambiguous name, still waiting for a context
    version: bool = False  # a version was attached: "go1.22"


def find_technologies(prepared: Prepared) -> tuple[str, ...]:
    parts = _TOKEN_SPLIT.split(prepared.norm)  # gap, token, gap, token, ..., gap
    tokens, gaps = parts[1::2], parts[2:-1:2]  # gaps[k]: between tokens k and k + 1
    keys = [tech_key(token) for token in tokens]
    matches = _match_tokens(default_catalog(), tokens, gaps, keys)
    if not all(m.accepted for m in matches):
        _Context(prepared.original, parts, keys, matches).accept()
    return tuple(dict.fromkeys(name for m in matches if m.accepted for name in m.names))


def extract_technologies(text: str) -> tuple[str, ...]:
    return find_technologies(prepare(text))


def _is_list_gap(gap: str) -> bool:
    return bool(gap.strip()) and not gap.strip(" \t\n,/&+|")


def _match_tokens(
    catalog: TechnologyCatalog, tokens: list[str], gaps: list[str], keys: list[str]
) -> list[_Match]:
    matches: list[_Match] = []
    i, count = 0, len(tokens)
    while i < count:
        if keys[i] in catalog.first_keys:  # a multi-word name may start here: longest first
            size = min(catalog.longest, count - i)
            while size > 1:
                key = tuple(keys[i : i + size])
                if key in catalog.known and all(
                    len(gap) <= 3 and not gap.strip(_JOINING) for gap in gaps[i : i + size - 1]
                ):
                    plain = key in catalog.aliases
                    names = catalog.aliases[key] if plain else catalog.ambiguous[key]
                    matches.append(_Match(i, i + size - 1, names, accepted=plain))
                    break
                size -= 1
            if size > 1:
                i += size
                continue
        found = _single_token(tokens[i])
        if found is not None:
            names, plain, version = found
            matches.append(_Match(i, i, names, accepted=plain or version, version=version))
        i += 1
    return matches


_Found = tuple[tuple[str, ...], bool, bool]  # names, whether plain (no context needed), version


def _look_up(catalog: TechnologyCatalog, key: str, version: bool) -> _Found | None:
    if (key,) in catalog.aliases:
        return catalog.aliases[(key,)], True, version
    if (key,) in catalog.ambiguous:
        return catalog.ambiguous[(key,)], False, version
    return None


@lru_cache(maxsize=16384)
def _single_token(token: str) -> _Found | None:
    """A token's names, whether they need no context, and whether a version was attached:
    "docker", "кубере", "python3.11", "kubernetis" (a typo), "python.next" (a missing space)."""
    catalog = default_catalog()
    key = tech_key(token)
    if found := _look_up(catalog, key, version=False):
        return found
    versioned = token[-1].isdigit() and _TRAILING_VERSION.fullmatch(token)
    if versioned and (found := _look_up(catalog, tech_key(versioned[1]), version=True)):
        return found
    if token.isalpha():
        corrected = catalog.speller.correct(key)
        if corrected is not None:
            return catalog.aliases[(corrected,)], True, False
    if "." in token.strip("."):
        names = [
            name
            for part in token.split(".")
            if part
            for name in catalog.aliases.get((tech_key(part),), ())
        ]
        if names:
            return tuple(dict.fromkeys(names)), True, False
    return None


class _Context:
    """Decides on the ambiguous names of a message from the words around them."""

    def __init__(self, original: str, parts: list[str], keys: list[str], matches: list[_Match]):
        self.catalog = default_catalog()
        self.original = original
        self.tokens, self.gaps = parts[1::2], parts[2:-1:2]
        self.keys = keys
        self.starts = list(accumulate(map(len, parts)))[::2]  # where each token starts
        self.matches = matches

    def accept(self) -> None:
        """Accepts the matches with a context; then, round after round, those listed next to an
        accepted one ("Python, go and Rust": go is accepted after Python, Rust after go)."""
        for m in self.matches:
            if not m.accepted:
                m.accepted = m.version or self._exact_spelling(m) or self._has_context(m)
        changed = True
        while changed:
            changed = False
            for m in self.matches:
                if not m.accepted and self._in_list(m):
                    m.accepted = changed = True

    def _ends(self, index: int) -> bool:
        """Whether a sentence ends in the gap after token `index`."""
        return bool(SENTENCE_END.search(self.gaps[index]))

    def _has_context(self, m: _Match) -> bool:
        keys = self.keys
        words = frozenset().union(*(self.catalog.context[name] for name in m.names))
        before, after = m.first - 1, m.last + 1
        if before >= 0 and not self._ends(before):
            if keys[before] in words or keys[before] in BEFORE_ONLY_CONTEXT:
                return True
            if (  # "written in go"
                keys[before] in CONNECTING
                and before >= 1
                and keys[before - 1] in words
                and not self._ends(before - 1)
            ):
                return True
        if after < len(keys) and not self._ends(m.last):
            return keys[after] in words or bool(_VERSION.fullmatch(self.tokens[after]))
        return False

    def _exact_spelling(self, m: _Match) -> bool:
        """Spelt as the catalog's exact spelling ("Go", "SAP"), and not a verb or a capital."""
        keys, count = self.keys, len(self.keys)
        start = self.starts[m.first]
        written = self.original[start : start + len(self.tokens[m.first])]
        if m.first != m.last or written not in self.catalog.exact:
            return False
        after, before = m.last + 1, m.first - 1
        if before < 0 or self._ends(before):
            # Every first word is capitalised: "Swift delivery" and "Go ahead" are not names,
            # "Swift is" and "Go, Rust" are.
            if after < count and keys[after] in LIST_WORDS:  # "Go and Python", not "Go and"
                return after + 1 < count and (keys[after + 1],) in self.catalog.known
            return (
                after >= count
                or keys[after] in AFTER_SENTENCE_START
                or _is_list_gap(self.gaps[m.last])
            )
        # "let's Go live", "ready to Go ahead": the verb.
        return not (
            keys[m.first] in VERBS
            and keys[before] in BEFORE_VERB
            and (after >= count or keys[after] in PHRASAL)
        )

    def _accepted_at(self, index: int, end: bool) -> bool:
        return any(m.accepted and (m.last if end else m.first) == index for m in self.matches)

    def _in_list(self, m: _Match) -> bool:
        """Next to an accepted technology in a list: "Python, go", "java and Kotlin"."""
        keys, gaps = self.keys, self.gaps
        for step in (-1, 1):
            near = m.first - 1 if step < 0 else m.last + 1
            if not 0 <= near < len(keys):
                continue
            between = gaps[near] if step < 0 else gaps[m.last]
            if _is_list_gap(between):
                if self._accepted_at(near, end=step < 0):
                    return True
            elif keys[near] in LIST_WORDS and not between.strip():
                further = near + step
                if 0 <= further < len(keys):
                    outer = gaps[further] if step < 0 else gaps[near]
                    if not outer.strip() and self._accepted_at(further, end=step < 0):
                        return True
        return False
