"""The command line: `python -m bot --help`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.app import StartupError
from bot.config import ConfigError, Settings, load_settings
from bot.faq.knowledge import KnowledgeBaseError
from bot.kernel.i18n import LocaleError
from bot.logging import setup_logging
from llm.prompts import PromptError

EXIT_CONFIG = 2
EXIT_STARTUP = 1


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import run

    setup_logging(settings.log.level, settings.log.format)
    asyncio.run(run(settings, webhook=args.webhook))
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo.chat import run_demo

    # The terminal is the chat: only problems are logged, to stderr.
    level = settings.log.level if settings.log.level in ("TRACE", "DEBUG") else "WARNING"
    setup_logging(level, "pretty")
    asyncio.run(run_demo(settings, language=args.lang, stdin=sys.stdin, stdout=sys.stdout))
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.migrations import migrate_command

    setup_logging(settings.log.level, settings.log.format)
    revision = asyncio.run(migrate_command(settings, downgrade_to=args.downgrade))
    print(f"database at revision {revision or 'base'}")
    return 0


def _classify(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import load_knowledge
    from bot.cli.classify import classify_lines

    setup_logging("WARNING", "pretty")
    _i18n, _kb, detector = load_knowledge(settings)
    lines = sys.stdin if args.text == "-" else [args.text]
    # Typed at a terminal, each line is answered at once; piped, lines are batched.
    batch = 1 if args.text == "-" and sys.stdin.isatty() else 256
    for line in classify_lines(detector, lines, batch_size=batch):
        print(line, flush=True)
    return 0


def _llm_eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import load_knowledge
    from bot.consult.eval import llm_eval_command, require_key

    require_key(settings)  # before the detector is trained: a missing key fails at once
    setup_logging("WARNING", "pretty")
    _i18n, kb, detector = load_knowledge(settings)
    return asyncio.run(llm_eval_command(settings, kb, detector, sys.stdout))


def _leads(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.admin import export_csv_command

    setup_logging("WARNING", "pretty")
    count = asyncio.run(export_csv_command(settings, sys.stdout))
    print(f"{count} lead(s) exported", file=sys.stderr)
    return 0


def _replay(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.replay import replay_command

    setup_logging("WARNING", "pretty")
    return replay_command(settings, args.conversation_id, compare=args.what_if,
                          export=args.export, output=args.output, out=sys.stdout,
                          err=sys.stderr)  # fmt: skip


def _check_config(settings: Settings, _args: argparse.Namespace) -> int:
    print(json.dumps(settings.redacted(), indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="DevBot, the Telegram assistant of dev2production.tech.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (long polling; --webhook for webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")
    run.set_defaults(handler=_run)

    demo = commands.add_parser("demo", help="chat with the full bot in this terminal")
    demo.add_argument("--lang", choices=("en", "ru"), default="en", help="your Telegram language")
    demo.set_defaults(handler=_demo)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")
    migrate.set_defaults(handler=_migrate)

    classify = commands.add_parser(
        "classify", help="print the intent, confidence and entities of a message as JSON"
    )
    classify.add_argument("text", help='the message, or "-" to read one message a line from stdin')
    classify.set_defaults(handler=_classify)

    llm_eval = commands.add_parser(
        "llm-eval", help="run the LLM scenarios against the configured LongCat API and grade them"
    )
    llm_eval.set_defaults(handler=_llm_eval)

    leads = commands.add_parser("leads", help="export the leads (for admins)")
    leads.add_argument("--csv", action="store_true", required=True, help="CSV to standard output")
    leads.set_defaults(handler=_leads)

    replay = commands.add_parser(
        "replay", help="print a stored conversation with how each answer was made"
    )
    replay.add_argument(
        "conversation_id",
        type=int,
        metavar="CONVERSATION_ID",
        help="an id of the conversations table",
    )
    replay.add_argument(
        "--what-if", action="store_true",
        help="compare each answer with what today's detector, routing and LLM prompts give",
    )  # fmt: skip
    replay.add_argument("--export", choices=("md", "json"), help="Markdown or JSON")
    replay.add_argument("--output", type=Path, metavar="FILE", help="write to FILE, not stdout")
    replay.set_defaults(handler=_replay)

    check = commands.add_parser(
        "check-config", help="print the effective configuration, secrets redacted"
    )
    check.set_defaults(handler=_check_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[Settings, argparse.Namespace], int] = args.handler
    try:
        return handler(load_settings(), args)
    except (ConfigError, LocaleError, KnowledgeBaseError, PromptError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StartupError as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
