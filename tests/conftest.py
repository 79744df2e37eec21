"""Shared fixtures: real PostgreSQL/Redis servers (tests.fakes.services), and isolation from the
developer's environment so that tests see only the settings they set."""

from __future__ import annotations

import os

pytest_plugins = ["tests.fakes.services"]

# Tests must never read an operator's configuration or talk to a real service.
for _name in list(os.environ):
    if _name.split("_")[0] in {"BOT", "TELEGRAM", "AGENT", "ADMIN", "DATABASE", "REDIS",
                               "LONGCAT", "WEBHOOK", "HTTP", "LOG"}:  # fmt: skip
        os.environ.pop(_name)

# Tests type faster than people: the rate limits are tested on their own (test_throttling.py).
os.environ.setdefault("THROTTLE_BURST", "1000")
