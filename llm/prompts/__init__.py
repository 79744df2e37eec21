"""Prompt templates: one Markdown file per template, with a front matter naming its version.

A template that `extends: base` is the base text followed by its own. Variables are
`string.Template` placeholders (`$company`, `$language`); an unknown one stops loading. The id
stored with every LLM message is `name@version`, so answers can be compared by prompt version.

The system prompt never changes within a template version: the provider's prompt cache serves
the stable start of every request (see DESIGN.md: cached input is 50 times cheaper).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

import yaml

PROMPTS_DIR = Path(__file__).resolve().parent
VARIABLES = frozenset({"company", "language"})
LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}
COMPANY = "dev2production.tech"


class PromptError(Exception):
    """A template file is malformed; the message names the file."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    template: Template

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    def render(self, language: str) -> str:
        return self.template.substitute(
            company=COMPANY, language=LANGUAGE_NAMES.get(language, "English")
        )


@cache
def load_prompts(directory: Path = PROMPTS_DIR) -> dict[str, Prompt]:
    raw = {path.stem: _read(path) for path in sorted(directory.glob("*.md"))}
    prompts: dict[str, Prompt] = {}
    for name, (meta, body) in raw.items():
        parent = meta.get("extends")
        if parent is not None:
            if parent not in raw or raw[parent][0].get("extends"):
                raise PromptError(f"{directory / name}.md: cannot extend {parent!r}")
            body = raw[parent][1].rstrip() + "\n\n" + body
            version = f"{meta['version']}.{raw[parent][0]['version']}"
        else:
            version = str(meta["version"])
        template = Template(body.strip())
        unknown = (
            {
                match.group("named") or match.group("braced")
                for match in template.pattern.finditer(template.template)
            }
            - VARIABLES
            - {None}
        )
        if unknown:
            raise PromptError(f"{directory / name}.md: unknown variable ${sorted(unknown)[0]}")
        prompts[name] = Prompt(name, version, template)
    return prompts


def _read(path: Path) -> tuple[dict[str, object], str]:
    text = path.read_text(encoding="utf-8")
    head, separator, body = text.removeprefix("---\n").partition("\n---\n")
    if not text.startswith("---\n") or not separator:
        raise PromptError(f"{path}: no front matter")
    meta = yaml.safe_load(head)
    if not isinstance(meta, dict) or meta.get("name") != path.stem or "version" not in meta:
        raise PromptError(f"{path}: front matter needs name: {path.stem} and a version")
    return meta, body


def choose_template(intent: str | None) -> str:
    """The template for a question, from its detected intent. (Text typed during an intake
    belongs to the wizard, so an intake never reaches the LLM.)"""
    if intent == "flow.start_project":
        return "lead_qualification"
    category = (intent or "").split(".", 1)[0]
    return {
        "pricing": "lead_qualification",
        "support": "technical_support",
        "devops": "project_consultation",
        "technical": "project_consultation",
        "process": "project_consultation",
    }.get(category, "base")
