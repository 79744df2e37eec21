""".github/workflows/ci.yml: actionlint accepts it (and refuses a broken copy), and it runs what
CI must: lint and type-check, the tests against real PostgreSQL and Redis with coverage of at
least 80% of lines, and the Docker image build; `make lint` runs actionlint, `make test` measures
no coverage (that is the workflow's job)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
FLOOR = 80


def actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"  # the dev group's binary, in .venv
    path = str(beside) if beside.exists() else shutil.which("actionlint")
    if path is None:
        message = "actionlint is not installed (the dev group: uv sync)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint(), "-no-color", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


def make_target(name: str) -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert match is not None, f"no {name} target"
    return match.group(1)


def test_actionlint_accepts_the_workflow() -> None:
    result = lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        # An expression naming a context the job does not have.
        ("${{ env.PYTHON_VERSION }}", "${{ matrix.python }}", 'property "python" is not defined'),
        # A misspelt input of a known action.
        ("if-no-files-found: ignore", "if-no-file-found: ignore", "if-no-file-found"),
        # A job without a runner.
        ("    runs-on: ubuntu-24.04\n    timeout-minutes: 15\n", "    timeout-minutes: 15\n",
         '"runs-on" section is missing'),
    ],
)  # fmt: skip
def test_actionlint_refuses_a_broken_workflow(
    tmp_path: Path, old: str, new: str, complaint: str
) -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / ".github" / "workflows" / "ci.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = lint(broken)
    assert result.returncode != 0
    assert complaint in result.stdout, result.stdout


def test_the_workflow_lints_tests_with_services_and_coverage_and_builds_the_image() -> None:
    jobs = workflow()["jobs"]
    by_step = {name: steps_text(job) for name, job in jobs.items()}
    assert any("make lint" in text for text in by_step.values()), "ruff, mypy, actionlint"
    test_job = next(name for name, text in by_step.items() if "pytest" in text)
    text = by_step[test_job]
    assert "scripts/ensure-services.sh" in text, "PostgreSQL and Redis binaries for the tests"
    assert "scripts/ensure-tools.sh" in text, "promtool, amtool and Mermaid for the checks"
    assert "--cov" in text and f"--cov-fail-under={FLOOR}" in text
    env = jobs[test_job].get("env", {})
    assert env.get("CI") == "true", "missing services and tools fail instead of skipping"
    assert env.get("DEVBOT_REQUIRE_SERVICES") == "1"
    assert any(
        "docker/build-push-action" in text or "docker build" in text for text in by_step.values()
    ), "the image is built"


def test_the_coverage_floor_and_sources_are_configured() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert config["coverage"]["report"]["fail_under"] == FLOOR
    measured = set(config["coverage"]["run"]["source"])
    assert measured == set(config["mypy"]["packages"]), "every package of the bot is measured"
    assert "subprocess" in config["coverage"]["run"]["patch"], "the e2e bot processes too"


def test_make_lint_runs_actionlint_and_make_test_measures_no_coverage() -> None:
    assert "actionlint" in make_target("lint")
    assert "--cov" not in make_target("test")
