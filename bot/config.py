"""Settings: one pydantic-settings object with a section per concern, read from the environment.

Every section reads flat variable names (BOT_TOKEN, LONGCAT_MODEL, WEBHOOK_SECRET, ...) so that
operators set what `.env.example` lists. `load_settings()` reads them from the environment and
from the file DEVBOT_ENV_FILE names (`.env` in the working directory by default, none if empty),
and turns a validation error into one line that names the variable, which `main()` prints before
exiting with code 2. A secret (SECRET_VARIABLES) can instead be given as NAME_FILE, the path of a
file holding it (Docker and Kubernetes secrets mounted as files). A section built on its own reads
only the environment, and no NAME_FILE.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _comma_list(value: Any) -> Any:
    """ "a, b;c" -> ["a", "b", "c"]: how lists are written in the environment."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=None, env_file_encoding="utf-8", extra="ignore"
    )


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class TelegramSettings(BaseSettings):
    model_config = _section("")

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = Field(default=None, description="another Bot API server")
    agent_chat_id: int | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    updates_in_flight: int = Field(default=64, ge=1, description="handled at once; more wait")
    update_retry_seconds: float = Field(
        default=60, ge=0, description="how long an update failing on a transient error is retried"
    )
    # Telegram's limit for a bot is about 30 messages a second overall, replies included: a
    # broadcast at 25 leaves 5 a second for the answers people get while it goes.
    broadcast_per_second: float = Field(
        default=25,
        gt=0,
        le=30,
        description="broadcast messages sent per second at most; below Telegram's 30 a second "
        "for the whole bot, so that replies still go while a broadcast does",
    )

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token_format(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not _TOKEN_RE.match(str(value)):
            raise ValueError("expected the token BotFather gave, like 123456789:AAE...")
        return value

    @field_validator("telegram_api_url", mode="before")
    @classmethod
    def _api_url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        return _http_url(value)

    @field_validator("agent_chat_id", mode="before")
    @classmethod
    def _empty_chat(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return _comma_list(value)


class DatabaseSettings(BaseSettings):
    model_config = _section("DATABASE_")

    url: str = "sqlite+aiosqlite:///./data/devbot.sqlite3"

    @field_validator("url", mode="before")
    @classmethod
    def _driver(cls, value: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            return "sqlite+aiosqlite:///./data/devbot.sqlite3"
        # Operators paste URLs from their provider; the async drivers are ours to choose.
        for plain, async_ in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if text.startswith(plain):
                return async_ + text[len(plain) :]
        if not text.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("expected a postgresql:// or sqlite:// URL")
        return text

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class RedisSettings(BaseSettings):
    model_config = _section("REDIS_")

    url: str | None = None
    max_connections: int = Field(default=32, ge=2, description="per process; more callers wait")
    timeout: float = Field(
        default=5, gt=0, description="seconds: connect, each command, and a wait for the pool"
    )

    @field_validator("url", mode="before")
    @classmethod
    def _scheme(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not str(value).startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected a redis://host:port/db URL")
        return value


class LongCatSettings(BaseSettings):
    model_config = _section("LONGCAT_")

    api_key: SecretStr | None = None
    base_url: str = "https://api.longcat.chat/openai/v1"
    model: str = "LongCat-2.0"
    temperature: float = Field(default=0.3, ge=0, le=1)
    max_answer_tokens: int = Field(default=700, ge=50, description="the answer's reserve")
    history_tokens: int = Field(default=2000, ge=200, description="history budget per prompt")
    connect_timeout: float = Field(default=3, gt=0, description="seconds")
    first_token_timeout: float = Field(default=8, gt=0, description="seconds to the first token")
    idle_timeout: float = Field(default=8, gt=0, description="seconds between streamed chunks")
    deadline: float = Field(default=18, gt=0, description="seconds per answer, retries included")
    max_attempts: int = Field(default=3, ge=1, le=10)
    breaker_failures: int = Field(default=5, ge=1, description="failures that open the breaker")
    breaker_cooldown: float = Field(default=60, gt=0, description="seconds the breaker stays open")
    # Per million tokens: input/cached input/output, USD; "model=in/cached/out;model2=...".
    prices: Annotated[dict[str, tuple[float, float, float]], NoDecode] = Field(
        default_factory=lambda: {"LongCat-2.0": (0.75, 0.015, 2.95)}
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("base_url", mode="before")
    @classmethod
    def _base_url(cls, value: Any) -> Any:
        return _http_url(value)

    @field_validator("prices", mode="before")
    @classmethod
    def _prices(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        prices: dict[str, tuple[float, float, float]] = {}
        for item in filter(None, (part.strip() for part in value.split(";"))):
            model, _, figures = item.partition("=")
            parts = figures.split("/")
            try:
                numbers = tuple(float(part) for part in parts)
            except ValueError:
                numbers = ()
            if not model.strip() or len(numbers) != 3 or min(numbers) < 0:
                raise ValueError("expected MODEL=INPUT/CACHED/OUTPUT USD per million tokens")
            prices[model.strip()] = (numbers[0], numbers[1], numbers[2])
        return prices

    @property
    def enabled(self) -> bool:
        return self.api_key is not None


class LlmBudgetSettings(BaseSettings):
    model_config = _section("LLM_")

    session_calls: int = Field(default=10, ge=1, description="LLM answers per conversation")
    user_daily_calls: int = Field(default=50, ge=1, description="LLM answers per user per day")
    daily_budget_usd: float = Field(default=100, gt=0, description="all users, per UTC day")
    desk_ticket_calls: int = Field(
        default=10, ge=0, description="desk LLM calls (drafts, hand-off notes) per ticket per day"
    )
    desk_daily_calls: int = Field(default=500, ge=0, description="desk LLM calls per UTC day")
    alert_ratio: float = Field(default=0.8, gt=0, le=1, description="alert admins at this share")


class WebhookSettings(BaseSettings):
    model_config = _section("WEBHOOK_")

    url: str | None = Field(default=None, description="public https base URL")
    path: str = "/webhook/telegram"
    secret: SecretStr | None = None
    host: str = "0.0.0.0"
    port: int = Field(default=8081, ge=1, le=65535)

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        return _http_url(value)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("secret", mode="before")
    @classmethod
    def _secret(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not _WEBHOOK_SECRET_RE.match(str(value)):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class HttpSettings(BaseSettings):
    model_config = _section("HTTP_")

    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=0, le=65535)


class LogSettings(BaseSettings):
    model_config = _section("LOG_")

    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["json", "pretty", "auto"] = "auto"

    @field_validator("level", "format", mode="before")
    @classmethod
    def _case(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class IntakeSettings(BaseSettings):
    model_config = _section("INTAKE_")

    ttl_hours: float = Field(default=24, gt=0, description="an unfinished intake expires after")
    reminder_hours: float = Field(default=3, gt=0, description="remind an abandoned intake after")
    reminder_window_hours: float = Field(default=48, gt=0, description="only this long after")


class LeadSettings(BaseSettings):
    model_config = _section("LEAD_")

    scoring_file: Path | None = None
    sales_mentions: Annotated[list[str], NoDecode] = Field(default_factory=list)
    business_hours: str = "Mon-Fri 09:00-18:00"
    timezone: str = "Europe/Tallinn"

    @field_validator("scoring_file", mode="before")
    @classmethod
    def _empty_path(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("sales_mentions", mode="before")
    @classmethod
    def _split_mentions(cls, value: Any) -> Any:
        names = _comma_list(value)
        if isinstance(names, list):
            return ["@" + str(name).lstrip("@") for name in names if str(name).strip("@")]
        return names

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone like Europe/Tallinn") from None
        return value


class ThrottleSettings(BaseSettings):
    model_config = _section("THROTTLE_")

    burst: int = Field(default=5, ge=1, description="messages allowed within burst_seconds")
    burst_seconds: int = Field(default=3, ge=1)
    per_hour: int = Field(default=60, ge=1)
    per_day: int = Field(default=500, ge=1)
    trusted_factor: int = Field(default=5, ge=1, description="for agents, admins, clients")
    buttons: int = Field(default=20, ge=1, description="button presses within buttons_seconds")
    buttons_seconds: int = Field(default=10, ge=1)
    buttons_per_hour: int = Field(default=300, ge=1)


class FileSettings(BaseSettings):
    model_config = _section("")

    files_dir: Path = Field(default=Path("data/files"), description="where uploads are stored")
    file_max_mb: float = Field(default=10, gt=0, le=20, description="bots download 20 MB at most")
    clamav_socket: str | None = Field(default=None, description="/path/clamd.ctl or host:port")

    @field_validator("clamav_socket", mode="before")
    @classmethod
    def _socket(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not text.startswith("/") and not re.match(r"^[^\s:/]+:\d{1,5}$", text):
            raise ValueError("expected a unix socket path (/run/clamav/clamd.ctl) or host:port")
        return text

    @property
    def max_bytes(self) -> int:
        return int(self.file_max_mb * 1024 * 1024)


class PrivacySettings(BaseSettings):
    model_config = _section("")

    gdpr_grace_days: int = Field(default=30, ge=0, description="/forgetme waits this long")
    retention_archive_days: int = Field(default=90, ge=1, description="archive when inactive")
    retention_attachment_days: int = Field(default=180, ge=1, description="delete files after")
    retention_text_days: int = Field(
        default=180, ge=1, description="delete texts of archived conversations this long after"
    )
    retention_draft_days: int = Field(
        default=30, ge=1, description="delete copilot drafts nobody used after"
    )
    retention_relay_days: int = Field(
        default=180, ge=1, description="delete relayed pairs of closed tickets in topics after"
    )
    fsm_ttl_days: int = Field(
        default=30, ge=1, description="FSM state and unfinished answers in Redis expire after"
    )


# Phrases that in practice only spam carries; operators replace the list with SPAM_KEYWORDS.
DEFAULT_SPAM_KEYWORDS = (
    "casino", "free crypto", "crypto giveaway", "double your bitcoin", "binary options",
    "earn $", "make money fast", "work from home and earn", "viagra", "onlyfans",
    "казино", "ставки на спорт", "заработок без вложений", "раздача криптовалюты",
    "пассивный доход от", "быстрый заработок",
)  # fmt: skip


class SpamSettings(BaseSettings):
    """Anti-spam: heuristics add up to a score; a message at the threshold is a violation."""

    model_config = _section("SPAM_")

    enabled: bool = True
    keywords: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_SPAM_KEYWORDS), description="comma-separated"
    )
    threshold: int = Field(default=4, ge=1, description="score that makes a violation")
    repeat_count: int = Field(default=3, ge=2, description="the same text this often...")
    repeat_seconds: int = Field(default=600, ge=1, description="...within this many seconds")
    max_links: int = Field(default=3, ge=0, description="more links than this is a flood")
    strike_days: int = Field(default=7, ge=1, description="violations count for this long")
    ban_hours: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [1.0, 24.0], description="temporary bans, in order"
    )

    @field_validator("keywords", mode="before")
    @classmethod
    def _split_keywords(cls, value: Any) -> Any:
        words = _comma_list(value)
        return [str(word).lower() for word in words] if isinstance(words, list) else words

    @field_validator("ban_hours", mode="before")
    @classmethod
    def _split_hours(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("ban_hours")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(hours <= 0 for hours in value):
            raise ValueError("ban lengths must be positive hours, like 1,24")
        return value


class DeskSettings(BaseSettings):
    """The agents' desk (escalation to people in the AGENT_CHAT_ID forum group)."""

    model_config = _section("DESK_")

    release_after_minutes: int = Field(
        default=60, ge=1, description="release a claimed ticket whose agent was silent this long"
    )
    company: str = "dev2production.tech"
    reply_within_minutes: int = Field(default=30, ge=1, description="promised in business hours")
    # One person cannot flood the agents' group with tickets.
    tickets_per_hour: int = Field(default=3, ge=1, description="tickets one person opens per hour")
    reopen_after_seconds: int = Field(
        default=60, ge=0, description="after a ticket closes, before its person opens another"
    )
    # Custom emoji ids for the topic icon per ticket state (getForumTopicIconStickers); empty:
    # the state shows only as the emoji at the start of the topic's title.
    icon_open: str = ""
    icon_claimed: str = ""
    icon_closed: str = ""


class DashboardSettings(BaseSettings):
    """The admins' web dashboard (bot/dashboard), served under /dashboard/ on HTTP_PORT.

    DASHBOARD_URL is the public base admins open (a reverse proxy in front of HTTP_PORT that
    forwards /dashboard/ only); unset, the dashboard is off. Sign-in links are signed with a key
    derived from BOT_TOKEN: every replica has it, and a revoked token voids the links."""

    model_config = _section("DASHBOARD_")

    url: str | None = Field(default=None, description="the public base, without a path")
    session_hours: float = Field(
        default=8, gt=0, le=24 * 7, description="a session ends after this long without a page"
    )

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        url = _http_url(value)
        if "/" in url.split("://", 1)[1]:  # the dashboard's paths start at /dashboard/
            raise ValueError(
                "expected the base URL without a path, like https://admin.example.com"
            )
        return url

    @property
    def secure(self) -> bool:
        """Cookies only over https (the browser's view of DASHBOARD_URL)."""
        return self.url is not None and self.url.startswith("https://")


class Settings(BaseModel):
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    longcat: LongCatSettings = Field(default_factory=LongCatSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    leads: LeadSettings = Field(default_factory=LeadSettings)
    throttle: ThrottleSettings = Field(default_factory=ThrottleSettings)
    llm: LlmBudgetSettings = Field(default_factory=LlmBudgetSettings)
    files: FileSettings = Field(default_factory=FileSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    spam: SpamSettings = Field(default_factory=SpamSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    locales_dir: Path = Path(__file__).resolve().parent.parent / "locales"

    def require_token(self) -> SecretStr:
        if self.telegram.bot_token is None:
            raise ConfigError("BOT_TOKEN: not set; put the token from @BotFather in BOT_TOKEN")
        return self.telegram.bot_token

    def require_webhook(self) -> tuple[str, SecretStr]:
        if self.webhook.url is None:
            raise ConfigError("WEBHOOK_URL: not set; webhook mode needs the public https URL")
        if self.webhook.secret is None:
            raise ConfigError("WEBHOOK_SECRET: not set; webhook mode needs a secret token")
        return self.webhook.url.rstrip("/") + self.webhook.path, self.webhook.secret

    def redacted(self) -> dict[str, Any]:
        """The effective configuration by variable name, secrets replaced by `***`."""
        result: dict[str, Any] = {}
        for attribute in SECTIONS:
            section = getattr(self, attribute)
            prefix = section.model_config.get("env_prefix", "")
            for name in type(section).model_fields:
                value = getattr(section, name)
                if isinstance(value, SecretStr):
                    value = "***"
                elif isinstance(value, str):
                    # Any setting may hold a URL (TELEGRAM_API_URL, LONGCAT_BASE_URL, ...).
                    value = redact_url(value)
                result[f"{prefix}{name}".upper()] = value
        return result


def _http_url(value: Any) -> str:
    text = str(value).strip()
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError("expected an http:// or https:// URL")
    return text.rstrip("/")


# A bot token wherever it stands: alone, in a Bot API URL (/bot<token>/getMe, /file/bot<token>/),
# percent-encoded; a digit before it would make it part of a longer number.
BOT_TOKEN_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{1,20}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")
# The password of a URL's user info, up to the last "@" (a raw "@" in a password is common);
# masking a little too much of an odd URL is better than leaking the rest of a password.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@?#\s]*:)[^\s]*@")
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:password|passwd|pass|pwd|token|secret|api_?key|key|access_token|auth)=)"
    r"[^&;#\s]*"
)


def mask_bot_tokens(text: str, replacement: str = "***") -> str:
    return BOT_TOKEN_IN_TEXT.sub(replacement, text)


def redact_url(url: str) -> str:
    """postgresql://user:password@host -> postgresql://user:***@host; redis://:pw@host ->
    redis://:***@host; also ?password=... and a bot token in the path."""
    url = _URL_PASSWORD.sub(r"\1***@", url)
    return mask_bot_tokens(_QUERY_SECRET.sub(r"\1***", url))


#: The sections by attribute name: every field of Settings that is read from the environment.
SECTIONS: dict[str, type[BaseSettings]] = {
    name: field.annotation
    for name, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings)
}


#: The settings that hold a secret (a token, a key, a password inside a URL), by variable, with
#: their section and field. Each can also be given as NAME_FILE: the path of a file whose content
#: (less its trailing newline) is the value, so that the secret sits in neither the environment
#: (`docker inspect`, /proc/PID/environ) nor a manifest. A new SecretStr field belongs here
#: (tests/unit/test_config.py checks it).
SECRET_VARIABLES: dict[str, tuple[str, str]] = {
    "BOT_TOKEN": ("telegram", "bot_token"),
    "LONGCAT_API_KEY": ("longcat", "api_key"),
    "WEBHOOK_SECRET": ("webhook", "secret"),
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
}
FILE_SUFFIX = "_FILE"


def load_settings(**overrides: Any) -> Settings:
    """Read every section; a bad value raises ConfigError naming its variable."""
    env_file = os.environ.get("DEVBOT_ENV_FILE", ".env") or None
    from_files = secrets_from_files(env_file)
    sections: dict[str, Any] = {}
    for name, section in SECTIONS.items():
        read = from_files.get(name, {})
        try:
            sections[name] = section(_env_file=env_file, **{**read, **overrides.get(name, {})})
        except ValidationError as exc:
            raise ConfigError(_describe(section, exc, from_file=set(read))) from None
    return Settings(**sections)


def secrets_from_files(env_file: str | Path | None) -> dict[str, dict[str, str]]:
    """The secrets given as NAME_FILE (in the environment or the env file), by section and field.

    NAME and NAME_FILE both set is an error, whichever of the two places each comes from: which
    one wins would be a guess. An empty value counts as unset (a copied .env.example has
    `BOT_TOKEN=`)."""
    variables = _dotenv(env_file)
    # The environment wins over the file, as for every other setting; names are read case-
    # insensitively, like pydantic-settings reads them.
    variables.update({key.upper(): value for key, value in os.environ.items()})
    found: dict[str, dict[str, str]] = {}
    for variable, (section, field) in SECRET_VARIABLES.items():
        path = variables.get(variable + FILE_SUFFIX)
        if not path:
            continue
        if variables.get(variable):
            raise ConfigError(
                f"{variable}: both {variable} and {variable}{FILE_SUFFIX} are set; keep one"
            )
        try:
            value = Path(path).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"{variable}{FILE_SUFFIX}: cannot read {path}: {reason}") from None
        # `echo x > file` and editors end the file with a newline that is no part of the secret.
        found.setdefault(section, {})[field] = value.rstrip("\r\n")
    return found


def _dotenv(env_file: str | Path | None) -> dict[str, str]:
    if env_file is None:
        return {}
    path = Path(env_file).expanduser()
    if not path.is_file():  # pydantic-settings skips a missing env file too
        return {}
    values = dotenv_values(path, encoding="utf-8")
    return {key.upper(): value for key, value in values.items() if value is not None}


def variable_names() -> set[str]:
    """Every environment variable the settings read (upper case), NAME_FILE ones included."""
    names = {
        f"{section.model_config.get('env_prefix', '')}{field}".upper()
        for section in SECTIONS.values()
        for field in section.model_fields
    }
    return names | {variable + FILE_SUFFIX for variable in SECRET_VARIABLES}


def _describe(
    section: type[BaseSettings], exc: ValidationError, *, from_file: Collection[str] = ()
) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    variable = f"{section.model_config.get('env_prefix', '')}{field}".upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    if field in from_file:
        return f"{variable}{FILE_SUFFIX}: the file's content: {message}"
    return f"{variable}: {message}"
