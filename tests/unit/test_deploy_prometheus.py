"""deploy/prometheus: the rules and the config pass promtool, the rules' unit tests pass, every
alert names metrics that exist, links to a runbook section that exists, and is tested both
firing and quiet. Each promtool check is also shown to fail on a broken copy."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.test_deploy_metrics import ROOT, known_names, unknown_metrics

PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yml"
RULE_TESTS = PROMETHEUS / "alerts_test.yml"  # 1-minute evaluation
DAY_TESTS = PROMETHEUS / "alerts_days_test.yml"  # hours and days of series, coarser
CONFIG = PROMETHEUS / "prometheus.yml"


def tool(name: str) -> str:
    """The binary's path; in CI a missing one fails (scripts/ensure-tools.sh installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (bash scripts/ensure-tools.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=120, check=False
    )


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the headings."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_promtool_checks_the_rules() -> None:
    result = run(tool("promtool"), "check", "rules", RULES)
    assert result.returncode == 0, result.stdout + result.stderr
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    rules = sum(len(group["rules"]) for group in groups)
    assert rules >= 16
    assert f"SUCCESS: {rules} rules found" in result.stdout


def test_promtool_checks_the_config_and_the_rules_it_loads() -> None:
    result = run(tool("promtool"), "check", "config", CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_unit_tests_pass() -> None:
    result = run(tool("promtool"), "test", "rules", RULE_TESTS, DAY_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2, result.stdout


def test_a_broken_rule_fails_the_check(tmp_path: Path) -> None:
    broken = tmp_path / "alerts.yml"
    broken.write_text(
        RULES.read_text(encoding="utf-8").replace("> 0.05", "> > 0.05", 1), encoding="utf-8"
    )
    result = run(tool("promtool"), "check", "rules", broken)
    assert result.returncode != 0
    assert "DevbotHighErrorRate" in result.stdout + result.stderr


def test_a_rule_that_no_longer_fires_fails_its_unit_test(tmp_path: Path) -> None:
    """A threshold moved (5% to 50%): the synthetic 10% error rate no longer fires."""
    shutil.copy(RULE_TESTS, tmp_path / "alerts_test.yml")
    (tmp_path / "alerts.yml").write_text(
        RULES.read_text(encoding="utf-8").replace("> 0.05", "> 0.5", 1), encoding="utf-8"
    )
    result = run(tool("promtool"), "test", "rules", tmp_path / "alerts_test.yml")
    assert result.returncode != 0
    assert "alertname: DevbotHighErrorRate" in result.stdout + result.stderr


def test_a_rule_that_fires_on_health_fails_its_unit_test(tmp_path: Path) -> None:
    """A threshold moved (5% to 0.5%): the healthy 1% error rate would page."""
    shutil.copy(RULE_TESTS, tmp_path / "alerts_test.yml")
    (tmp_path / "alerts.yml").write_text(
        RULES.read_text(encoding="utf-8").replace("> 0.05", "> 0.005", 1), encoding="utf-8"
    )
    result = run(tool("promtool"), "test", "rules", tmp_path / "alerts_test.yml")
    assert result.returncode != 0
    assert "alertname: DevbotHighErrorRate" in result.stdout + result.stderr


def test_every_alert_names_only_metrics_that_exist() -> None:
    known = known_names()
    unknown = {rule["alert"]: unknown_metrics(rule["expr"], known) for rule in alerts()}
    assert {alert: names for alert, names in unknown.items() if names} == {}


def test_every_alert_links_to_a_runbook_section_that_exists() -> None:
    missing = []
    for rule in alerts():
        url = rule["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        page = ROOT / path
        assert path.startswith("docs/runbooks/"), url
        if not page.is_file() or anchor not in anchors(page.read_text(encoding="utf-8")):
            missing.append(f"{rule['alert']}: {url}")
    assert missing == []


def test_every_alert_is_tested_firing_and_quiet() -> None:
    cases = [
        case
        for path in (RULE_TESTS, DAY_TESTS)
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
    ]
    fired: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert names - fired == set()
    assert names - quiet == set()
