"""Issue 17, finding 5: the compose file holds no password; PostgreSQL and Redis take theirs from
the environment (.env), with no default that would start a production stack on a known password,
and Redis asks every client for it, the bot and the health check included."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = sorted(
    path
    for pattern in ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml")
    for path in ROOT.glob(pattern)
)
# ${NAME:?message}: compose stops with the message when NAME is unset or empty.
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]*\}$")
SECRET_WORDS = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|REDISCLI_AUTH|API_KEY", re.IGNORECASE)
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@]*:(?P<password>[^@]*)@", re.IGNORECASE)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "- NAME=value" form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): str(value) for key, value in env.items()}


def services(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data["services"])


def required_variable(value: str) -> str | None:
    match = REQUIRED.match(value)
    return match.group("name") if match else None


def test_there_is_a_compose_file() -> None:
    assert [path.name for path in COMPOSE_FILES] == ["docker-compose.yml"]


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_no_literal_password_and_no_default_one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # A default (${X:-devbot}, ${X-devbot}) would start production on a password in this file.
    assert re.findall(r"\$\{[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|KEY)[A-Z0-9_]*:?[-=+]", text) == []
    for name, service in services(path).items():
        for key, value in environment(service).items():
            if SECRET_WORDS.search(key):
                assert required_variable(value), f"{name}.{key} is not a required variable"
            url = URL_PASSWORD.match(value)
            if url is not None:
                password = url.group("password")
                assert required_variable(password), f"{name}.{key} has a literal password"


def test_redis_requires_the_password_the_bot_and_the_health_check_use() -> None:
    compose = services(ROOT / "docker-compose.yml")
    redis = compose["redis"]
    command = redis["command"]
    if isinstance(command, str):
        command = command.split()
    assert "--requirepass" in command
    password = command[command.index("--requirepass") + 1]
    assert required_variable(password) == "REDIS_PASSWORD"

    redis_url = environment(compose["bot"])["REDIS_URL"]
    match = URL_PASSWORD.match(redis_url)
    assert match is not None, "the bot's REDIS_URL carries no password"
    assert required_variable(match.group("password")) == "REDIS_PASSWORD"
    assert redis_url.endswith("@redis:6379/0")

    # redis-cli answers NOAUTH (and exits 0) without the password: the check must send it and
    # look for PONG.
    assert required_variable(environment(redis)["REDISCLI_AUTH"]) == "REDIS_PASSWORD"
    assert "PONG" in " ".join(redis["healthcheck"]["test"])
    assert "ports" not in redis and "ports" not in compose["postgres"]


def test_postgres_and_the_bot_share_the_required_password() -> None:
    compose = services(ROOT / "docker-compose.yml")
    postgres = environment(compose["postgres"])
    assert required_variable(postgres["POSTGRES_PASSWORD"]) == "POSTGRES_PASSWORD"
    match = URL_PASSWORD.match(environment(compose["bot"])["DATABASE_URL"])
    assert match is not None
    assert required_variable(match.group("password")) == "POSTGRES_PASSWORD"


def test_env_example_documents_the_compose_passwords_empty() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert re.search(rf"^{name}=$", text, re.MULTILINE), f"{name} missing or not empty"
