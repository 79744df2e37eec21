"""One-typo correction against a fixed vocabulary, for keywords and technology names."""

from __future__ import annotations

from collections.abc import Iterable


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _osa_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class Speller:
    """Symmetric deletes find the candidates in a dictionary look-up or two, instead of a
    distance to every word; the exact distance then weeds out the false ones."""

    def __init__(
        self, words: Iterable[str], keep: Iterable[str] = (), min_length: int = 5, same: int = 1
    ):
        # Ties between candidates go to the word listed first.
        self.words = {word: rank for rank, word in enumerate(dict.fromkeys(words))}
        self.keep = frozenset(keep)  # real words that only look like typos
        self.min_length = min_length  # shorter words are too often a different word
        self.same = same  # a typo keeps this many first letters
        self.starts = frozenset(word[:same] for word in self.words if len(word) >= min_length)
        self.index: dict[str, list[str]] = {}
        for word in self.words:
            if len(word) >= min_length:
                for variant in {word, *_deletes(word)}:
                    self.index.setdefault(variant, []).append(word)

    def correct(self, word: str) -> str | None:
        """The vocabulary word `word` is a typo of, or None."""
        if word in self.words:
            return word
        if (
            len(word) < self.min_length
            or word[: self.same] not in self.starts
            or word in self.keep
        ):
            return None
        found: set[str] = set()
        for variant in {word, *_deletes(word)}:
            found.update(self.index.get(variant, ()))
        best = [
            (distance, self.words[candidate], candidate)
            for candidate in found
            if candidate[: self.same] == word[: self.same]
            and (distance := _osa_distance(word, candidate)) <= 1
        ]
        return min(best)[2] if best else None
