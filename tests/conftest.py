"""Shared fixtures: real PostgreSQL/Redis servers (tests.fakes.services), and isolation from the
developer's environment so that tests see only the settings they set."""

from __future__ import annotations

import os

from bot.config import variable_names

pytest_plugins = ["tests.fakes.services"]

# Tests must never read an operator's configuration or talk to a real service: no variable the
# settings read, and no `.env` file (the bots the tests start inherit DEVBOT_ENV_FILE).
for _name in variable_names() & set(os.environ):
    os.environ.pop(_name)
os.environ["DEVBOT_ENV_FILE"] = ""

# Tests type faster than people: the rate limits are tested on their own (test_throttling.py).
os.environ.setdefault("THROTTLE_BURST", "1000")
