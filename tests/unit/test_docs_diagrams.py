"""The Mermaid diagrams in the docs parse with Mermaid's own parser (scripts/mermaid: the npm
package `mermaid`, run by Node.js; scripts/ensure-tools.sh installs both), and
docs/ARCHITECTURE.md has the component diagram and the five conversation flows of seed task 4."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "scripts" / "mermaid" / "check.mjs"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("docs/runbooks/*.md")])
MERMAID_BLOCK = re.compile(r"^```mermaid\n(.*?)^```", re.MULTILINE | re.DOTALL)
# The five flows (seed task 4), by the words of their headings in docs/ARCHITECTURE.md.
FLOWS = ("onboarding", "faq", "intake", "files", "escalation")


def diagrams(path: Path) -> list[str]:
    return MERMAID_BLOCK.findall(path.read_text(encoding="utf-8"))


def node() -> str:
    """Node.js with scripts/mermaid installed; in CI a missing one fails."""
    path = shutil.which("node")
    installed = (CHECKER.parent / "node_modules" / "mermaid").is_dir()
    if path is None or not installed:
        message = "Node.js and scripts/mermaid are needed (bash scripts/ensure-tools.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def parse(sources: list[str]) -> list[dict[str, Any]]:
    result = subprocess.run(
        [node(), str(CHECKER)],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(parsed) == len(sources)
    return parsed


def test_every_diagram_in_the_docs_parses() -> None:
    found = [(path, source) for path in DOCS for source in diagrams(path)]
    assert len(found) >= 6, "the architecture's component diagram and five flows at least"
    failures = [
        f"{path.relative_to(ROOT)}, diagram {n}: {outcome['error']}"
        for n, ((path, _source), outcome) in enumerate(
            zip(found, parse([source for _path, source in found]), strict=True), start=1
        )
        if not outcome["ok"]
    ]
    assert not failures, "\n".join(failures)


def test_broken_diagrams_are_refused() -> None:
    """The check is a parser, not a pattern: each kind of diagram used here, broken in a way a
    writer would (a semicolon in a message, an unclosed label, a block without its end), fails."""
    sequence = next(s for s in diagrams(ARCHITECTURE) if s.startswith("sequenceDiagram"))
    flowchart = next(s for s in diagrams(ARCHITECTURE) if s.startswith("flowchart"))
    broken = [
        # A ";" ends a statement in a sequence diagram: the rest of the message is no arrow.
        sequence.replace("->>", "->>X: a; b\n    X->>", 1),
        # The last "end" of an alt/opt block removed.
        sequence[: sequence.rindex("end")],
        flowchart.replace('"]', "]", 1),  # a label's quote never closed
        flowchart.replace("\n    end\n", "\n", 1),  # the subgraph's end removed
    ]
    outcomes = parse([sequence, flowchart, *broken])
    assert outcomes[0]["ok"] and outcomes[1]["ok"], outcomes[:2]
    for source, outcome in zip(broken, outcomes[2:], strict=True):
        assert not outcome["ok"], source
        assert "error" in outcome["error"].lower() or "expecting" in outcome["error"].lower()


def test_the_architecture_draws_the_components_and_the_five_flows() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    sections = re.split(r"^#{2,3} ", text, flags=re.MULTILINE)
    components = next(s for s in sections if s.startswith("Components"))
    assert MERMAID_BLOCK.search(components), "a component diagram under Components"
    for flow in FLOWS:
        section = next(
            (s for s in sections if flow in s.splitlines()[0].lower()), None
        )  # the heading names the flow
        assert section is not None, f"no section for the {flow} flow"
        assert MERMAID_BLOCK.search(section), f"the {flow} flow has no diagram"
