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
    docx = commands.add_parser(
        "docx", help="check, then write build/docx/<plan>.docx for each valid plan",
        description="Check plans and templates, then write one chart-ready DOCX per valid plan to "
                    "build/docx/<plan file stem>.docx (mode 0600). A plan with errors gets no new "
                    "chart; an earlier good chart is left untouched.")
    docx.add_argument("plans", nargs="*", type=Path, metavar="PLAN", help="plan files to build")
    commands.add_parser(
        "site", help="build the template library site into build/site/",
        description="Build the intervention template library site (MkDocs Material) from "
                    "templates/ and mkdocs.yml into build/site/. Plans are never read.")
    serve = commands.add_parser(
        "serve", help="serve the template site with live reload",
        description="Serve the template library site on localhost, rebuilding when a template "
                    "or mkdocs.yml changes.")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT",
                       help="address to serve on (default 127.0.0.1:8000)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.command == "check":
        return _check(parser, root, args.plans, args.format)
    if args.command == "docx":
        return _docx(parser, root, args.plans)
    if args.command == "site":
        return _site(root)
    if args.command == "serve":
        return _serve(root, args.dev_addr)
    status = _docx(parser, root, [])
    return max(status, _site(root))


def _checked(parser: argparse.ArgumentParser, root: Path, plans: Sequence[Path]) -> CheckResult:
    missing = [p for p in plans if not p.is_file()]
    if missing:
        parser.error(f"no such plan file: {missing[0]}")
    return check_project(root, list(plans) or None)


def _check(parser: argparse.ArgumentParser, root: Path, plans: Sequence[Path], fmt: str) -> int:
    result = _checked(parser, root, plans)
    report(result, fmt)
    return EXIT_ERRORS if result.has_errors else EXIT_OK


def _docx(parser: argparse.ArgumentParser, root: Path, plans: Sequence[Path]) -> int:
    from .pipeline import ChartState, write_charts

    result = _checked(parser, root, plans)
    report(result, "text")
    outcomes = write_charts(result)
    failures = [o.diagnostic for o in outcomes if o.diagnostic is not None]
    sys.stderr.write(format_text(failures))
    for outcome in outcomes:
        if outcome.state is ChartState.STALE:
            sys.stderr.write(f"{outcome.plan}: chart is stale: the plan has errors, so the earlier "
                             f"{outcome.output.name} was kept\n")
    written = sum(o.state is ChartState.WRITTEN for o in outcomes)
    sys.stderr.write(f"wrote {written} chart(s) to build/docx/\n")
    return EXIT_ERRORS if result.has_errors or failures else EXIT_OK


def _site(root: Path) -> int:
    from .pipeline import SITE_DIR
    from .site import SiteError, build_site

    try:
        build_site(root, root / SITE_DIR)
    except SiteError as exc:
        sys.stderr.write(f"txplan: site: {exc}\n")
        return EXIT_ERRORS
    sys.stderr.write(f"built the template site in {SITE_DIR.as_posix()}/\n")
    return EXIT_OK


def _serve(root: Path, address: str) -> int:
    from .site import SiteError, serve_site

    try:
        serve_site(root, address)
    except SiteError as exc:
        sys.stderr.write(f"txplan: serve: {exc}\n")
        return EXIT_ERRORS
    return EXIT_OK


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
