"""Settings: defaults, parsing, and one-line errors that name the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import ConfigError, load_settings, variable_names

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
