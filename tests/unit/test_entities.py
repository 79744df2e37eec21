"""Entity extraction: budget, timeline and technologies in English and Russian messages."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.intake.entities import (
    Budget,
    Entities,
    Timeline,
    TimelineCategory,
    extract_budget,
    extract_entities,
    extract_technologies,
    extract_timeline,
    load_technologies,
    technology_names,
)

TODAY = date(2025, 1, 15)  # a Wednesday

URGENT = TimelineCategory.URGENT
NORMAL = TimelineCategory.NORMAL
FLEXIBLE = TimelineCategory.FLEXIBLE
EXPLORING = TimelineCategory.EXPLORING


def budget_of(text: str) -> tuple[int, str, int | None] | None:
    budget = extract_budget(text)
    return None if budget is None else (budget.amount, budget.currency, budget.max)


def timeline_of(text: str, today: date = TODAY) -> tuple[TimelineCategory, date | None] | None:
    timeline = extract_timeline(text, today=today)
    return None if timeline is None else (timeline.category, timeline.date)


# ---------------------------------------------------------------------------------------------
# Budget


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English: the currency before or after, symbols, codes and words.
        ("Our budget is $50K", (50_000, "USD", None)),
        ("around 50k$ for everything", (50_000, "USD", None)),
        ("we can spend 50 000 USD", (50_000, "USD", None)),
        ("50,000 usd max", (50_000, "USD", None)),
        ("USD 50,000", (50_000, "USD", None)),
        ("US$75k", (75_000, "USD", None)),
        ("50k€", (50_000, "EUR", None)),
        ("€50k", (50_000, "EUR", None)),
        ("EUR 20k", (20_000, "EUR", None)),
        ("€1.500.000 in total", (1_500_000, "EUR", None)),
        ("£10k", (10_000, "GBP", None)),
        ("10 000 pounds", (10_000, "GBP", None)),
        ("1.5M$", (1_500_000, "USD", None)),
        ("$1.5 million", (1_500_000, "USD", None)),
        ("$2.5k for the audit", (2_500, "USD", None)),
        ("5000 dollars", (5_000, "USD", None)),
        ("500 bucks", (500, "USD", None)),
        ("half a million dollars", (500_000, "USD", None)),
        ("a million dollars", (1_000_000, "USD", None)),
        ("two hundred thousand euros", (200_000, "EUR", None)),
        ("up to £20k", (20_000, "GBP", None)),
        # Ranges: the amount is the lower bound, max the upper; a multiplier written once
        # applies to both ends.
        ("budget 10-20k", (10_000, "USD", 20_000)),
        ("$10K–$50K", (10_000, "USD", 50_000)),
        ("$40-60k", (40_000, "USD", 60_000)),
        ("10-15k euros", (10_000, "EUR", 15_000)),
        ("between $5k and $8k", (5_000, "USD", 8_000)),
        ("budget between 10 and 20k", (10_000, "USD", 20_000)),
        ("from 100k to 1.5M USD", (100_000, "USD", 1_500_000)),
        # No currency: USD, but only next to "budget".
        ("budget around 30k", (30_000, "USD", None)),
        ("Budget: 5000", (5_000, "USD", None)),
        ("Budget:\n50k", (50_000, "USD", None)),
        ("30k budget, flexible", (30_000, "USD", None)),
        # Russian.
        ("50 тысяч долларов", (50_000, "USD", None)),
        ("50 тыс. $", (50_000, "USD", None)),
        ("50к долларов", (50_000, "USD", None)),
        ("50 баксов", (50, "USD", None)),
        ("пятьдесят тысяч долларов", (50_000, "USD", None)),
        ("20 тысяч евро", (20_000, "EUR", None)),
        ("10 000 фунтов", (10_000, "GBP", None)),
        ("полмиллиона рублей", (500_000, "RUB", None)),
        ("пол миллиона руб", (500_000, "RUB", None)),
        ("2 млн руб", (2_000_000, "RUB", None)),
        ("1,5 млн рублей", (1_500_000, "RUB", None)),
        ("100 000 ₽", (100_000, "RUB", None)),
        ("300к рублей", (300_000, "RUB", None)),
        ("300 тыр", (300_000, "RUB", None)),
        ("5000р", (5_000, "RUB", None)),
        ("1кк рублей", (1_000_000, "RUB", None)),
        ("от 10 до 20 тысяч долларов", (10_000, "USD", 20_000)),
        ("бюджет 2-3 млн рублей", (2_000_000, "RUB", 3_000_000)),
        ("50 000 - 100 000 руб", (50_000, "RUB", 100_000)),
        ("бюджет около 300к", (300_000, "USD", None)),
        ("бюджет до 500 тысяч", (500_000, "USD", None)),
        ("Бюджет: 1 000 000", (1_000_000, "USD", None)),
        # Typos and case of the words around.
        ("BUDJET around 40K", (40_000, "USD", None)),
        ("бюджэт 300 тыс", (300_000, "USD", None)),
        ("50 доллоров", (50, "USD", None)),
        ("50k dolars", (50_000, "USD", None)),
        ("5000 рублеи", (5_000, "RUB", None)),
    ],
)
def test_budget(text: str, expected: tuple[int, str, int | None]) -> None:
    assert budget_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We plan to launch in 2025",
        "в 2025 году планируем запуск",
        "We have 20 developers",
        "budget for 20 developers",
        "бюджет на 2025 год не утверждён",
        "команда 15 человек, бюджет обсудим",
        "Upgrade to Python 3.11 within our budget",
        "k8s 1.29 cluster, budget unknown",
        "Traffic grew 50% this year, the budget is tight",
        "рост 30% в месяц, бюджет ограничен",
        "Call me: +7 999 123-45-67, budget TBD",
        "budget? call +1 (555) 123-4567",
        "звоните 8 800 555 35 35, бюджет обсудим",
        "Meeting at 10:30, budget to be discussed",
        "around 30k",  # no currency and no "budget"
        "300к",
        "10k users per day",
        "у нас 10к пользователей",
        "200 servers, budget later",
        "error 500 on deploy, budget?",
        "we run 3 clusters with 12 nodes",
        "2024-2025",
        "the budget. 50k requests a day",
    ],
)
def test_not_a_budget(text: str) -> None:
    assert extract_budget(text) is None


def test_budget_text_is_the_users_own_words() -> None:
    budget = extract_budget("Budjet is roughly $50K, maybe a bit more")
    assert budget == Budget(50_000, "USD", None, "$50K")
    assert extract_budget("от 10 до 20 тысяч долларов") == Budget(
        10_000, "USD", 20_000, "от 10 до 20 тысяч долларов"
    )


def test_the_amount_closest_to_budget_wins() -> None:
    text = "We pay $20/hour now; the budget for the project is $50k"
    assert budget_of(text) == (50_000, "USD", None)
    assert budget_of("$10k for the MVP, $50k in total") == (10_000, "USD", None)


# ---------------------------------------------------------------------------------------------
# Timeline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Urgent.
        ("ASAP", (URGENT, None)),
        ("We need it a.s.a.p.!", (URGENT, None)),
        ("as soon as possible please", (URGENT, None)),
        ("we need it urgently", (URGENT, None)),
        ("Urgent: prod is down", (URGENT, None)),
        ("Всё упало, помогите", (URGENT, None)),
        ("right now", (URGENT, None)),
        ("need it today", (URGENT, TODAY)),
        ("tomorrow", (URGENT, date(2025, 1, 16))),
        ("by tomorrow morning", (URGENT, date(2025, 1, 16))),
        ("this week", (URGENT, date(2025, 1, 19))),
        ("by the end of next week", (URGENT, date(2025, 1, 26))),
        ("we needed it yesterday", (URGENT, None)),
        ("yesterday!", (URGENT, None)),
        ("in 2 weeks", (URGENT, date(2025, 1, 29))),
        ("in 10 days", (URGENT, date(2025, 1, 25))),
        ("within a week", (URGENT, date(2025, 1, 22))),
        ("by Friday", (URGENT, date(2025, 1, 17))),
        ("by next Friday", (URGENT, date(2025, 1, 24))),
        ("by Wednesday", (URGENT, date(2025, 1, 22))),
        ("срочно", (URGENT, None)),
        ("срочняк, помогите", (URGENT, None)),
        ("как можно скорее", (URGENT, None)),
        ("нужно было ещё вчера", (URGENT, None)),
        ("вчера", (URGENT, None)),
        ("сегодня", (URGENT, TODAY)),
        ("завтра", (URGENT, date(2025, 1, 16))),
        ("на этой неделе", (URGENT, date(2025, 1, 19))),
        ("горит!", (URGENT, None)),
        ("сроки горят", (URGENT, None)),
        ("через 2 недели", (URGENT, date(2025, 1, 29))),
        ("через пару недель", (URGENT, date(2025, 1, 29))),
        ("к пятнице", (URGENT, date(2025, 1, 17))),
        ("до среды", (URGENT, date(2025, 1, 22))),
        # Normal, with the date it works out to.
        ("next month", (NORMAL, date(2025, 2, 28))),
        ("in 1-3 months", (NORMAL, date(2025, 4, 15))),
        ("in a couple of months", (NORMAL, date(2025, 3, 15))),
        ("in 6 weeks", (NORMAL, date(2025, 2, 26))),
        ("by Q2", (NORMAL, date(2025, 6, 30))),
        ("by end of Q3", (NORMAL, date(2025, 9, 30))),
        ("Q4 2026", (NORMAL, date(2026, 12, 31))),
        ("by March", (NORMAL, date(2025, 3, 31))),
        ("by the end of April", (NORMAL, date(2025, 4, 30))),
        ("by mid-March", (NORMAL, date(2025, 3, 15))),
        ("by March 15th", (NORMAL, date(2025, 3, 15))),
        ("deadline 2025-06-01", (NORMAL, date(2025, 6, 1))),
        ("timeline: 2-3 months", (NORMAL, date(2025, 4, 15))),
        ("by summer", (NORMAL, date(2025, 8, 31))),
        ("to the end of the year", (NORMAL, date(2025, 12, 31))),
        ("к марту", (NORMAL, date(2025, 3, 31))),
        ("к 15 марта", (NORMAL, date(2025, 3, 15))),
        ("до 15.03", (NORMAL, date(2025, 3, 15))),
        ("в начале апреля", (NORMAL, date(2025, 4, 10))),
        ("через месяц", (NORMAL, date(2025, 2, 15))),
        ("через 2 месяца", (NORMAL, date(2025, 3, 15))),
        ("в течение 3 месяцев", (NORMAL, date(2025, 4, 15))),
        ("в следующем месяце", (NORMAL, date(2025, 2, 28))),
        ("к концу квартала", (NORMAL, date(2025, 3, 31))),
        ("во втором квартале", (NORMAL, date(2025, 6, 30))),
        ("до конца года", (NORMAL, date(2025, 12, 31))),
        ("сроки 2-3 недели", (NORMAL, date(2025, 2, 5))),
        ("к лету", (NORMAL, date(2025, 8, 31))),
        ("soon", (NORMAL, None)),
        # Flexible.
        ("no rush", (FLEXIBLE, None)),
        ("No hard deadline", (FLEXIBLE, None)),
        ("it's not urgent at all", (FLEXIBLE, None)),
        ("whenever you can", (FLEXIBLE, None)),
        ("in 6+ months", (FLEXIBLE, date(2025, 7, 15))),
        ("in 8 months", (FLEXIBLE, date(2025, 9, 15))),
        ("next year", (FLEXIBLE, None)),
        ("не горит", (FLEXIBLE, None)),
        ("не срочно", (FLEXIBLE, None)),
        ("не очень срочно", (FLEXIBLE, None)),
        ("когда угодно", (FLEXIBLE, None)),
        ("в течение года", (FLEXIBLE, date(2026, 1, 15))),
        ("через полгода", (FLEXIBLE, date(2025, 7, 15))),
        ("в следующем году", (FLEXIBLE, None)),
        # Exploring.
        ("just exploring", (EXPLORING, None)),
        ("just looking", (EXPLORING, None)),
        ("just curious about prices", (EXPLORING, None)),
        ("researching options", (EXPLORING, None)),
        ("not sure yet", (EXPLORING, None)),
        ("maybe someday", (EXPLORING, None)),
        ("asking for the future", (EXPLORING, None)),
        ("пока присматриваемся", (EXPLORING, None)),
        ("просто интересуюсь", (EXPLORING, None)),
        ("на будущее", (EXPLORING, None)),
        ("пока изучаем", (EXPLORING, None)),
        ("когда-нибудь", (EXPLORING, None)),
        # Typos and case.
        ("URGNET!!", (URGENT, None)),
        ("asap!!!", (URGENT, None)),
        ("срочна нада", (URGENT, None)),
        ("срооочно", (URGENT, None)),
        ("tommorow", (URGENT, date(2025, 1, 16))),
        ("in 2 weeeks", (URGENT, date(2025, 1, 29))),
        ("Next Month", (NORMAL, date(2025, 2, 28))),
        ("через 2 недэли", (URGENT, date(2025, 1, 29))),
        ("just exploaring", (EXPLORING, None)),
    ],
)
def test_timeline(text: str, expected: tuple[TimelineCategory, date | None]) -> None:
    assert timeline_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The strongest expression wins; a date said elsewhere is kept.
        ("not in a hurry, maybe by Q3", (NORMAL, date(2025, 9, 30))),
        ("ASAP, by the end of March at the latest", (URGENT, date(2025, 3, 31))),
        ("Today we use AWS and want to migrate by Q3", (NORMAL, date(2025, 9, 30))),
        ("Just exploring, maybe next year", (EXPLORING, None)),
        ("Не срочно, но хотелось бы к марту", (NORMAL, date(2025, 3, 31))),
        ("Горит! Нужно запустить через 2 недели", (URGENT, date(2025, 1, 29))),
    ],
)
def test_timeline_with_several_expressions(
    text: str, expected: tuple[TimelineCategory, date | None]
) -> None:
    assert timeline_of(text) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # A quarter or a month already past is next year's.
        ("by Q2", date(2025, 8, 20), (NORMAL, date(2026, 6, 30))),
        ("by Q3", date(2025, 8, 20), (NORMAL, date(2025, 9, 30))),
        ("by March", date(2025, 8, 20), (NORMAL, date(2026, 3, 31))),
        ("к марту", date(2025, 8, 20), (NORMAL, date(2026, 3, 31))),
        ("к 15 марта", date(2025, 8, 20), (NORMAL, date(2026, 3, 15))),
        ("к концу квартала", date(2025, 8, 20), (NORMAL, date(2025, 9, 30))),
        ("next month", date(2025, 12, 10), (NORMAL, date(2026, 1, 31))),
        ("in 2 months", date(2025, 12, 31), (NORMAL, date(2026, 2, 28))),
        # A deadline two weeks away or closer is urgent.
        ("до конца месяца", date(2025, 8, 20), (URGENT, date(2025, 8, 31))),
        ("by the end of the quarter", date(2025, 9, 25), (URGENT, date(2025, 9, 30))),
    ],
)
def test_relative_dates_use_today(
    text: str, today: date, expected: tuple[TimelineCategory, date | None]
) -> None:
    assert timeline_of(text, today) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We use Kubernetes on AWS",
        "we may 10x our traffic",
        "version 2.0 of the API",
        "budget for 2026 is not set",
        "в среде kubernetes",
        "Can we have a call on Monday at 3pm?",
        "Давайте созвонимся в понедельник в 15:00",
        "20 developers",
        "Python 3.11",
    ],
)
def test_no_timeline(text: str) -> None:
    assert extract_timeline(text, today=TODAY) is None


def test_timeline_text_is_the_users_own_words() -> None:
    assert extract_timeline("Need it URGNET pls", today=TODAY) == Timeline(URGENT, None, "URGNET")
    assert extract_timeline("Мы планируем к Марту", today=TODAY) == Timeline(
        NORMAL, date(2025, 3, 31), "к Марту"
    )


def test_today_defaults_to_the_real_date() -> None:
    timeline = extract_timeline("tomorrow")
    assert timeline is not None
    assert timeline.date == date.today() + timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Technologies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Need a k8s cluster on AWS", ("Kubernetes", "AWS")),
        (
            "We run Go microservices on k8s with Postgres and Redis",
            ("Go", "Kubernetes", "PostgreSQL", "Redis"),
        ),
        ("golang developer needed", ("Go",)),
        ("our backend is written in go", ("Go",)),
        ("go1.22 service", ("Go",)),
        ("нужен разработчик на Go", ("Go",)),
        ("пишем на го и питоне", ("Go", "Python")),
        ("Rust, Go", ("Rust", "Go")),
        ("rust developer", ("Rust",)),
        ("We use Rust and Swift", ("Rust", "Swift")),
        ("Swift is our main language", ("Swift",)),
        ("Go and Python developers wanted", ("Go", "Python")),
        ("We use Go for the backend and Go over Java for tooling", ("Go", "Java")),
        ("swift ios app", ("Swift",)),
        ("java 17 and spring boot", ("Java", "Spring")),
        ("Java, Kotlin, spring", ("Java", "Kotlin", "Spring")),
        ("we need a react frontend", ("React",)),
        ("React Native app and Next.js site", ("React Native", "Next.js")),
        ("C#/.NET shop with Azure DevOps", ("C#", ".NET", "Azure")),
        ("ASP.NET Core API", (".NET",)),
        ("1С интеграция", ("1С",)),
        ("python3.11 app on node.js, typescript frontend", ("Python", "Node.js", "TypeScript")),
        ("node backend", ("Node.js",)),
        ("JavaScript and PHP and Ruby and Scala", ("JavaScript", "PHP", "Ruby", "Scala")),
        ("EKS on AWS", ("AWS", "Kubernetes")),
        ("Ruby on Rails monolith", ("Ruby", "Rails")),
        (
            "GCP, Azure, Hetzner, DigitalOcean, Yandex Cloud, Heroku, Vercel",
            ("GCP", "Azure", "Hetzner", "DigitalOcean", "Yandex Cloud", "Heroku", "Vercel"),
        ),
        ("docker, helm, openshift, nomad", ("Docker", "Helm", "OpenShift", "Nomad")),
        (
            "terraform, pulumi, ansible, cloudformation",
            ("Terraform", "Pulumi", "Ansible", "CloudFormation"),
        ),
        (
            "GitHub Actions, GitLab CI, Jenkins, CircleCI, ArgoCD, Flux, TeamCity, "
            "Bitbucket Pipelines",
            (
                "GitHub Actions",
                "GitLab CI",
                "Jenkins",
                "CircleCI",
                "ArgoCD",
                "Flux",
                "TeamCity",
                "Bitbucket Pipelines",
            ),
        ),
        (
            "Prometheus, Grafana, Loki, ELK, Datadog, OpenTelemetry, Sentry, New Relic, Zabbix",
            (
                "Prometheus",
                "Grafana",
                "Loki",
                "ELK",
                "Datadog",
                "OpenTelemetry",
                "Sentry",
                "New Relic",
                "Zabbix",
            ),
        ),
        (
            "Vue, Angular, Django, FastAPI, Flask, Laravel, Rails, Flutter",
            ("Vue", "Angular", "Django", "FastAPI", "Flask", "Laravel", "Rails", "Flutter"),
        ),
        (
            "MySQL, MongoDB, Kafka, RabbitMQ, ClickHouse, Elasticsearch, Cassandra",
            (
                "MySQL",
                "MongoDB",
                "Kafka",
                "RabbitMQ",
                "ClickHouse",
                "Elasticsearch",
                "Cassandra",
            ),
        ),
        (
            "Stripe, Salesforce, HubSpot, SAP, Shopify",
            ("Stripe", "Salesforce", "HubSpot", "SAP", "Shopify"),
        ),
        # Russian spellings, slang and inflections.
        (
            "деплоим через гитлаб ci в кубер, мониторинг на прометеусе и графане",
            ("GitLab CI", "Kubernetes", "Prometheus", "Grafana"),
        ),
        ("у нас докер, терраформ и ансибл", ("Docker", "Terraform", "Ansible")),
        ("кубернетес, постгрес, кликхаус", ("Kubernetes", "PostgreSQL", "ClickHouse")),
        ("живём в кубере, база на постгресе", ("Kubernetes", "PostgreSQL")),
        ("мы используем яндекс облако и кафку", ("Yandex Cloud", "Kafka")),
        ("собираем докером, деплоим хелмом", ("Docker", "Helm")),
        # Typos.
        ("kubernets cluster on hetzner", ("Kubernetes", "Hetzner")),
        ("kubernetis and terrafrom and promethues", ("Kubernetes", "Terraform", "Prometheus")),
        ("kuberntes, postgress, dokcer", ("Kubernetes", "PostgreSQL", "Docker")),
        ("elasticserach and clickhose", ("Elasticsearch", "ClickHouse")),
        # Case does not matter; each name once, in order of first appearance.
        ("K8S, TERRAFORM, AWS", ("Kubernetes", "Terraform", "AWS")),
        ("Kubernetes, k8s, kube and кубер", ("Kubernetes",)),
        ("AWS first, then Docker, then AWS again", ("AWS", "Docker")),
    ],
)
def test_technologies(text: str, expected: tuple[str, ...]) -> None:
    assert extract_technologies(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "let's go with whatever you suggest",
        "Go ahead and send the proposal",
        "Go and check the docs",
        "So let's Go live on Monday",
        "We want to go live next week",
        "I trust you guys",
        "Trusted by 100 companies",
        "Swift delivery is key",
        "how fast can you react to incidents?",
        "rust on the pipes",
        "everything is in flux right now",
        "k8s node pool",  # only Kubernetes
        "the java machine in the kitchen",
        "by spring",
        "у нас на Гоa",
        "хотим расти дальше",
        "Hi Tom, how are you?",
    ],
)
def test_ordinary_words_are_not_technologies(text: str) -> None:
    assert set(extract_technologies(text)) <= {"Kubernetes"}


def test_every_technology_is_found_by_its_own_name() -> None:
    for name in technology_names():
        if name == "Spring":  # a season as well: needs a context
            assert extract_technologies("Java and Spring") == ("Java", "Spring")
            continue
        assert extract_technologies(f"We use {name} here") == (name,), name


def test_the_catalog_has_everything_the_brief_lists() -> None:
    expected = {
        "AWS", "GCP", "Azure", "Hetzner", "DigitalOcean", "Yandex Cloud", "Heroku", "Vercel",
        "Docker", "Kubernetes", "Helm", "OpenShift", "Nomad",
        "Terraform", "Pulumi", "Ansible", "CloudFormation",
        "GitHub Actions", "GitLab CI", "Jenkins", "CircleCI", "ArgoCD", "Flux", "TeamCity",
        "Bitbucket Pipelines",
        "Prometheus", "Grafana", "Loki", "ELK", "Datadog", "OpenTelemetry", "Sentry",
        "New Relic", "Zabbix",
        "Python", "Go", "Java", "Kotlin", "JavaScript", "TypeScript", "Node.js", "PHP", "Ruby",
        "C#", ".NET", "Rust", "Swift", "Scala", "1С",
        "React", "Next.js", "Vue", "Angular", "Django", "FastAPI", "Flask", "Spring", "Laravel",
        "Rails", "Flutter", "React Native",
        "PostgreSQL", "MySQL", "MongoDB", "Redis", "Kafka", "RabbitMQ", "ClickHouse",
        "Elasticsearch", "Cassandra",
        "Stripe", "Salesforce", "HubSpot", "SAP", "Shopify",
    }  # fmt: skip
    assert expected <= set(technology_names())


@pytest.mark.parametrize(
    "content",
    [
        "just a string",
        "categories: [AWS]",
        "categories:\n  clouds:\n    AWS: {aliases: [aws], colour: orange}",
        "categories:\n  clouds:\n    AWS: {aliases: aws}",
        "categories:\n  clouds:\n    AWS: [aws]\n  more:\n    AWS: [amazon]",
    ],
)
def test_a_broken_catalog_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "technologies.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"technologies\.yaml"):
        load_technologies(path)


# ---------------------------------------------------------------------------------------------
# All together


def test_to_dict_has_only_what_was_found_and_is_json_ready() -> None:
    entities = extract_entities("Need a k8s cluster on AWS ASAP, budget $50K", today=TODAY)
    assert entities.to_dict() == {
        "budget": {"amount": 50_000, "currency": "USD", "max": None, "text": "$50K"},
        "timeline": {"category": "urgent", "date": None, "text": "ASAP"},
        "technologies": ["Kubernetes", "AWS"],
    }
    assert json.loads(json.dumps(entities.to_dict())) == entities.to_dict()
    assert extract_entities("Hello!").to_dict() == {}
    assert extract_entities("Hello!") == Entities()


def test_a_russian_brief() -> None:
    text = (
        "Привет! Нужен девопс: кубер в яндекс облаке, гитлаб ci, мониторинг на прометеусе и "
        "графане. Бюджет до 500 тысяч рублей, сроки горят — нужно запустить через 2 недели. "
        "Команда 12 человек, пишем на го и питоне. Позвоните +7 999 123-45-67."
    )
    assert extract_entities(text, today=TODAY).to_dict() == {
        "budget": {"amount": 500_000, "currency": "RUB", "max": None, "text": "500 тысяч рублей"},
        "timeline": {"category": "urgent", "date": "2025-01-29", "text": "сроки горят"},
        "technologies": [
            "Kubernetes",
            "Yandex Cloud",
            "GitLab CI",
            "Prometheus",
            "Grafana",
            "Go",
            "Python",
        ],
    }


def test_an_english_brief() -> None:
    text = (
        "Hi! We're a fintech startup and need help migrating our monolith to Kubernetes on AWS. "
        "Stack: Python/Django, PostgreSQL, Redis, some Go microservices. Budget around $40-60k, "
        "ideally done by Q2. Not super urgent but we'd like to start next month."
    )
    entities = extract_entities(text, today=TODAY)
    assert entities.budget == Budget(40_000, "USD", 60_000, "$40-60k")
    assert entities.timeline == Timeline(NORMAL, date(2025, 6, 30), "by Q2")
    assert entities.technologies == (
        "Kubernetes",
        "AWS",
        "Python",
        "Django",
        "PostgreSQL",
        "Redis",
        "Go",
    )
