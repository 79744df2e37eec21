"""Prompt templates: one Markdown file per template, with a front matter naming its version.

A template that `extends: base` is the base text followed by its own. Variables are
`string.Template` placeholders (`$company`, `$language`); an unknown one stops loading. The id
stored with every LLM message is `name@version`, so answers can be compared by prompt version.

The system prompt never changes within a template version: the provider's prompt cache serves
the stable start of every request (see DESIGN.md: cached input is 50 times cheaper).

A template may be under an experiment: a file `NAME.VARIANT.md` whose front matter says
`variant_of: NAME` and `weight: PERCENT` is the text that percent of the people get instead
(bot/consult picks it for the person; the template itself is the control, "a"). Its id is
`NAME@VERSION+VARIANT`, so the stored prompt_version still starts with the template's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

import yaml

# Variant names and the control's, as bot/experiments has them (llm/ imports nothing of bot/).
CONTROL = "a"
VARIANT_NAME = re.compile(r"[a-z][a-z0-9_]{0,15}")
ID_LIMIT = 32  # messages.prompt_version

PROMPTS_DIR = Path(__file__).resolve().parent
VARIABLES = frozenset({"company", "language"})
LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}
COMPANY = "dev2production.tech"


class PromptError(Exception):
    """A template file is malformed; the message names the file."""


@dataclass(frozen=True)
class Prompt:
    name: str  # a variant's is its template's name
    version: str
    template: Template
    variant: str | None = None  # under an experiment: the variant this text is
    weight: int = 0  # a variant's percent of the people

    @property
    def id(self) -> str:
        suffix = f"+{self.variant}" if self.variant else ""
        return f"{self.name}@{self.version}{suffix}"

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
        prompts[name] = _prompt(directory / f"{name}.md", meta, version, template, raw)
    _check_weights(directory, prompts)
    return prompts


def variants(prompts: dict[str, Prompt], name: str) -> tuple[Prompt, ...]:
    """The experiment's other texts of template `name` (none when it is under no experiment)."""
    return tuple(p for p in prompts.values() if p.variant and p.name == name)


def _prompt(
    path: Path, meta: dict[str, object], version: str, template: Template,
    raw: dict[str, tuple[dict[str, object], str]],
) -> Prompt:  # fmt: skip
    of, stem = meta.get("variant_of"), path.stem
    if of is None:
        prompt = Prompt(stem, version, template)
    else:
        variant = stem.removeprefix(f"{of}.")
        if not isinstance(of, str) or of not in raw or raw[of][0].get("variant_of"):
            raise PromptError(f"{path}: variant_of must name a template that is no variant")
        if variant in (stem, CONTROL) or not VARIANT_NAME.fullmatch(variant):
            raise PromptError(f"{path}: a variant's file is {of}.NAME.md, NAME a lowercase word")
        weight = meta.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 99:
            raise PromptError(f"{path}: weight must be a whole percent from 1 to 99")
        prompt = Prompt(of, version, template, variant, weight)
    if len(prompt.id) > ID_LIMIT:
        raise PromptError(f"{path}: the id {prompt.id} is longer than {ID_LIMIT} characters")
    return prompt


def _check_weights(directory: Path, prompts: dict[str, Prompt]) -> None:
    for name in prompts:
        if sum(p.weight for p in variants(prompts, name)) > 99:
            raise PromptError(
                f"{directory / name}.md: its variants' weights add up to more than 99 percent"
            )


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
