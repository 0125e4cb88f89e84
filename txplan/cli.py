"""The command line: parse arguments, call the library, print, exit 0/1/2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .check import CheckResult, check_project
from .diagnostics import format_json, format_text

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, with the program name fixed so `build.py` and `txplan` read the same."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("prog", "txplan")
        super().__init__(**kwargs)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        description="Check psychotherapy treatment plans, write chart-ready DOCX files, and "
                    "build the intervention template site. Runs on the clinic repository in "
                    "the current directory. With no command: check, then write charts and site.",
    )
    parser.add_argument("--version", action="version", version=f"txplan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = commands.add_parser(
        "check", help="check plans and templates and print diagnostics",
        description="Check plans (default: every plan under plans/) and all templates. "
                    "Diagnostics go to stderr as path:line:col: severity CODE message. "
                    "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.")
    check.add_argument("plans", nargs="*", type=Path, metavar="PLAN", help="plan files to check")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text diagnostics on stderr (default) or a JSON list on stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.command == "check":
        return _check(parser, root, args.plans, args.format)
    return _check(parser, root, [], "text")


def _missing(plans: Sequence[Path]) -> list[Path]:
    return [p for p in plans if not p.is_file()]


def _check(parser: argparse.ArgumentParser, root: Path, plans: Sequence[Path], fmt: str) -> int:
    missing = _missing(plans)
    if missing:
        parser.error(f"no such plan file: {missing[0]}")
    result = check_project(root, list(plans) or None)
    report(result, fmt)
    return EXIT_ERRORS if result.has_errors else EXIT_OK


def report(result: CheckResult, fmt: str) -> None:
    diagnostics = result.diagnostics
    if fmt == "json":
        sys.stdout.write(format_json(diagnostics))
        return
    sys.stderr.write(format_text(diagnostics))
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    sys.stderr.write(
        f"checked {len(result.plans)} plan(s) and {len(result.library.templates)} template(s): "
        f"{errors} error(s), {warnings} warning(s)\n")


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
