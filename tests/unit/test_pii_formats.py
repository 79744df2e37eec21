"""US, UK, Russian and German personal data is masked before the LLM and in logs (issue "Answer
what was asked: the LLM ... bounded and safe"); the numbers of technical talk are not."""

from __future__ import annotations

import pytest

from bot.kernel.pii import mask_pii
from middlewares.pii import mask_exception


@pytest.mark.parametrize(
    "phone",
    [
        # US
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "+1 555 123 4567",
        "+1 (555) 123-4567",
        "1-800-555-0199",
        # UK
        "020 7946 0958",
        "07700 900123",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+447700900123",
        # Russia
        "8 (912) 345-67-89",
        "+7 912 345-67-89",
        "89123456789",
        "79123456789",
        "8-800-555-35-35",
        # Germany
        "030 12345678",
        "0151 23456789",
        "+49 30 12345678",
        "(030) 1234-5678",
        "030/12345678",
        "+49 151 23456789",
    ],
)
def test_phones_in_national_and_international_formats(phone: str) -> None:
    assert mask_pii(f"call me at {phone}, thanks") == "call me at [PHONE], thanks"
    assert mask_pii(phone) == "[PHONE]"


def test_a_phone_does_not_swallow_the_number_after_it() -> None:
    assert mask_pii("call +1 555 123 4567 2 times") == "call [PHONE] 2 times"
    assert mask_pii("звоните 020 7946 0958 10 раз") == "звоните [PHONE] 10 раз"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("SSN 123-45-6789", "SSN [SSN]"),
        ("my social security number is 123 45 6789", "my social security number is [SSN]"),
        ("EIN 12-3456789", "EIN [EIN]"),
        ("our id 12-3456789 for invoices", "our id [EIN] for invoices"),
        ("NI number QQ 12 34 56 C", "NI number [NINO]"),
        ("nino qq123456c", "nino [NINO]"),
        ("ИНН 7707083893", "ИНН [INN]"),
        ("ИНН: 500100732259", "ИНН: [INN]"),
        ("my INN is 1234567890", "my INN is [INN]"),  # introduced, so no checksum needed
        ("7707083893", "[INN]"),  # a message that is just an INN
        ("СНИЛС 123-456-789 01", "СНИЛС [SNILS]"),
        ("снилс 12345678901", "снилс [SNILS]"),
        ("123-456-789 01", "[SNILS]"),
        ("Steuer-ID: 12 345 678 901", "Steuer-ID: [TAX_ID]"),
        ("IdNr. 12345678901", "IdNr. [TAX_ID]"),
        ("tax id 12345678901", "tax id [TAX_ID]"),
        ("Steueridentifikationsnummer 12345678901", "Steueridentifikationsnummer [TAX_ID]"),
        ("IBAN DE89 3704 0044 0532 0130 00", "IBAN [IBAN]"),
        ("card 4111 1111 1111 1111", "card [CARD]"),
    ],
)
def test_national_ids(raw: str, masked: str) -> None:
    assert mask_pii(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("I live at 221B Baker Street, London", "I live at [ADDRESS], London"),
        ("1600 Pennsylvania Ave NW, Washington", "[ADDRESS], Washington"),
        ("send it to 10 Downing St.", "send it to [ADDRESS]."),
        ("office: 350 5th Avenue, Suite 300", "office: [ADDRESS]"),
        ("ул. Ленина, д. 5, кв. 12", "[ADDRESS]"),
        ("живу: улица Тверская 7, Москва", "живу: [ADDRESS], Москва"),
        ("на улице Тверской, дом 7, корп. 2", "на [ADDRESS]"),
        ("пр-т Мира 10к2", "[ADDRESS]"),
        ("Hauptstraße 5, 10115 Berlin", "[ADDRESS], 10115 Berlin"),
        ("Hauptstr. 5a", "[ADDRESS]"),
        ("Berliner Allee 12", "[ADDRESS]"),
        ("Kaiser-Wilhelm-Ring 3", "[ADDRESS]"),
        ("Unter den Linden 77", "[ADDRESS]"),
        ("wir sitzen Am Markt 3, Köln", "wir sitzen [ADDRESS], Köln"),
    ],
)
def test_street_addresses(raw: str, masked: str) -> None:
    assert mask_pii(raw) == masked


@pytest.mark.parametrize(
    "safe",
    [
        "we run 40 microservices on 3 clusters with 2000 rps",
        "PostgreSQL 15.4",
        "port 5432",
        "version 1.2.3",
        "budget $50k–$150k",
        "2026-12-03",
        "HTTP 429",
        "in 3-6 months",
        "k8s 1.29",
        "t3.medium",
        "$1,299.99 per month, €49/month, 1 500 ₽, 300 000 рублей",
        "EXPOSE 8080 8081",
        "ports 8080 8443 9090",
        "budget 800 1200 1500",
        "01.02.2026 10.30",
        "created 1750000000, update 123456789 in chat -1001234567890",
        "for digit in '0123456789'",
        "Monitoring 24/7 with 99.95% SLA",
        "Im Team 5 Leute, Sprint 3 of 12",
        "we use 3 AWS regions and 2 Helm charts",
        "timeout 30 s, retries 3, 10 000 users, 16 GB RAM, 4 vCPU",
        "Python 3.11.7 on Kubernetes 1.30, node 20.11.1",
        "ticket #12345, order 1234567812345678",
        "Сроки: 3-6 месяцев, 2 разработчика, 1 500 000 рублей",
        "Kosten: 5.000 € im Monat, 3 Entwickler ab 2026-01-15",
        "ein 123456789 Byte großes Backup",
    ],
)
def test_technical_numbers_survive(safe: str) -> None:
    assert mask_pii(safe) == safe


def test_a_prompt_full_of_pii_keeps_its_question() -> None:
    text = (
        "Hi, I'm Anna Schmidt, Steuer-ID 12 345 678 901, office Hauptstraße 5, "
        "phone +49 30 12345678. We run 40 microservices on PostgreSQL 15.4, port 5432: "
        "can you move us to k8s 1.29 in 3-6 months for $50k–$150k?"
    )
    assert mask_pii(text, names=["Anna Schmidt"]) == (
        "Hi, I'm [NAME], Steuer-ID [TAX_ID], office [ADDRESS], "
        "phone [PHONE]. We run 40 microservices on PostgreSQL 15.4, port 5432: "
        "can you move us to k8s 1.29 in 3-6 months for $50k–$150k?"
    )


@pytest.mark.parametrize(
    ("names", "raw", "masked"),
    [
        (
            ["Ivan Petrov"],
            "ivan PETROV wrote; Ivan's mail; Ivanov",
            "[NAME] wrote; [NAME]'s mail; Ivanov",
        ),
        (["Мария Иванова"], "Мария, Марии, Марию; Ивановой", "[NAME], [NAME], [NAME]; [NAME]"),
        (["Иван"], "передайте Ивану и Иваном", "передайте [NAME] и [NAME]"),
        (["Алёна"], "Алена и АЛЁНА", "[NAME] и [NAME]"),
        (["Jürgen Müller-Lüdenscheidt"], "Herr müller schreibt", "Herr [NAME] schreibt"),
        (["Jean-Luc"], "Jean-Luc and Luc", "[NAME] and [NAME]"),
        (["A", "J.", ""], "A plan by J. Doe", "A plan by J. Doe"),  # under 2 letters: ignored
        (["Name"], "[NAME] and name", "[NAME] and [NAME]"),  # placeholders stay
    ],
)
def test_the_persons_own_names(names: list[str], raw: str, masked: str) -> None:
    assert mask_pii(raw, names=names) == masked
    assert mask_pii(masked, names=names) == masked


def test_names_are_optional_and_any_iterable() -> None:
    assert mask_pii("Anna here") == "Anna here"
    assert mask_pii("Anna here", names=None) == "Anna here"
    assert mask_pii("Anna here", names=(n for n in ["anna"])) == "[NAME] here"
    assert mask_pii("Anna here", names="Anna") == "[NAME] here"


@pytest.mark.parametrize(
    "raw",
    [
        "call (555) 123-4567 or 8 (912) 345-67-89, SSN 123-45-6789, QQ 12 34 56 C",
        "ИНН 7707083893, СНИЛС 123-456-789 01, ул. Ленина, д. 5, кв. 12",
        "Steuer-ID 12345678901, Unter den Linden 77, 1600 Pennsylvania Ave NW",
    ],
)
def test_masking_twice_changes_nothing(raw: str) -> None:
    once = mask_pii(raw, names=["Ivan"])
    assert any(c.isdigit() for c in raw) and once != raw
    assert mask_pii(once, names=["Ivan"]) == once


def test_many_lines_are_masked_alike() -> None:
    """A correctness check over a long text (a prompt's history), not a timing."""
    line = "Ivan (555) 123-4567 runs PostgreSQL 15.4 on port 5432 at Hauptstraße 5\n"
    assert mask_pii(line * 500, names=["Ivan"]) == (
        "[NAME] [PHONE] runs PostgreSQL 15.4 on port 5432 at [ADDRESS]\n" * 500
    )


def test_an_exception_loses_the_users_name_too() -> None:
    error = RuntimeError("no lead for Maria Ivanova, +7 912 345-67-89")
    error.add_note("Maria asked twice")
    mask_exception(error, names=["Maria", "Ivanova"])
    assert error.args == ("no lead for [NAME], [PHONE]",)
    assert error.__notes__ == ["[NAME] asked twice"]
