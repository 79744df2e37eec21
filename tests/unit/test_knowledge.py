"""The knowledge base: complete in both languages, and a broken file names itself and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.faq.knowledge import KnowledgeBaseError, load_catalog, load_knowledge_base

LOCALES = Path(__file__).resolve().parents[2] / "locales"
SHARED_CATALOG = Path(__file__).resolve().parents[3] / "shared" / "intents.yaml"


def test_catalog_has_the_44_intents() -> None:
    catalog = load_catalog(LOCALES / "intents.yaml")
    assert len(catalog) == 44
    assert sum(intent.is_faq for intent in catalog.values()) == 40


@pytest.mark.skipif(
    not SHARED_CATALOG.exists(), reason="the brief's catalog is not beside the repo"
)
def test_catalog_ids_match_the_brief() -> None:
    assert set(load_catalog(LOCALES / "intents.yaml")) == set(load_catalog(SHARED_CATALOG))


def test_both_languages_cover_the_same_intents_with_answers() -> None:
    kb = load_knowledge_base(LOCALES)
    assert set(kb.languages) == {"en", "ru"}
    for language in kb.languages:
        assert set(kb.entries[language]) == set(kb.catalog)
        for intent in kb.catalog.values():
            entry = kb.entry(language, intent.id)
            if intent.is_faq:
                assert entry.answer, (language, intent.id)
            assert len(entry.examples) >= 20, (language, intent.id)


def test_examples_do_not_repeat_across_intents() -> None:
    kb = load_knowledge_base(LOCALES)
    seen: dict[str, str] = {}
    for text, intent in kb.examples():
        key = " ".join(text.casefold().split())
        assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} and {intent}"


@pytest.fixture
def locales_copy(tmp_path: Path) -> Path:
    shutil.copytree(LOCALES, tmp_path / "locales")
    return tmp_path / "locales"


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_missing_intent_names_the_language_and_key(locales_copy: Path) -> None:
    _edit(locales_copy / "ru" / "kb" / "pricing.yaml", lambda d: d.pop("pricing.hourly_rate"))
    with pytest.raises(KnowledgeBaseError, match=r"ru/kb: pricing.hourly_rate: missing"):
        load_knowledge_base(locales_copy)


def test_malformed_yaml_names_the_file(locales_copy: Path) -> None:
    path = locales_copy / "en" / "kb" / "general.yaml"
    path.write_text("general.about: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"en/kb/general.yaml: cannot be read"):
        load_knowledge_base(locales_copy)


def test_broken_html_in_an_answer_names_the_key(locales_copy: Path) -> None:
    def breaks(data: dict[str, dict[str, object]]) -> None:
        data["general.about"]["answer"] = "<b>About us"

    _edit(locales_copy / "en" / "kb" / "general.yaml", breaks)
    with pytest.raises(KnowledgeBaseError, match=r"general.yaml: general.about: answer: <b>"):
        load_knowledge_base(locales_copy)


def test_unknown_action_and_unknown_intent(locales_copy: Path) -> None:
    def bad_action(data: dict[str, dict[str, object]]) -> None:
        data["general.about"]["actions"] = ["teleport"]

    _edit(locales_copy / "en" / "kb" / "general.yaml", bad_action)
    with pytest.raises(KnowledgeBaseError, match=r"general.about: actions"):
        load_knowledge_base(locales_copy)
    shutil.copy(
        LOCALES / "en" / "kb" / "general.yaml", locales_copy / "en" / "kb" / "general.yaml"
    )
    _edit(
        locales_copy / "en" / "kb" / "general.yaml",
        lambda d: d.update({"general.weather": d["general.about"]}),
    )
    with pytest.raises(KnowledgeBaseError, match=r"general.weather: not an intent"):
        load_knowledge_base(locales_copy)


def test_the_cli_stops_on_a_broken_knowledge_base(
    locales_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import __main__ as cli
    from bot.config import Settings

    _edit(locales_copy / "en" / "kb" / "support.yaml", lambda d: d.pop("support.sla"))
    real = cli.load_settings

    def settings_with_copy() -> Settings:
        return real().model_copy(update={"locales_dir": locales_copy})

    monkeypatch.setattr(cli, "load_settings", settings_with_copy)
    assert cli.main(["classify", "hello"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "support.sla: missing" in err[0]
