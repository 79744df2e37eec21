"""Text normalisation for intent detection, English and Russian.

Users type fast: mixed case, stretched letters ("pleeease"), Latin letters inside Russian words
(keyboard look-alikes), slang and abbreviations. Everything the detector sees goes through
`normalize` first, training examples and messages alike, so both sides speak the same dialect.
"""

from __future__ import annotations

import re
import unicodedata

# Latin letters that look like Cyrillic ones, and back.
_LAT_TO_CYR = str.maketrans("aceopxykmthb", "асеорхукмтнв")
_CYR_TO_LAT = str.maketrans("асеорхукмтнв", "aceopxykmthb")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")

_URL = re.compile(r"(https?://|www\.)\S+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_STRETCHED = re.compile(r"(\w)\1{2,}")
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w$€£₽%]+")

# Abbreviations and slang, mapped to the word the examples most often use. Whole tokens only.
_ALIASES = {
    "k8s": "kubernetes",
    "k8": "kubernetes",
    "kube": "kubernetes",
    "kuber": "kubernetes",
    "kubernets": "kubernetes",
    "кубер": "kubernetes",
    "кубера": "kubernetes",
    "кубере": "kubernetes",
    "кубернетес": "kubernetes",
    "кубернетис": "kubernetes",
    "cicd": "ci cd",
    "ci/cd": "ci cd",
    "сиай": "ci",
    "девопс": "devops",
    "девопса": "devops",
    "девопсы": "devops",
    "докер": "docker",
    "докере": "docker",
    "терраформ": "terraform",
    "тф": "terraform",
    "iac": "infrastructure as code",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "спс": "спасибо",
    "пасиб": "спасибо",
    "плиз": "пожалуйста",
    "пж": "пожалуйста",
    "щас": "сейчас",
    "чо": "что",
    "че": "что",
    "скока": "сколько",
    "скоко": "сколько",
    "прод": "продакшн",
    "прода": "продакшн",
    "проде": "продакшн",
}


def fix_mixed_script(token: str) -> str:
    """A word typed half on the wrong keyboard layout goes all into its majority alphabet."""
    cyr = len(_CYRILLIC.findall(token))
    lat = len(_LATIN.findall(token))
    if not cyr or not lat:
        return token
    return token.translate(_LAT_TO_CYR if cyr >= lat else _CYR_TO_LAT)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = _URL.sub(" url ", text)
    text = _EMAIL.sub(" email ", text)
    text = text.replace("ci/cd", "cicd").replace("ci / cd", "cicd")
    text = _STRETCHED.sub(r"\1", text)
    tokens = []
    for raw in _NON_WORD.sub(" ", text).split():
        token = fix_mixed_script(raw.strip("_"))
        token = _ALIASES.get(token, token)
        # Amounts differ, their presence matters: "$50k" and "$20k" look the same.
        token = _DIGITS.sub("0", token)
        if token:
            tokens.append(token)
    return " ".join(tokens)
