"""deploy/alertmanager/alertmanager.yml: valid for amtool, every alert reaches the admins'
Telegram chat and critical ones e-mail too, and no secret is written in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.unit.test_deploy_metrics import ROOT
from tests.unit.test_deploy_prometheus import alerts, run, tool

CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def amtool_version() -> tuple[int, ...]:
    result = run(tool("amtool"), "--version")
    match = re.search(r"version (\d+)\.(\d+)", result.stdout + result.stderr)
    assert match is not None, result.stdout + result.stderr
    return tuple(int(part) for part in match.groups())


def checkable(tmp_path: Path, text: str | None = None) -> Path:
    """The config as this amtool can read it. `bot_token_file` came with Alertmanager 0.26;
    Debian 12's amtool is 0.25, which does not know the field: there the file is checked with a
    placeholder token in its place (the rest of the config unchanged), and
    test_secrets_are_read_from_files holds the real file to bot_token_file."""
    text = CONFIG.read_text(encoding="utf-8") if text is None else text
    if amtool_version() < (0, 26):
        text = re.sub(r"bot_token_file: .*", 'bot_token: "0:placeholder"', text)
    path = tmp_path / "alertmanager.yml"
    path.write_text(text, encoding="utf-8")
    return path


def receiver_for(config: Path, *labels: str) -> str:
    result = run(tool("amtool"), "config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return data


def test_amtool_accepts_the_config(tmp_path: Path) -> None:
    result = run(tool("amtool"), "check-config", checkable(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_a_broken_config_is_refused(tmp_path: Path) -> None:
    text = CONFIG.read_text(encoding="utf-8").replace(
        "receiver: admins-telegram-and-email", "receiver: nobody", 1
    )
    result = run(tool("amtool"), "check-config", checkable(tmp_path, text))
    assert result.returncode != 0
    assert 'undefined receiver "nobody"' in result.stdout + result.stderr


def test_every_alert_reaches_telegram_and_critical_ones_email_too(tmp_path: Path) -> None:
    config = checkable(tmp_path)
    receivers = {r["name"]: r for r in load()["receivers"]}
    for rule in alerts():
        severity = rule["labels"]["severity"]
        name = receiver_for(config, f"alertname={rule['alert']}", f"severity={severity}")
        receiver = receivers[name]
        assert receiver.get("telegram_configs"), rule["alert"]
        assert bool(receiver.get("email_configs")) == (severity == "critical"), rule["alert"]


def test_secrets_are_read_from_files() -> None:
    config = load()
    telegram = [t for r in config["receivers"] for t in r.get("telegram_configs", [])]
    assert telegram
    for entry in telegram:
        assert entry["bot_token_file"].startswith("/etc/alertmanager/secrets/")
        assert "bot_token" not in entry
    assert "smtp_auth_password" not in config["global"]
    assert config["global"]["smtp_auth_password_file"].startswith("/etc/alertmanager/secrets/")
