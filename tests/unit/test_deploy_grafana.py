"""deploy/grafana/devbot.json: every panel has queries, and every query (and annotation) names
only metrics the bot or Prometheus exposes; the sections the issue asks for are there."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.unit.test_deploy_metrics import ROOT, known_names, unknown_metrics
from tests.unit.test_deploy_prometheus import run, tool

DASHBOARD = ROOT / "deploy" / "grafana" / "devbot.json"


def load(path: Path = DASHBOARD) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside collapsed rows too."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def problems(dashboard: dict[str, Any], known: set[str]) -> list[str]:
    found = []
    for panel in panels(dashboard):
        if panel["type"] == "row":
            continue
        title = panel.get("title", f"panel {panel.get('id')}")
        targets = panel.get("targets", [])
        if not targets:
            found.append(f"{title}: no query")
        for target in targets:
            expr = target.get("expr", "")
            if not expr.strip():
                found.append(f"{title} {target.get('refId')}: empty query")
            for name in sorted(unknown_metrics(expr, known)):
                found.append(f"{title}: {name} is no metric")
    for note in dashboard.get("annotations", {}).get("list", []):
        for name in sorted(unknown_metrics(note.get("expr", ""), known)):
            found.append(f"annotation {note.get('name')}: {name} is no metric")
    return found


def test_every_query_names_a_metric_that_exists() -> None:
    dashboard = load()
    assert sum(1 for p in panels(dashboard) if p["type"] != "row") >= 20
    assert problems(dashboard, known_names()) == []


def test_a_misspelt_metric_or_an_empty_query_is_found() -> None:
    dashboard = copy.deepcopy(load())
    broken = [p for p in panels(dashboard) if p["type"] != "row"]
    broken[0]["targets"][0]["expr"] = "sum(rate(devbot_update_total[5m]))"
    broken[1]["targets"] = []
    assert problems(dashboard, known_names()) == [
        f"{broken[0]['title']}: devbot_update_total is no metric",
        f"{broken[1]['title']}: no query",
    ]


def as_rules(dashboard: dict[str, Any]) -> dict[str, Any]:
    """Every query as a recording rule, Grafana's range variables given a value, so that
    promtool parses them all."""
    rules = []
    for number, panel in enumerate(panels(dashboard)):
        for target in panel.get("targets", []):
            expr = target["expr"].replace("$__rate_interval", "5m").replace("$__range", "1d")
            rules.append({"record": f"dashboard:query_{number}_{target['refId']}", "expr": expr})
    return {"groups": [{"name": "dashboard", "rules": rules}]}


def test_every_query_parses(tmp_path: Path) -> None:
    rules = tmp_path / "dashboard.yml"
    rules.write_text(yaml.safe_dump(as_rules(load())), encoding="utf-8")
    result = run(tool("promtool"), "check", "rules", rules)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_query_that_does_not_parse_fails(tmp_path: Path) -> None:
    dashboard = copy.deepcopy(load())
    panel = next(p for p in panels(dashboard) if p["type"] != "row")
    panel["targets"][0]["expr"] = "sum(rate(devbot_updates_total[$__rate_interval])"
    rules = tmp_path / "dashboard.yml"
    rules.write_text(yaml.safe_dump(as_rules(dashboard)), encoding="utf-8")
    result = run(tool("promtool"), "check", "rules", rules)
    assert result.returncode != 0
    assert "parse error" in result.stdout + result.stderr


def test_the_dashboard_has_the_sections_asked_for() -> None:
    dashboard = load()
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert rows == [
        "Traffic",
        "Latency",
        "Errors",
        "LLM",
        "Funnel",
        "Desk",
        "Process",
        "Queue and connections",
    ]
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p.get("targets", []))
    for metric in ("devbot_conversations_total", "devbot_intake_completed_total",
                   "devbot_leads_total", "devbot_llm_cost_usd_total",
                   "devbot_ticket_time_to_first_reply_seconds_bucket"):  # fmt: skip
        assert metric in exprs
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids))
    # One datasource variable: the dashboard imports into any Grafana.
    assert {p["datasource"]["uid"] for p in panels(dashboard) if "datasource" in p} == {
        "${datasource}"
    }
