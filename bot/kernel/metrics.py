"""Prometheus metrics for the bot process, exposed on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("devbot_updates_total", "Updates handled, by type", ["type"])
UPDATE_ERRORS = Counter("devbot_update_errors_total", "Updates whose handler failed", ["type"])
HANDLER_LATENCY = Histogram(
    "devbot_handler_seconds",
    "Time to handle one update",
    ["type"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TELEGRAM_RETRIES = Counter(
    "devbot_telegram_retries_total", "Bot API calls retried, by reason", ["reason"]
)
# Delivery (bot/telegram/delivery.py): what happens to an update between the door and its end.
UPDATES_INSIDE = Gauge(
    "devbot_updates_inside", "Updates inside the dispatcher: handled, or waiting for a slot"
)
UPDATE_RETRIES = Counter(
    "devbot_update_retries_total",
    "Update attempts that met a transient fault and are tried again, by what failed",
    ["fault"],
)
UPDATES_FAILED = Counter(
    "devbot_updates_failed_total", "Updates given up: the user got the apology", ["type"]
)
LEDGER_UNAVAILABLE = Counter(
    "devbot_ledger_unavailable_total", "Updates handled without the Redis ledger (it failed)"
)
# Set by /readyz (bot/web.py) at each probe: 1 when the dependency answered in time, else 0.
DEPENDENCY_UP = Gauge(
    "devbot_dependency_up", "Whether the last readiness probe reached it", ["dependency"]
)
# Timed by /readyz (bot/web.py): one probe's round trip to each dependency.
DEPENDENCY_SECONDS = Histogram(
    "devbot_dependency_seconds",
    "Round trip of a readiness probe to the dependency",
    ["dependency"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3),
)
# Read at each scrape (bot/app.py): the database's and Redis's connection pools.
POOL_IN_USE = Gauge("devbot_pool_in_use", "Connections of the pool in use now", ["pool"])
POOL_SIZE = Gauge("devbot_pool_size", "Connections the pool may hold", ["pool"])
# Read at each scrape (bot/telegram/delivery.py): how long the oldest update inside has been.
OLDEST_UPDATE_SECONDS = Gauge(
    "devbot_oldest_update_seconds", "Age of the oldest update inside the dispatcher"
)
# Counted by the webhook route (bot/web.py): Telegram's deliveries by the status answered.
WEBHOOK_REQUESTS = Counter(
    "devbot_webhook_requests_total", "Webhook requests by the HTTP status answered", ["status"]
)


def fault_label(error: BaseException) -> str:
    """What a transient fault came from, by its exception's package (a closed set)."""
    package = type(error).__module__.partition(".")[0]
    return {"redis": "redis", "asyncpg": "database", "sqlalchemy": "database",
            "sqlite3": "database", "aiogram": "telegram"}.get(package, "network")  # fmt: skip


CONVERSATIONS = Counter("devbot_conversations_total", "Conversations started", ["source"])
INTAKE_STARTED = Counter("devbot_intake_started_total", "Project intakes started", ["source"])
INTAKE_STEP = Counter("devbot_intake_steps_total", "Intake steps completed", ["step"])
INTAKE_ABANDONED = Counter(
    "devbot_intake_abandoned_total", "Intakes cancelled or expired", ["source"]
)
INTAKE_COMPLETED = Counter("devbot_intake_completed_total", "Intakes confirmed", ["source"])
LEADS = Counter("devbot_leads_total", "Leads stored, by score", ["score"])
THROTTLED = Counter("devbot_throttled_total", "Updates refused by a rate limit", ["limit"])

# Files, GDPR requests and retention (bot/files/store.py, bot/privacy/).
FILES = Counter("devbot_files_total", "Files users sent, by outcome", ["outcome"])
GDPR_REQUESTS = Counter("devbot_gdpr_requests_total", "GDPR requests, by action", ["action"])
RETENTION = Counter("devbot_retention_total", "Rows handled by retention jobs", ["action"])

# Anti-spam and bans: labels are heuristic names and ban kinds, never user data.
SPAM_VIOLATIONS = Counter(
    "devbot_spam_violations_total", "Messages judged spam, by heuristic", ["reason"]
)
BANS = Counter("devbot_bans_total", "Bans imposed, by kind and by whom", ["kind", "actor"])
BANNED_UPDATES = Counter("devbot_banned_updates_total", "Updates from banned users, ignored")

# Label values come from closed sets. A deep-link source is whatever the link says (it could be
# a phone number) and would grow the series without bound: campaigns are told apart in the
# database (users.source, leads.source), the metrics only count them together.
SOURCE_LABELS = frozenset(
    {"direct", "menu", "chat", "faq", "consult", "reminder", "restart", "deeplink"}
)


def source_label(source: str | None) -> str:
    if not source:
        return "direct"
    return source if source in SOURCE_LABELS else "campaign"


# The agents' desk (issue 6): escalations and the SLA figures of each ticket.
ESCALATIONS = Counter(
    "devbot_escalations_total", "Escalations to the agents, by reason", ["reason"]
)
_SLA_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200)
TICKET_TIME_TO_CLAIM = Histogram(
    "devbot_ticket_time_to_claim_seconds", "From a ticket's opening to its first claim",
    buckets=_SLA_BUCKETS,
)  # fmt: skip
TICKET_TIME_TO_FIRST_REPLY = Histogram(
    "devbot_ticket_time_to_first_reply_seconds", "From opening to the first agent reply",
    buckets=_SLA_BUCKETS,
)  # fmt: skip
TICKET_TIME_TO_CLOSE = Histogram(
    "devbot_ticket_time_to_close_seconds", "From a ticket's opening to its close",
    buckets=_SLA_BUCKETS,
)  # fmt: skip
RATINGS = Counter(
    "devbot_ratings_total", "Closed tickets rated by their person, by stars", ["stars"]
)

# The business figures of the last day and week (bot.stats.gauges), read from the database
# every few minutes: the same on every replica, so a dashboard takes max() across them.
KPI_COUNT = Gauge(
    "devbot_kpi_count", "Conversations, people, leads and hand-offs of the period",
    ["kpi", "period"],
)  # fmt: skip
KPI_RATIO = Gauge(
    "devbot_kpi_ratio", "Conversion, hand-off and answered-without-a-human rates of the period",
    ["kpi", "period"],
)  # fmt: skip
KPI_LLM_COST = Gauge(
    "devbot_kpi_llm_cost_per_conversation_usd", "LLM cost per conversation of the period",
    ["period"],
)  # fmt: skip
KPI_CSAT = Gauge("devbot_kpi_csat", "Average rating (1-5) of the period's tickets", ["period"])
KPI_REFRESHED = Gauge(
    "devbot_kpi_refreshed_timestamp_seconds", "When the devbot_kpi_* gauges were last read"
)
