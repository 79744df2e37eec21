"""Translations: both languages complete, malformed files and missing keys stop start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kernel.i18n import I18n, LocaleError

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def test_project_locales_load_with_english_and_russian() -> None:
    hub = I18n(LOCALES)
    assert set(hub.languages) == {"en", "ru"}
    assert hub.get("ru")("menu-project") != hub.get("en")("menu-project")


def test_language_resolution() -> None:
    hub = I18n(LOCALES)
    assert hub.resolve("ru") == "ru"
    assert hub.resolve("ru-RU") == "ru"
    assert hub.resolve("uk") == "ru"
    assert hub.resolve("be") == "ru"
    assert hub.resolve("en-GB") == "en"
    assert hub.resolve("de") == "en"
    assert hub.resolve(None) == "en"


def test_placeables_have_no_bidi_isolation_marks() -> None:
    text = I18n(LOCALES).get("en")("start-welcome", name="Ann")
    assert "Hi, Ann!" in text
    assert "\u2068" not in text


def _write(root: Path, lang: str, body: str) -> None:
    (root / lang).mkdir(parents=True, exist_ok=True)
    (root / lang / "bot.ftl").write_text(body, encoding="utf-8")


def test_missing_key_names_the_language_and_key(tmp_path: Path) -> None:
    _write(tmp_path, "en", "hello = Hello\nbye = Bye\n")
    _write(tmp_path, "ru", "hello = Привет\n")
    with pytest.raises(LocaleError, match=r"ru: missing key bye"):
        I18n(tmp_path)


def test_malformed_file_names_the_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "en", "hello = Hello\n= broken\n")
    with pytest.raises(LocaleError, match=r"bot.ftl:2: malformed"):
        I18n(tmp_path)
