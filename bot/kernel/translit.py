"""Russian typed in Latin letters ("skolko stoit sayt?"), turned back into Cyrillic.

Only words the detector has never seen are converted, and only when the Cyrillic spelling is a
word it knows (soft and hard signs ignored, since transliteration usually drops them). English
words the detector knows are left alone, so this cannot hurt English messages it understands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MULTI = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"),
    ("ts", "ц"), ("yu", "ю"), ("ya", "я"), ("yo", "е"), ("ye", "е"), ("ju", "ю"), ("ja", "я"),
)  # fmt: skip
_SINGLE = str.maketrans("abvgdezijklmnoprstufhcwxq", "абвгдезийклмнопрстуфхцвхк")
_VOWELS = set("аеиоуыэюя")
_SIGNS = str.maketrans("", "", "ьъ")
_LATIN_WORD = re.compile(r"^[a-z]+$")


def to_cyrillic(word: str) -> str:
    out = []
    i = 0
    while i < len(word):
        for latin, cyrillic in _MULTI:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            char = word[i]
            if char == "y":
                # "kakoy" -> "какой", "vy" -> "вы"
                out.append("й" if out and out[-1] in _VOWELS else "ы")
            else:
                out.append(char.translate(_SINGLE))
            i += 1
    return "".join(out)


class Transliterator:
    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.known = set(vocabulary)
        self.cyrillic = {word.translate(_SIGNS): word for word in self.known if not word.isascii()}

    def __call__(self, normalised: str) -> str:
        words = normalised.split()
        changed = False
        for index, word in enumerate(words):
            if word in self.known or not _LATIN_WORD.match(word):
                continue
            candidate = self.cyrillic.get(to_cyrillic(word).translate(_SIGNS))
            if candidate:
                words[index] = candidate
                changed = True
        return " ".join(words) if changed else normalised
