"""Fluent translations from locales/<lang>/*.ftl, checked at start-up.

`I18n` holds every language; `Translator` is one language, the object handlers receive as `i18n`
and call: `i18n("start-welcome", name=user.first_name)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser, ast
from loguru import logger

DEFAULT_LANGUAGE = "en"
# Telegram language codes served by another language we have.
LANGUAGE_ALIASES = {"uk": "ru", "be": "ru"}


class LocaleError(Exception):
    """A locale file is malformed or a language misses a key; the message names both."""


@dataclass(frozen=True)
class Translator:
    hub: I18n
    language: str

    def __call__(self, key: str, /, **kwargs: Any) -> str:
        return self.hub.format(self.language, key, **kwargs)


class I18n:
    def __init__(self, locales_dir: Path, default: str = DEFAULT_LANGUAGE) -> None:
        self.default = default
        self._bundles: dict[str, FluentBundle] = {}
        self._keys: dict[str, set[str]] = {}
        for lang_dir in sorted(p for p in locales_dir.iterdir() if p.is_dir()):
            self._load(lang_dir)
        if default not in self._bundles:
            raise LocaleError(f"{locales_dir / default}: the default language has no .ftl files")
        self._check_complete(locales_dir)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._bundles)

    def _load(self, lang_dir: Path) -> None:
        files = sorted(lang_dir.glob("*.ftl"))
        if not files:
            return
        bundle = FluentBundle([lang_dir.name], use_isolating=False)
        keys: set[str] = set()
        parser = FluentParser()
        for path in files:
            text = path.read_text(encoding="utf-8")
            for entry in parser.parse(text).body:
                if isinstance(entry, ast.Junk):
                    line = text.count("\n", 0, entry.span.start) + 1 if entry.span else 0
                    raise LocaleError(f"{path}:{line}: malformed Fluent entry")
                if isinstance(entry, ast.Message):
                    if entry.id.name in keys:
                        raise LocaleError(f"{path}: key {entry.id.name} defined twice")
                    keys.add(entry.id.name)
            bundle.add_resource(FluentResource(text))
        self._bundles[lang_dir.name] = bundle
        self._keys[lang_dir.name] = keys

    def _check_complete(self, locales_dir: Path) -> None:
        reference = self._keys[self.default]
        for lang, keys in self._keys.items():
            if missing := sorted(reference - keys):
                raise LocaleError(f"{locales_dir / lang}: missing key {missing[0]}")
            if extra := sorted(keys - reference):
                raise LocaleError(f"{locales_dir / self.default}: missing key {extra[0]}")

    def resolve(self, language_code: str | None) -> str:
        """Map Telegram's language_code (e.g. "ru", "en-US", "pt-br") to a language we have."""
        if language_code:
            base = language_code.split("-")[0].lower()
            base = LANGUAGE_ALIASES.get(base, base)
            if base in self._bundles:
                return base
        return self.default

    def get(self, language: str | None) -> Translator:
        return Translator(self, language if language in self._bundles else self.default)

    def has(self, key: str) -> bool:
        return key in self._keys[self.default]

    def format(self, language: str, key: str, **kwargs: Any) -> str:
        bundle = self._bundles.get(language) or self._bundles[self.default]
        message = bundle.get_message(key) if bundle.has_message(key) else None
        if message is None or message.value is None:
            logger.error("missing translation {} for {}", key, language)
            return key
        text, errors = bundle.format_pattern(message.value, kwargs)
        if errors:
            logger.warning("translation {} for {}: {}", key, language, errors[0])
        return str(text)
