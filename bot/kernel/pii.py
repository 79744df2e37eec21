"""Personal data masking for anything that leaves the conversation: log lines and LLM prompts.

E-mails keep their first letter and domain (j***@example.com) so support can still tell cases
apart; everything else becomes a typed placeholder: [PHONE], [CARD], [IBAN], [IP], [SECRET],
[SSN], [EIN], [NINO], [INN], [SNILS], [TAX_ID], [ADDRESS], [NAME].

False positives cost answers (the LLM cannot quote a masked version or port), so every pattern
needs a shape that ordinary technical text does not have: card numbers must pass Luhn, bare INNs
their checksum, phones a separator layout and digit count of their country, tax ids without a
distinctive layout a keyword (ИНН, Steuer-ID, SSN ...), and addresses a street word next to a
house number. The one module is longer than most on purpose: the patterns only make sense
read together, in the order they run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)", re.UNICODE)
# Telegram bot tokens, OpenAI-style keys, bearer tokens and long opaque secrets.
_SECRETS = (
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),
    re.compile(r"\b(?:sk|pk|rk|ak)[-_][A-Za-z0-9_-]{16,}\b"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"),
    re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b"),
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
)
# Either compressed ("::") or at least five groups, so that times like 12:30:45 stay.
_IPV6 = re.compile(
    r"(?<![:\w])(?=[0-9A-Fa-f:]*(?:::|(?:[0-9A-Fa-f]{1,4}:){4}))"
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![:\w])"
)
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d+")

# ------------------------------------------------------------------ national ids

# Not inside a longer token (a version, a date, a UUID) on either side.
_L = r"(?<![\w.,/+-])"
_R = r"(?![\w-]|[.,/]\d)"
# What stands between a keyword and its number: "ИНН: ", "tax id no. ", "my INN is ".
_SEP = r"(?P<sep>[\s:#№=.–—-]*(?:(?:no|nr|number|номер|is|ist|это)\b[\s:#№=.–—-]*)?)"


def _keyword(keywords: str, number: str) -> re.Pattern[str]:
    return re.compile(rf"(?i)(?P<key>(?<!\w)(?:{keywords})){_SEP}(?P<num>{number}){_R}")


# The keyword stays, so the LLM still knows what was asked for. EIN and TIN only in capitals:
# "ein" is German's "a".
_KEYWORD_IDS = (
    (_keyword(r"ИНН|INN", r"\d{12}|\d{10}"), "[INN]"),
    (_keyword(r"СНИЛС|SNILS", r"\d{3}[ -]?\d{3}[ -]?\d{3}[ -]?\d{2}"), "[SNILS]"),
    (
        _keyword(
            r"Steuer-?ID(?:-?Nr\.?)?|Steuer-?IdNr\.?|Steueridentifikationsnummer|"
            r"Identifikationsnummer|IdNr\.?|tax[ -]?id|(?-i:TIN)",
            r"\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}",
        ),
        "[TAX_ID]",
    ),
    (_keyword(r"SSN|social security(?: number| no\.?)?", r"\d{3}[ -]?\d{2}[ -]?\d{4}"), "[SSN]"),
    (_keyword(r"(?-i:EIN)|employer identification number", r"\d{2}-?\d{7}"), "[EIN]"),
)
# One scan instead of five when no keyword is there (most text).
_KEYWORDS = re.compile(
    r"(?i)(?<!\w)(?:инн|inn|снилс|snils|steuer|idnr|identifikations|tax|tin|ssn|social|ein|"
    r"employer)"
)
# Layouts distinctive enough on their own.
_IDS = (
    (re.compile(rf"{_L}\d{{3}}-\d{{3}}-\d{{3}}[ -]\d{{2}}{_R}"), "[SNILS]"),
    # Area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
    (re.compile(rf"{_L}(?!000|666|9)\d{{3}}-(?!00)\d{{2}}-(?!0000)\d{{4}}{_R}"), "[SSN]"),
    # Only the IRS's campus prefixes.
    (
        re.compile(
            rf"{_L}(?:0[1-6]|1[0-6]|2[0-7]|3\d|4[0-8]|5\d|6[0-8]|7[1-7]|8[0-8]|9[0-589])"
            rf"-\d{{7}}{_R}"
        ),
        "[EIN]",
    ),
    (re.compile(r"(?<!\w)(?:[A-Z]{2}(?: ?\d{2}){3} ?[A-D]|[a-z]{2}\d{6}[a-d])(?!\w)"), "[NINO]"),
)
# A message (or line) that is nothing but a 10- or 12-digit number with a valid INN checksum.
_BARE_INN = re.compile(r"(?m)^([ \t]*)(\d{12}|\d{10})([ \t]*)$")
_INN_WEIGHTS = ((2, 4, 10, 3, 5, 9, 4, 6, 8), (7, 2, 4, 10, 3, 5, 9, 4, 6, 8),
                (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))  # fmt: skip

# ------------------------------------------------------------------ phones

# International: +CC, an optional "(0)" trunk, then groups; checked per country below.
_PHONE_INTL = re.compile(
    r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(0\))?(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,4})"
    rf"(?:[ .-]?\d{{2,8}}){{1,5}}{_R}"
)
# National significant digits (after the country code and trunk 0) of the countries we know;
# others: 8 to 15 digits in all.
_NATIONAL_DIGITS = {"1": (10, 10), "7": (10, 10), "44": (9, 10), "49": (6, 12)}
_PHONES_NATIONAL = (
    # US: (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-0199.
    re.compile(rf"{_L}(?:1[ .-])?\(\d{{3}}\)[ ]?\d{{3}}[-. ]\d{{4}}{_R}"),
    re.compile(rf"{_L}(?:1([-.]))?\d{{3}}([-.])\d{{3}}\2\d{{4}}{_R}"),
    # Russia: 8 (912) 345-67-89, 8 912 345 67 89, 89123456789, 79123456789.
    re.compile(
        rf"{_L}[78][ -]?(?=\(?[3489])(?:\(\d{{3}}\)|\d{{3}})"
        rf"[ -]?\d{{3}}[ -]?\d{{2}}[ -]?\d{{2}}{_R}"
    ),
)
# UK and Germany dial a trunk 0: 020 7946 0958, 07700 900123, 030 12345678, (030) 1234-5678.
# "00" is the international prefix, never a trunk.
_PHONE_TRUNK = re.compile(
    rf"(?<![\w+.,/(-])(?:\(0[1-9]\d{{0,3}}\)|0[1-9]\d{{0,3}})(?:[ /-]?\d{{2,8}}){{1,3}}{_R}"
)

# ------------------------------------------------------------------ street addresses

_EN_WORDS = ("Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "Court", "Place",
             "Square", "Terrace", "Way", "Parkway", "Highway", "Close", "Crescent", "Row", "Mews",
             "Gardens", "Circle", "Alley")  # fmt: skip
# "Baker Street" or "Baker street"; abbreviations only as written.
_EN_TYPES = "|".join(
    [f"[{word[0]}{word[0].lower()}]{word[1:]}" for word in _EN_WORDS]
    + ["St", "Ave", "Rd", "Blvd", "Ln", "Pkwy", "Hwy"]
)
# 221B Baker Street, 1600 Pennsylvania Ave NW, 10 Downing St., 350 5th Avenue, Apt 4.
_EN_ADDRESS = re.compile(
    r"(?<![\w.,-])\d{1,5}[A-Za-z]?(?: (?:[A-Z][A-Za-z'’-]*|\d{1,3}(?:st|nd|rd|th))){1,4}"
    rf" (?:{_EN_TYPES})\b(?:\.? (?:NW|NE|SW|SE|N|S|E|W)(?![\w-]))?"
    r"(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.? ?\d{1,5}[A-Za-z]?\b)?"
)
# ул. Ленина, д. 5, кв. 12; улица Тверская 7; пр-т Мира 10к2.
_RU_ADDRESS = re.compile(
    r"(?i)(?<!\w)(?:ул\.|ул(?=[ \t])|улиц[аеиуы]|пр-к?т|просп\.|проспект[аеу]?|пер\.|"
    r"переул(?:ок|ка|ке)|б-р|бул\.|бульвар[аеу]?|ш\.|шоссе|наб\.|набережн(?:ая|ой|ую)|"
    r"пл\.|площад[ьи]|проезд[аеу]?|мкр\.?|микрорайон[аеу]?|алле[яи]|тупик[аеу]?)"
    r"[ \t]*(?:\d{1,2}(?:-?[а-яё]{1,2})?[ \t]+)?[а-яё][а-яё.-]*(?:[ \t]+[а-яё][а-яё-]*){0,2}"
    r",?[ \t]*(?:(?:д\.|дом)[ \t]*)?\d{1,4}(?:[а-яё]\b|/\d{1,4})?(?:[ \t]*к\.?[ \t]*\d{1,3}\b)?"
    r"(?:,?[ \t]*(?:корп\.?|корпус|стр\.?|строение|кв\.?|квартира|оф\.?|офис|эт\.?|этаж)"
    r"[ \t]*\d{1,4}[а-яё]?)*(?!\w)"
)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_DE_ADDRESSES = (
    # Hauptstraße 5, Hauptstr. 5, Kaiser-Wilhelm-Ring 3, Berliner Allee 12a; "Monitoring 24"
    # stays, since no street name ends in a vowel and "ring".
    re.compile(
        r"(?<![\w-])[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*"
        r"(?:-?(?i:straße|strasse|str\.|weg|allee|platz|gasse|damm|ufer|chaussee)|"
        r"-?(?<![aeiouy])(?i:ring)|"
        r" (?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer))"
        r" \d{1,4}(?: ?[a-zA-Z])?(?![\w-]|[.,]\d)"
    ),
    # Unter den Linden 77, Am Markt 3: only where the address ends (so "Im Team 5 Leute" stays).
    re.compile(
        r"(?<!\w)(?:Unter den|An der|An den|Am|Auf der|Auf dem|Im|In der|In den|Zum|Zur|"
        r"Hinter der|Vor dem|Alt-) ?[A-ZÄÖÜ][a-zäöüß]+ \d{1,3}(?: ?[a-z])?"
        r"(?=\s*(?:$|[,;:!?)]|\.(?!\d)|\d{5}\b))"
    ),
)

# ------------------------------------------------------------------ names

# Russian names decline (Иван: Ивана, Ивану, Иваном): a Cyrillic stem takes these endings.
_RU_ENDINGS = "(?:а|я|у|ю|е|и|ы|ой|ей|ом|ем|ым|им|ою|ею|ь|й)?"
_LETTER = re.compile(r"[^\W\d_]")
_YO = re.compile("[её]")  # people write Алёна and Алена alike


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _inn_valid(digits: str) -> bool:
    def check(weights: tuple[int, ...]) -> int:
        return sum(w * int(d) for w, d in zip(weights, digits, strict=False)) % 11 % 10

    if len(digits) == 10:
        return check(_INN_WEIGHTS[0]) == int(digits[9])
    return check(_INN_WEIGHTS[1]) == int(digits[10]) and check(_INN_WEIGHTS[2]) == int(digits[11])


def _bare_inn(match: re.Match[str]) -> str:
    if not _inn_valid(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}[INN]{match.group(3)}"


def _phone_end(text: str, low: int, high: int, skip: int = 0) -> int | None:
    """Where the longest run of whole digit groups with `low`..`high` digits ends (the first
    `skip` digits not counted), so that "call 020 7946 0958 10 times" keeps its "10"."""
    count, end = -skip, None
    for run in _DIGIT_RUN.finditer(text):
        count += len(run.group())
        if count > high:
            break
        if count >= low:
            end = run.end()
    return end


def _trunk_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.isdigit() and len(text) < 11:  # "0123456789" is a digit string, not a phone
        return text
    end = _phone_end(text, 10, 12)
    return text if end is None else "[PHONE]" + text[end:]


def _intl_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    code = next((c for c in ("1", "7", "44", "49") if text.startswith("+" + c)), None)
    end = None
    if code is not None:
        low, high = _NATIONAL_DIGITS[code]
        skip = len(code) + ("(0)" in text)
        end = _phone_end(text, low, high, skip)
    if end is None and 8 <= digits <= 15:
        end = len(text)
    return text if end is None else "[PHONE]" + text[end:]


@lru_cache(maxsize=512)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    words = {
        word.casefold()
        for name in names
        for word in re.split(r"[\s\-]+", name.strip())
        if len(_LETTER.findall(word)) >= 2
    }
    if not words:
        return None
    alternatives = []
    for word in sorted(words, key=len, reverse=True):
        if re.fullmatch(r"[а-яё]{3,}", word):
            stem = _YO.sub("[её]", re.sub(r"[аяйьоеиыу]$", "", word))
            alternatives.append(f"{stem}{_RU_ENDINGS}")
        alternatives.append(_YO.sub("[её]", re.escape(word)))
    one = "(?:" + "|".join(alternatives) + ")"
    # "Ivan Petrov" becomes one [NAME]; a placeholder is never re-masked.
    return re.compile(rf"(?<![\w\[]){one}(?:[ \t-]+{one})*(?![\w\]])", re.IGNORECASE)


def mask_pii(text: str, *, names: Iterable[str] | None = None) -> str:
    """The text with personal data masked; safe to call on anything, idempotent.

    `names` are the person's own names (from the intake, the Telegram profile): each word of
    two letters or more is masked wherever it stands as a whole word, in any letter case.
    """
    if not text:
        return text
    for pattern in _SECRETS:
        text = pattern.sub("[SECRET]", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _IPV6.sub("[IP]", text)
    if _DIGIT.search(text):
        text = _mask_numbers(text)
    if names:
        if isinstance(names, str):  # one name, not its letters
            names = (names,)
        own = _names_pattern(tuple(n for n in names if n))
        if own is not None:
            text = own.sub("[NAME]", text)
    return text


# Every phone, card, IBAN and id has at least this many digits; an IPv4 address at least 4.
_FEWEST_ID_DIGITS = 6
_NO_DIGITS = str.maketrans("", "", "0123456789")


def _mask_numbers(text: str) -> str:
    # Most log lines hold a number or two: the patterns that need more are not run on them.
    digits = len(text) - len(text.translate(_NO_DIGITS))
    if digits >= _FEWEST_ID_DIGITS:
        text = _IBAN.sub("[IBAN]", text)
        text = _CARD.sub(_card, text)
    if digits >= 4:
        text = _IPV4.sub("[IP]", text)
    if digits >= _FEWEST_ID_DIGITS:
        text = _mask_ids_and_phones(text)
    text = _EN_ADDRESS.sub("[ADDRESS]", text)
    if _CYRILLIC.search(text):
        text = _RU_ADDRESS.sub("[ADDRESS]", text)
    for pattern in _DE_ADDRESSES:
        text = pattern.sub("[ADDRESS]", text)
    return text


def _mask_ids_and_phones(text: str) -> str:
    if _KEYWORDS.search(text):
        for pattern, placeholder in _KEYWORD_IDS:
            text = pattern.sub(rf"\g<key>\g<sep>{placeholder}", text)
    for pattern, placeholder in _IDS:
        text = pattern.sub(placeholder, text)
    text = _BARE_INN.sub(_bare_inn, text)
    text = _PHONE_INTL.sub(_intl_phone, text)
    for pattern in _PHONES_NATIONAL:
        text = pattern.sub("[PHONE]", text)
    return _PHONE_TRUNK.sub(_trunk_phone, text)
