"""The layout's rules, read from the imports (every import, in a function or not):
handlers/dialogs -> bot features -> bot.kernel, bot.telegram -> db, llm; no cycles; unit tests
drive no dispatcher."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "dialogs", "states", "db", "llm", "middlewares")
# What runs the process, and may import anything: the composition root and what starts it.
PROCESS_MODULES = {"bot", "bot.__main__", "bot.app", "bot.runner", "bot.web"}
PROCESS_PACKAGES = ("bot.cli", "bot.demo")
MAX_TOP_LEVEL = 10
# The bot's dispatcher: where a test reaches for one, it belongs in tests/dispatcher.
DISPATCHER = {"bot.app", "create_dispatcher", "feed_update"}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, known: set[str]) -> set[str]:
    """The project modules `source` imports (a `from package import module` counts the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known and name != module}


def project_files(root: Path) -> dict[str, Path]:
    return {
        module_name(path, root): path
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
    }


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = project_files(root)
    known = set(files)
    return {name: imports_of(path.read_text(), name, known) for name, path in files.items()}


def with_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph as Python runs it: importing a.b.c runs a/b/__init__.py (and a's) first, so a
    module imports the packages of what it imports too (except its own packages)."""
    return {
        module: deps
        | {
            package
            for dep in deps
            for package in _packages(dep)
            if package in graph and not _within(module, package)
        }
        for module, deps in graph.items()
    }


def _packages(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:size]) for size in range(1, len(parts))]


def _within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, deps in sorted(graph.items()):
        for dep in sorted(deps):
            if _within(module, "db") and not _within(dep, "db"):
                found.append(f"{module} imports {dep}: db/ imports only db/")
            if _within(module, "llm") and not (_within(dep, "llm") or dep == "bot.config"):
                found.append(f"{module} imports {dep}: llm/ imports only llm/ and bot.config")
            if _within(module, "bot.kernel", "bot.telegram") and _within(
                dep, "handlers", "dialogs", "middlewares"
            ):
                found.append(f"{module} imports {dep}: plumbing imports no handler")
            if _within(module, "bot.kernel", "bot.telegram") and not _within(
                dep, "bot.kernel", "bot.telegram", "bot.config", "db", "llm"
            ):
                found.append(f"{module} imports {dep}: plumbing knows no feature")
            if (
                _within(module, "bot")
                and module not in PROCESS_MODULES
                and not _within(module, *PROCESS_PACKAGES)
                and _within(dep, "handlers", "dialogs", "middlewares")
            ):
                found.append(f"{module} imports {dep}: features import no handler")
            if _within(module, "dialogs") and _within(dep, "handlers"):
                found.append(f"{module} imports {dep}: dialogs import no handler")
    return found


def telegram_imports(path: Path) -> list[str]:
    """The aiogram (or aiogram-dialog) modules a file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in ("aiogram", "aiogram_dialog")]
    return found


def third_party_violations(root: Path = ROOT) -> list[str]:
    """aiogram stays out of db/, llm/ and bot/kernel/."""
    return [
        f"{path.relative_to(root)} imports {name}"
        for place in ("db", "llm", "bot/kernel")
        for path in sorted((root / place).rglob("*.py"))
        for name in telegram_imports(path)
    ]


def rules_violations(root: Path = ROOT) -> list[str]:
    """A feature's rules module (`bot.<feature>.rules`) reaches no aiogram, directly or through
    what it imports: tests call the rules without Telegram."""
    files, graph = project_files(root), import_graph(root)
    found = []
    for module in sorted(m for m in graph if _within(m, "bot") and m.endswith(".rules")):
        reached, todo = set(), [module]
        while todo:
            current = todo.pop()
            if current not in reached:
                reached.add(current)
                todo += graph.get(current, ())
        found += [
            f"{module} reaches {name} through {current}"
            for current in sorted(reached)
            for name in telegram_imports(files[current])
        ]
    return found


def dispatcher_uses(root: Path = ROOT / "tests" / "unit") -> list[str]:
    """Where a file under `root` imports `bot.app` or `create_dispatcher`, or calls
    `feed_update`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                for alias in node.names:
                    names += [alias.name, f"{node.module}.{alias.name}"]
            elif isinstance(node, ast.Call):
                names = [ast.unparse(node.func).rsplit(".", 1)[-1]]
            else:
                continue
            found += [
                f"{path.relative_to(root)}:{node.lineno} {name}"
                for name in names
                if name in DISPATCHER
            ]
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle between modules (a package's __init__ importing its own modules is
    how a package exposes them, not a cycle)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for dep in graph.get(module, ()):
            if module.startswith(dep + "."):  # a module importing its own package
                continue
            if state.get(dep) == 1:
                found.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_dependencies_point_one_way() -> None:
    assert violations(import_graph()) == []
    assert third_party_violations() == []


def test_the_rules_of_a_feature_need_no_telegram() -> None:
    assert {"bot.desk.rules", "bot.intake.rules"} <= set(import_graph())
    assert rules_violations() == []


def test_the_rules_check_fails_when_a_rule_reaches_telegram(tmp_path: Path) -> None:
    for package in (*PACKAGES, "bot/desk"):
        (tmp_path / package).mkdir()
    (tmp_path / "bot" / "desk" / "rules.py").write_text("from bot.desk import cards\n")
    (tmp_path / "bot" / "desk" / "cards.py").write_text("from aiogram.types import Message\n")
    assert rules_violations(tmp_path) == [
        "bot.desk.rules reaches aiogram.types through bot.desk.cards"
    ]


def test_there_is_no_import_cycle() -> None:
    assert cycles(with_packages(import_graph())) == []


def test_bot_top_level_is_the_process_only() -> None:
    modules = sorted(path.name for path in (ROOT / "bot").glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL, modules


@pytest.mark.parametrize(
    ("place", "line", "expected"),
    [
        ("db/models/extra.py", "import aiogram\n", "db/models/extra.py imports aiogram"),
        ("llm/extra.py", "from aiogram import Bot\n", "llm/extra.py imports aiogram"),
        (
            "bot/kernel/extra.py",
            "import aiogram.types\n",
            "bot/kernel/extra.py imports aiogram.types",
        ),
    ],
)
def test_the_check_fails_when_aiogram_reaches_db_or_llm(
    tmp_path: Path, place: str, line: str, expected: str
) -> None:
    for package in ("db/models", "llm", "bot/kernel"):
        (tmp_path / package).mkdir(parents=True)
    (tmp_path / place).write_text(line)
    assert third_party_violations(tmp_path) == [expected]


def test_the_check_fails_on_a_layer_broken_or_a_cycle(tmp_path: Path) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "bot" / "config.py").write_text("")
    (tmp_path / "llm" / "client.py").write_text("from bot.config import x\n")
    (tmp_path / "db" / "models.py").write_text("def f():\n    from bot import config\n")
    (tmp_path / "handlers" / "menu.py").write_text("")
    (tmp_path / "dialogs" / "intake.py").write_text("from handlers.menu import x\n")
    (tmp_path / "bot" / "a.py").write_text("def f():\n    from bot.b import x\n")
    (tmp_path / "bot" / "b.py").write_text("from bot import a\n")
    (tmp_path / "bot" / "app.py").write_text("from handlers import menu\n")  # the root may
    (tmp_path / "bot" / "feature.py").write_text("from handlers.menu import x\n")
    graph = import_graph(tmp_path)
    assert violations(graph) == [
        "bot.feature imports handlers.menu: features import no handler",
        "db.models imports bot: db/ imports only db/",
        "db.models imports bot.config: db/ imports only db/",
        "dialogs.intake imports handlers.menu: dialogs import no handler",
    ]
    assert cycles(graph) == [["bot.a", "bot.b", "bot.a"]]


def test_the_cycle_check_sees_a_package_that_imports_its_modules(tmp_path: Path) -> None:
    """handlers.consult imports handlers.faq.keyboards, which runs handlers/faq/__init__.py,
    which imports the FAQ's handlers, which import handlers.consult: a cycle at start-up."""
    for package in (*PACKAGES, "handlers/faq"):
        (tmp_path / package).mkdir()
    (tmp_path / "handlers" / "faq" / "__init__.py").write_text("from handlers.faq import talk\n")
    (tmp_path / "handlers" / "faq" / "keyboards.py").write_text("")
    (tmp_path / "handlers" / "faq" / "talk.py").write_text("from handlers.consult import x\n")
    (tmp_path / "handlers" / "consult.py").write_text("from handlers.faq.keyboards import k\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == []  # module by module there is none
    assert cycles(with_packages(graph)) == [
        ["handlers.consult", "handlers.faq", "handlers.faq.talk", "handlers.consult"]
    ]


def test_unit_tests_drive_no_dispatcher() -> None:
    assert dispatcher_uses() == []


def test_the_unit_check_fails_on_a_dispatcher(tmp_path: Path) -> None:
    (tmp_path / "test_bot.py").write_text(
        "from bot import app\n"
        "from bot.app import create_dispatcher\n"
        "\n"
        "async def test_start(dp, bot, update):\n"
        "    await dp.feed_update(bot, update)\n"
    )
    assert dispatcher_uses(tmp_path) == [
        "test_bot.py:1 bot.app",
        "test_bot.py:2 bot.app",
        "test_bot.py:2 create_dispatcher",
        "test_bot.py:5 feed_update",
    ]
