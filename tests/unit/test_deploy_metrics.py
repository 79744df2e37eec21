"""docs/metrics.md against the metrics the code defines: a metric added without its catalog line,
a line left behind by a removed metric, or a type or label that differs fails here."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import NamedTuple

from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "docs" / "metrics.md"
METRIC_MODULES = ("bot.kernel.metrics", "llm.metrics")
PACKAGES = ("bot", "llm", "db", "handlers", "dialogs", "middlewares", "states")
# Metrics of prometheus_client's default collectors and of Prometheus itself.
STANDARD = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
_ROW = re.compile(
    r"^\|\s*`(?P<name>[a-z_:][a-z0-9_:]*)`\s*\|\s*(?P<type>\w+)\s*\|(?P<labels>[^|]*)\|"
)
_LABEL = re.compile(r"`([a-z_][a-z0-9_]*)`")


class Metric(NamedTuple):
    name: str  # as exposed: a counter with its _total
    type: str
    labels: tuple[str, ...]


def exposed_name(name: str, kind: str) -> str:
    return f"{name}_total" if kind == "counter" else name


def defined_metrics() -> dict[str, Metric]:
    """The metric objects of the metrics modules, by exposed name."""
    found: dict[str, Metric] = {}
    for module_name in METRIC_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                kind = str(value._type)
                name = exposed_name(value._name, kind)
                found[name] = Metric(name, kind, tuple(value._labelnames))
    return found


def registered_names() -> set[str]:
    """Every metric family in the default registry once the whole bot is imported, as exposed
    (devbot_* and the standard process_/python_ ones)."""
    importlib.import_module("bot.app")
    names = set()
    for family in REGISTRY.collect():
        names.add(exposed_name(family.name, family.type))
    return names


def known_names() -> set[str]:
    """What a rule or a panel may name (before the _bucket/_count/_sum suffixes)."""
    return registered_names() | set(defined_metrics()) | STANDARD


# What PromQL writes around metric names: strings, label matchers, ranges, grouping labels,
# Grafana's variables, and the keywords that are not metrics.
_PROMQL_NOISE = re.compile(
    r'"(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\]|\$\{?\w+\}?'
    r"|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"
)
_PROMQL_WORD = re.compile(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?")
_PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                    "group_left", "group_right", "inf", "nan"}  # fmt: skip
_SERIES_SUFFIXES = ("_bucket", "_count", "_sum")


def promql_metrics(expr: str) -> set[str]:
    """The metric names an expression selects (functions and aggregations left out)."""
    bare = _PROMQL_NOISE.sub(" ", expr)
    return {
        word
        for word, call in _PROMQL_WORD.findall(bare)
        if not call and word.lower() not in _PROMQL_KEYWORDS
    }


def unknown_metrics(expr: str, known: set[str]) -> set[str]:
    """The names in `expr` no metric exposes (a histogram's series count as its own)."""
    unknown = set()
    for name in promql_metrics(expr):
        base = next((name.removesuffix(s) for s in _SERIES_SUFFIXES if name.endswith(s)), name)
        if name not in known and base not in known:
            unknown.add(name)
    return unknown


def test_promql_names_are_found_and_checked() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, type) (rate(devbot_handler_seconds_bucket"
        '{type=~"message|x"}[$__rate_interval]))) > 5 and on() sum(increase('
        "devbot_updates_totl[1h] offset 1d)) / devbot_llm_spent_today_usd > 1e3"
    )
    assert promql_metrics(expr) == {
        "devbot_handler_seconds_bucket",
        "devbot_updates_totl",
        "devbot_llm_spent_today_usd",
    }
    assert unknown_metrics(expr, known_names()) == {"devbot_updates_totl"}


def catalog(text: str) -> dict[str, Metric]:
    rows: dict[str, Metric] = {}
    for line in text.splitlines():
        match = _ROW.match(line)
        if match is None:
            continue
        name = match["name"]
        assert name not in rows, f"{name} is listed twice in docs/metrics.md"
        labels = tuple(_LABEL.findall(match["labels"]))
        rows[name] = Metric(name, match["type"], labels)
    return rows


def differences(listed: dict[str, Metric], defined: dict[str, Metric]) -> list[str]:
    problems = [f"{name}: defined, not in docs/metrics.md" for name in defined.keys() - listed]
    problems += [
        f"{name}: in docs/metrics.md, not defined"
        for name in listed.keys() - defined.keys()
        if name.startswith("devbot_")
    ]
    for name in listed.keys() & defined.keys():
        if listed[name] != defined[name]:
            problems.append(f"{name}: catalog says {listed[name]}, code says {defined[name]}")
    return sorted(problems)


def test_every_metric_defined_is_in_the_catalog_and_nothing_else() -> None:
    listed = catalog(CATALOG.read_text(encoding="utf-8"))
    defined = defined_metrics()
    assert len(defined) >= 30
    assert differences(listed, defined) == []


def test_the_standard_metrics_listed_exist() -> None:
    listed = catalog(CATALOG.read_text(encoding="utf-8"))
    standard = {name for name in listed if not name.startswith("devbot_")}
    assert "process_start_time_seconds" in standard
    assert standard <= registered_names() | STANDARD


def test_every_devbot_metric_registered_comes_from_the_metrics_modules() -> None:
    """A metric created anywhere else (and so missed by the catalog check) is still found."""
    registered = {name for name in registered_names() if name.startswith("devbot_")}
    assert registered == set(defined_metrics())


def test_no_module_outside_the_metrics_modules_defines_a_metric() -> None:
    kinds = {"Counter", "Gauge", "Histogram", "Summary", "Info", "Enum"}
    allowed = {ROOT / (name.replace(".", "/") + ".py") for name in METRIC_MODULES}
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path in allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("prometheus_client")
                    and kinds & {alias.name for alias in node.names}
                ):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_check_finds_a_missing_a_stale_and_a_wrong_line() -> None:
    """The comparison itself: each kind of drift is reported."""
    defined = defined_metrics()
    listed = dict(defined)
    del listed["devbot_updates_total"]
    listed["devbot_gone_total"] = Metric("devbot_gone_total", "counter", ())
    listed["devbot_leads_total"] = Metric("devbot_leads_total", "gauge", ("score",))
    assert differences(listed, defined) == [
        "devbot_gone_total: in docs/metrics.md, not defined",
        "devbot_leads_total: catalog says Metric(name='devbot_leads_total', type='gauge', "
        "labels=('score',)), code says Metric(name='devbot_leads_total', type='counter', "
        "labels=('score',))",
        "devbot_updates_total: defined, not in docs/metrics.md",
    ]
