"""Russian typed in Latin letters is read back as Russian, English is left alone."""

from __future__ import annotations

from bot.kernel.translit import Transliterator, to_cyrillic


def test_to_cyrillic() -> None:
    assert to_cyrillic("skolko") == "сколко"
    assert to_cyrillic("shchuka") == "щука"
    assert to_cyrillic("kakoy") == "какой"
    assert to_cyrillic("vy") == "вы"


def test_only_unknown_latin_words_become_known_russian_ones() -> None:
    translit = Transliterator(["сколько", "стоит", "сайт", "price", "net"])
    assert translit("skolko stoit sayt") == "сколько стоит сайт"
    assert translit("price net") == "price net"  # known English words stay
    assert translit("qwerty sayt") == "qwerty сайт"  # no Russian word: unchanged


def test_the_detector_understands_transliterated_russian(knowledge: object) -> None:
    detector = knowledge.detector  # type: ignore[attr-defined]
    # Each of these was misread (mostly as out of scope) before transliteration.
    cases = {
        "gde vy nakhodites": "general.location_hours",
        "pokazhite keysy": "general.portfolio",
        "hochu zakazat proekt": "flow.start_project",
        "est podderzhka posle zapuska": "support.maintenance",
        "kakoy u vas stek": "tech.stack",
    }
    assert {text: detector.detect(text).intent for text in cases} == cases
