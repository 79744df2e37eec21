"""Intent detection: which of the catalog's intents a message is, with a confidence 0..1.

A linear support-vector classifier over TF-IDF features of the normalised text: character
n-grams within words, which survive typos, inflections and stretched letters in both languages,
plus word unigrams and bigrams, which carry the meaning. It learns from the knowledge base's
examples of every language at once, so a Russian question in an English chat is still understood.
It trains in under a second at start-up, runs offline and classifies in about a millisecond.
(Logistic regression was as accurate on the held-out sets but trained ten times slower.)

The confidence is a softmax over the classifier's scores with a temperature fitted on the dev set
(benchmarks/calibrate.py), so that answers given with confidence 0.8 are right about 80% of the
time. Out-of-scope messages are a class of their own (chat.out_of_scope), learned from examples
like any other.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.kernel.textnorm import normalize
from bot.kernel.translit import Transliterator

OUT_OF_SCOPE = "chat.out_of_scope"
# Softmax temperature over the SVM scores (margins around ±1): fitted on the dev set.
TEMPERATURE = 0.15
REGULARISATION_C = 1.0
RANKING_SIZE = 5
# Texts whose detection is remembered (a handful of updates in flight at once).
RECENT_TEXTS = 32


@dataclass(frozen=True)
class Match:
    intent: str
    confidence: float


@dataclass(frozen=True)
class Detection:
    intent: str
    confidence: float
    ranking: tuple[Match, ...]


class IntentDetector:
    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        pairs = [(normalize(text), intent) for text, intent in examples]
        texts = [text for text, _ in pairs]
        labels = [intent for _, intent in pairs]
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
        )
        self._words = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
            dtype=np.float32,
        )
        features = hstack([self._chars.fit_transform(texts), self._words.fit_transform(texts)])
        self._translit = Transliterator(
            word for word in self._words.vocabulary_ if " " not in word
        )
        self._model = LinearSVC(C=REGULARISATION_C)
        self._model.fit(features.tocsr(), labels)
        self.intents: tuple[str, ...] = tuple(str(c) for c in self._model.classes_)
        self._recent = functools.lru_cache(maxsize=RECENT_TEXTS)(self._detect_one)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        normalised = [self._translit(normalize(text)) for text in texts]
        features = hstack([self._chars.transform(normalised), self._words.transform(normalised)])
        scores = self._model.decision_function(features.tocsr()) / TEMPERATURE
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return np.asarray(proba / proba.sum(axis=1, keepdims=True))

    def detect(self, text: str) -> Detection:
        """One text's detection. The last few are remembered: an update is looked at by more than
        one handler filter (the desk's triggers, then the FAQ), and the model runs once for it."""
        return self._recent(text)

    def _detect_one(self, text: str) -> Detection:
        return self.detect_many([text])[0]

    def detect_many(self, texts: list[str]) -> list[Detection]:
        results = []
        for row in self.probabilities(texts):
            order = np.argsort(row)[::-1][:RANKING_SIZE]
            ranking = tuple(Match(self.intents[i], round(float(row[i]), 4)) for i in order)
            results.append(Detection(ranking[0].intent, ranking[0].confidence, ranking))
        return results
