"""Spam heuristics as plain functions: each fires on its own pattern and leaves normal text."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, SpamSettings, load_settings
from bot.guard.spam import SpamDetector, count_links, is_symbol_wall, keyword_hits
from bot.kernel.kv import MemoryCounters

NORMAL = (
    "Hi! We need a CI/CD pipeline for our Django app, budget about $5k.",
    "Нужна миграция в AWS, сроки — 2 месяца. Можно созвониться?",
    "kubectl get pods -n prod | grep api-7f9c  # is this healthy?",
    "ok",
)


@pytest.mark.parametrize("text", NORMAL)
async def test_normal_messages_score_nothing(text: str) -> None:
    detector = SpamDetector(MemoryCounters(), SpamSettings())
    check = await detector.check(1, text)
    assert (check.score, check.reasons) == (0, ())


def test_symbol_walls() -> None:
    assert is_symbol_wall("!!!!!!!!!!!!!!!!!!!!")
    assert is_symbol_wall("$$$ €€€ ### @@@ %%% ^^^ &&& *** ((( )))")
    assert is_symbol_wall("🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥 buy now 🔥🔥🔥🔥🔥🔥")
    assert not is_symbol_wall("Wow!!! Great :)")
    assert not is_symbol_wall("def f(x): return {'a': [x, x + 1]}")


def test_links_and_keywords() -> None:
    assert count_links("see https://a.example/x, www.b.example and http://c.test") == 3
    assert count_links("our site is example.com") == 0
    assert keyword_hits("FREE   Crypto giveaway!!", ["free crypto", "crypto giveaway"]) == 2
    detector = SpamDetector(MemoryCounters(), SpamSettings(keywords=["FREE  Crypto", " "]))
    assert detector.keywords == ["free crypto"]  # normalized once; a blank one dropped
    assert keyword_hits("Быстрый заработок тут", ["быстрый заработок"]) == 1


async def test_the_same_text_counts_from_the_third_time_per_user() -> None:
    detector = SpamDetector(MemoryCounters(), SpamSettings(repeat_count=3))
    results = [await detector.check(7, "Buy our  SEO services") for _ in range(3)]
    assert [r.reasons for r in results] == [(), (), ("repeat",)]
    assert (await detector.check(8, "buy our seo services")).reasons == ()  # another user
    # Commands and short replies are never repeats.
    assert all([(await detector.check(7, "/start")).score == 0 for _ in range(5)])
    assert all([(await detector.check(7, "да")).score == 0 for _ in range(5)])


async def test_a_link_flood_with_keywords_adds_up() -> None:
    settings = SpamSettings(keywords=["casino"], max_links=2)
    detector = SpamDetector(MemoryCounters(), settings)
    text = "casino bonus https://x.test/1 https://x.test/2 https://x.test/3"
    check = await detector.check(1, text)
    assert check.reasons == ("links", "keyword")
    assert check.score == 4 and check.is_spam(settings.threshold)
    # A few links alone are not spam; a flood of them is. Text links count through entities.
    few = await detector.check(2, "site, repo and docs", link_entities=3)
    assert few.reasons == ("links",) and not few.is_spam(settings.threshold)
    flood = await detector.check(2, "click here", link_entities=5)
    assert flood.reasons == ("links",) and flood.is_spam(settings.threshold)


def test_spam_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPAM_KEYWORDS", " Casino ,, Free Spins ")
    monkeypatch.setenv("SPAM_BAN_HOURS", "2, 48")
    spam = load_settings().spam
    assert (spam.keywords, spam.ban_hours) == (["casino", "free spins"], [2.0, 48.0])
    monkeypatch.setenv("SPAM_BAN_HOURS", "1,0")
    with pytest.raises(ConfigError, match=r"^SPAM_BAN_HOURS: ban lengths must be positive"):
        load_settings()
