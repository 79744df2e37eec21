"""The technology catalog: technologies.yaml read into look-up tables keyed by token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.intake.entities.speller import Speller
from bot.intake.entities.text import CYRILLIC, LATIN
from bot.intake.entities.words import CYRILLIC_ENDINGS, TECH_LOOKALIKES

TECHNOLOGIES_FILE = Path(__file__).with_name("technologies.yaml")
# A token: a word with the dots, "#" and "+" of tech names ("node.js", ".net", "c#", "k8s").
TECH_TOKEN = re.compile(r"\.?[^\W_](?:[\w#+]|\.(?=[^\W_]))*")
_ENTRY_KEYS = frozenset({"aliases", "exact", "ambiguous", "context"})


@lru_cache(maxsize=8192)
def tech_key(token: str) -> str:
    """A token as the catalog is keyed: Russian words by their stem ("кубере" -> "кубер")."""
    if token.isalpha() and CYRILLIC.search(token) and not LATIN.search(token):
        for ending in CYRILLIC_ENDINGS:
            if token.endswith(ending) and len(token) - len(ending) >= 4:
                return token[: -len(ending)]
    return token


def _alias_key(alias: str) -> tuple[str, ...]:
    return tuple(tech_key(token) for token in TECH_TOKEN.findall(alias.lower()))


@dataclass(frozen=True)
class TechnologyCatalog:
    names: tuple[str, ...]  # canonical names, in the file's order
    aliases: dict[tuple[str, ...], tuple[str, ...]]  # token keys -> canonical names
    ambiguous: dict[tuple[str, ...], tuple[str, ...]]  # need a context
    exact: dict[str, tuple[str, ...]]  # case-sensitive spellings -> canonical names
    context: dict[str, frozenset[str]]  # canonical name -> context words (keys)
    longest: int  # the most tokens in an alias
    speller: Speller  # typos of long single-word names

    @cached_property
    def known(self) -> frozenset[tuple[str, ...]]:
        return frozenset(self.aliases) | frozenset(self.ambiguous)

    @cached_property
    def first_keys(self) -> frozenset[str]:
        """First words of the multi-word names."""
        return frozenset(key[0] for key in self.known if len(key) > 1)


def _as_strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"{TECHNOLOGIES_FILE.name}: {where} must be a list of strings")
    return [str(v) for v in value]


def load_technologies(path: Path = TECHNOLOGIES_FILE) -> TechnologyCatalog:
    """Read and check technologies.yaml (see the comment at its top)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise ValueError(f"{path.name}: expected `context` and `categories` mappings")
    common = frozenset(tech_key(w.lower()) for w in _as_strings(data.get("context"), "context"))
    names: list[str] = []
    aliases: dict[tuple[str, ...], list[str]] = {}
    ambiguous: dict[tuple[str, ...], list[str]] = {}
    exact: dict[str, list[str]] = {}
    context: dict[str, frozenset[str]] = {}
    for category, entries in data["categories"].items():
        if not isinstance(entries, dict):
            raise ValueError(f"{path.name}: categories.{category} must be a mapping")
        for name, spec in entries.items():
            name = str(name)
            where = f"categories.{category}.{name}"
            if name in names:
                raise ValueError(f"{path.name}: {where} is listed twice")
            if isinstance(spec, list):
                spec = {"aliases": spec}
            if not isinstance(spec, dict) or set(spec) - _ENTRY_KEYS:
                raise ValueError(
                    f"{path.name}: {where}: a list, or aliases/exact/ambiguous/context"
                )
            names.append(name)
            plain = _as_strings(spec.get("aliases"), f"{where}.aliases")
            unclear = _as_strings(spec.get("ambiguous"), f"{where}.ambiguous")
            spellings = _as_strings(spec.get("exact"), f"{where}.exact")
            if name.lower() not in {*plain, *unclear, *(s.lower() for s in spellings)}:
                plain.append(name)  # the canonical name is an alias of itself
            for alias in plain:
                aliases.setdefault(_alias_key(alias), []).append(name)
            for alias in [*unclear, *spellings]:
                ambiguous.setdefault(_alias_key(alias), []).append(name)
            for spelling in spellings:
                exact.setdefault(spelling, []).append(name)
            words = _as_strings(spec.get("context"), f"{where}.context")
            context[name] = common | {tech_key(w.lower()) for w in words}
    for table in (aliases, ambiguous):
        if () in table:
            raise ValueError(f"{path.name}: an alias of {table[()][0]} has no letters")
    single = [key[0] for key in aliases if len(key) == 1 and len(key[0]) >= 7]
    return TechnologyCatalog(
        names=tuple(names),
        aliases={key: tuple(dict.fromkeys(found)) for key, found in aliases.items()},
        # A key both plain and ambiguous is plain for the entries that say so.
        ambiguous={
            key: tuple(dict.fromkeys(found))
            for key, found in ambiguous.items()
            if key not in aliases
        },
        exact={spelling: tuple(found) for spelling, found in exact.items()},
        context=context,
        longest=max(len(key) for key in [*aliases, *ambiguous]),
        speller=Speller(single, TECH_LOOKALIKES, min_length=7, same=2),
    )


@cache
def default_catalog() -> TechnologyCatalog:
    return load_technologies()


def technology_names() -> tuple[str, ...]:
    """Every canonical technology name, in the catalog's order."""
    return default_catalog().names
