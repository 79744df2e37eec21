"""Settings: defaults, parsing, and one-line errors that name the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.__main__ import main
from bot.config import (
    SECRET_VARIABLES,
    SECTIONS,
    ConfigError,
    load_settings,
    variable_names,
)

ROOT = Path(__file__).resolve().parents[2]

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Isolate from the developer's .env and environment (tests/conftest.py sets DEVBOT_ENV_FILE).
    monkeypatch.chdir(tmp_path)
    for name in variable_names():
        monkeypatch.delenv(name, raising=False)


def test_the_env_file_is_read_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\nHTTP_PORT=9100\n", encoding="utf-8")
    (tmp_path / "other.env").write_text("LOG_LEVEL=WARNING\n", encoding="utf-8")

    monkeypatch.delenv("DEVBOT_ENV_FILE")  # the default: .env in the working directory
    settings = load_settings()
    assert (settings.log.level, settings.http.port) == ("DEBUG", 9100)
    monkeypatch.setenv("HTTP_PORT", "9200")  # the environment wins over the file
    assert load_settings().http.port == 9200

    monkeypatch.setenv("DEVBOT_ENV_FILE", str(tmp_path / "other.env"))
    assert load_settings().log.level == "WARNING"
    monkeypatch.setenv("DEVBOT_ENV_FILE", "")  # none at all
    assert load_settings().log.level != "DEBUG"


def test_env_example_lists_every_variable_and_nothing_else() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    # And the variables docker-compose.yml requires (the passwords of its PostgreSQL and Redis).
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", compose))
    assert required == {"POSTGRES_PASSWORD", "REDIS_PASSWORD"}
    assert listed == variable_names() | required


def test_defaults_are_the_embedded_ones() -> None:
    settings = load_settings()
    assert settings.database.url == "sqlite+aiosqlite:///./data/devbot.sqlite3"
    assert settings.redis.url is None
    # The real LongCat endpoint by default (tests never name or call real hosts).
    assert settings.longcat.base_url.startswith("https://")
    assert settings.longcat.base_url.endswith("/openai/v1")
    assert not settings.longcat.enabled
    assert settings.telegram.bot_token is None


def test_flat_variables_fill_the_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", "11, 22;33")
    monkeypatch.setenv("AGENT_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:pw@db:5432/devbot")
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-test")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.require_token().get_secret_value() == TOKEN
    assert settings.telegram.admin_ids == [11, 22, 33]
    assert settings.telegram.agent_chat_id == -1001234567890
    assert settings.database.url == "postgresql+asyncpg://bot:pw@db:5432/devbot"
    assert settings.redis.url == "redis://redis:6379/0"
    assert settings.longcat.enabled
    assert settings.log.level == "DEBUG"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("HTTP_PORT", "eighty"),
        ("WEBHOOK_PORT", "70000"),
        ("ADMIN_IDS", "12,abc"),
        ("DATABASE_URL", "mysql://x/y"),
        ("REDIS_URL", "localhost:6379"),
        ("LONGCAT_BASE_URL", "ftp://example"),
        ("LOG_FORMAT", "xml"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("AGENT_CHAT_ID", "group"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


def test_run_without_token_prints_one_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "BOT_TOKEN" in err[0]


def test_webhook_mode_needs_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    with pytest.raises(ConfigError, match=r"^WEBHOOK_URL"):
        load_settings().require_webhook()
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/")
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET"):
        load_settings().require_webhook()
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_value")
    url, secret = load_settings().require_webhook()
    assert url == "https://bot.example.com/webhook/telegram"
    assert secret.get_secret_value() == "s3cret_value"


def test_check_config_redacts_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-very-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2@db/devbot")
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert TOKEN not in out
    assert "sk-very-secret" not in out
    assert "hunter2" not in out
    assert '"BOT_TOKEN": "***"' in out


def test_unknown_subcommand_and_bad_flag_give_usage(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["fly"], ["run", "--fast"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: python -m bot")
        assert "Traceback" not in err


# Seed task 41: every secret can come from a file (Docker and Kubernetes secrets), NAME_FILE.
SECRET_VALUES = {
    "BOT_TOKEN": (TOKEN, lambda s: s.telegram.bot_token.get_secret_value()),
    "LONGCAT_API_KEY": ("sk-from-a-file", lambda s: s.longcat.api_key.get_secret_value()),
    "WEBHOOK_SECRET": ("hook_secret-1", lambda s: s.webhook.secret.get_secret_value()),
    "DATABASE_URL": (
        "postgresql://bot:f1le-pw@db:5432/devbot",
        lambda s: s.database.url.replace("+asyncpg", ""),
    ),
    "REDIS_URL": ("redis://:f1le-pw@redis:6379/0", lambda s: s.redis.url),
}


def test_every_secret_setting_is_one_that_may_come_from_a_file() -> None:
    secret_fields = {
        (attribute, field)
        for attribute, section in SECTIONS.items()
        for field, info in section.model_fields.items()
        if SecretStr in getattr(info.annotation, "__args__", (info.annotation,))
    }
    # Every SecretStr, and the URLs that carry a password.
    assert secret_fields | {("database", "url"), ("redis", "url")} == set(
        SECRET_VARIABLES.values()
    )
    for variable, (attribute, field) in SECRET_VARIABLES.items():
        prefix = SECTIONS[attribute].model_config.get("env_prefix", "")
        assert f"{prefix}{field}".upper() == variable
    assert set(SECRET_VALUES) == set(SECRET_VARIABLES)


@pytest.mark.parametrize("variable", sorted(SECRET_VALUES))
def test_a_secret_is_read_from_its_file_without_the_trailing_newline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    value, read = SECRET_VALUES[variable]
    secret = tmp_path / "secrets" / variable.lower()
    secret.parent.mkdir()
    secret.write_text(value + "\n", encoding="utf-8")  # as `echo VALUE > file` writes it
    monkeypatch.setenv(f"{variable}_FILE", str(secret))
    assert read(load_settings()) == value

    # From the env file too (the environment, empty here, still wins over it).
    monkeypatch.delenv(f"{variable}_FILE")
    secret.write_text(value + "\r\n", encoding="utf-8")
    env_file = tmp_path / "devbot.env"
    env_file.write_text(f"{variable}=\n{variable}_FILE={secret}\n", encoding="utf-8")
    monkeypatch.setenv("DEVBOT_ENV_FILE", str(env_file))
    assert read(load_settings()) == value


def test_check_config_does_not_show_a_secret_read_from_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "token").write_text(TOKEN, encoding="utf-8")
    (tmp_path / "db").write_text("postgresql://bot:hunter2@db/devbot\n", encoding="utf-8")
    monkeypatch.setenv("BOT_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("DATABASE_URL_FILE", str(tmp_path / "db"))
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert TOKEN not in out and "hunter2" not in out
    assert '"BOT_TOKEN": "***"' in out
    assert '"DATABASE_URL": "postgresql+asyncpg://bot:***@db/devbot"' in out


@pytest.mark.parametrize("in_env_file", ["variable", "file variable", "neither"])
def test_a_secret_and_its_file_both_set_stop_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    in_env_file: str,
) -> None:
    (tmp_path / "key").write_text("sk-from-a-file\n", encoding="utf-8")
    env = {"LONGCAT_API_KEY": "sk-from-env", "LONGCAT_API_KEY_FILE": str(tmp_path / "key")}
    lines = []
    for name, value in env.items():
        if (in_env_file == "variable") == (name == "LONGCAT_API_KEY") and in_env_file != "neither":
            lines.append(f"{name}={value}")
        else:
            monkeypatch.setenv(name, value)
    (tmp_path / "devbot.env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("DEVBOT_ENV_FILE", str(tmp_path / "devbot.env"))

    assert main(["check-config"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "configuration error: LONGCAT_API_KEY: both LONGCAT_API_KEY and LONGCAT_API_KEY_FILE"
        " are set; keep one"
    ]


@pytest.mark.parametrize("problem", ["missing", "a directory", "not UTF-8"])
def test_an_unreadable_secret_file_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    problem: str,
) -> None:
    path = tmp_path / "webhook_secret"
    if problem == "a directory":
        path.mkdir()
    elif problem == "not UTF-8":
        path.write_bytes(b"\xff\xfe secret")
    monkeypatch.setenv("WEBHOOK_SECRET_FILE", str(path))
    assert main(["check-config"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"configuration error: WEBHOOK_SECRET_FILE: cannot read {path}: ")
    assert "Traceback" not in err[0]


def test_a_bad_secret_in_a_file_names_the_file_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "token").write_text("not-a-token\n", encoding="utf-8")
    monkeypatch.setenv("BOT_TOKEN_FILE", str(tmp_path / "token"))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("BOT_TOKEN_FILE: the file's content: expected the token")
    assert "not-a-token" not in str(caught.value)  # a secret is never echoed back


def test_an_empty_file_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("BOT_TOKEN_FILE", "")
    assert load_settings().require_token().get_secret_value() == TOKEN
