"""The command line: parse arguments, call the library, print, exit 0/1/2."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from . import __version__
from .check import CheckResult, CheckTargets, check_project, check_targets
from .diagnostics import FORMATS, format_text, printable
from .entry import EXIT_INTERRUPTED
from .errors import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, TxplanError
from .layout import OUTPUTS, SITE, UNREADABLE_FOLDER, NotAClinic, Output, find_root, plan_path
from .schema import SCHEMAS, schema_text
from .signatures.records import Method, Role

__all__ = ["build_parser", "main"]

MAX_JOBS = 64
CLINIC_FREE = frozenset({"schema", "init"})  # commands that run anywhere, without a clinic


class _Parser(argparse.ArgumentParser):
    """argparse, with the program name fixed so `build.py` and `txplan` read the same."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("prog", "txplan")
        super().__init__(**kwargs)  # type: ignore[arg-type]


def _add_clinic_option(parser: argparse.ArgumentParser, default: object) -> None:
    """``-C DIR``, accepted before the command (as git takes it) and after it; a command's own copy has no
    default, so that it never overwrites a ``-C`` given before the command."""
    parser.add_argument("-C", dest="directory", type=Path, default=default, metavar="DIR",
                        help="run in the clinic at DIR (default: the nearest folder at or above the current one "
                             "whose pyproject.toml has a [tool.txplan] table)")


def _build_options() -> _Parser:
    options = _Parser(add_help=False)
    options.add_argument("--jobs", "-j", type=_job_count, default=None, metavar="N",
                         help=f"plans to build at once, 1 to {MAX_JOBS} (default: the machine's cores)")
    options.add_argument("--force", action="store_true",
                         help="rebuild every chart, even those whose inputs did not change")
    return options


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError("must be a port number, 0 to 65535")
    return int(text)


def _job_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_JOBS}")
    return value


_UNCHANGED = ("Only outputs whose inputs changed are rebuilt. A plan with errors gets no new output; an earlier "
              "good one is left untouched.")
BUILD_COMMANDS: dict[str, tuple[frozenset[Output], str, str]] = {
    "docx": (frozenset({Output.DOCX}), "check, then write build/docx/<plan>.docx for each valid plan",
             "Check plans and templates, then write one chart-ready DOCX per valid plan to "
             f"build/docx/<path under plans/>.docx (mode 0600). {_UNCHANGED}"),
    "html": (frozenset({Output.HTML}), "check, then write build/html/<plan>.html, an accessible chart",
             "Check plans and templates, then write one self-contained, accessible HTML chart per valid plan to "
             f"build/html/<path under plans/>.html (mode 0600): no script, nothing fetched. {_UNCHANGED}"),
    "pdf": (frozenset({Output.PDF}), "check, then write build/pdf/<plan>.pdf through LibreOffice",
            "Check plans and templates, then write each valid plan's DOCX chart and convert it with LibreOffice "
            f"(headless) to a tagged PDF/A-2b in build/pdf/<path under plans/>.pdf (mode 0600). {_UNCHANGED} "
            "Needs LibreOffice's soffice: without it, exits 2 and changes nothing."),
    "fhir": (frozenset({Output.FHIR}), "check, then write build/fhir/<plan>.json FHIR bundles",
             "Check plans, then write one FHIR R4 transaction Bundle (Patient, Practitioner, Condition, Goal, "
             f"CarePlan) per valid plan to build/fhir/<path under plans/>.json (mode 0600). {_UNCHANGED}"),
}


def build_parser() -> argparse.ArgumentParser:
    build_options = _build_options()
    parser = _Parser(
        description="Check psychotherapy treatment plans, write chart-ready DOCX files, and "
                    "build the intervention template site. Runs on the clinic repository in "
                    "the current directory. With no command: check everything, then write the "
                    "charts and the site.",
        parents=[build_options],
    )
    parser.add_argument("--version", action="version", version=f"txplan {__version__}")
    _add_clinic_option(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = commands.add_parser(
        "check", help="check plans and templates and print diagnostics",
        description="Check plans (default: every plan under plans/) and all templates. "
                    "Diagnostics go to stderr as path:line:col: severity CODE message. "
                    "Files named that are not plans are taken as a hook passes changed files: a plan's "
                    ".signatures file checks its plan, a template is checked with the library, anything else "
                    "is ignored with a note. "
                    "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.")
    check.add_argument("plans", nargs="*", type=Path, metavar="PLAN",
                       help="plans to check (templates and other files are accepted, see above)")
    check.add_argument("--format", choices=("text", *FORMATS), default="text",
                       help="text diagnostics on stderr (default); on stdout, a JSON list, GitHub Actions annotations "
                            "(github) or a SARIF 2.1.0 log for code scanning (sarif)")
    for name, (outputs, summary, description) in BUILD_COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=description, parents=[build_options])
        command.add_argument("plans", nargs="*", type=Path, metavar="PLAN",
                             help="plan files to build (default: every plan under plans/)")
        command.set_defaults(outputs=outputs)
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
    preview = commands.add_parser(
        "preview", help="serve a live preview of a chart and its diagnostics on 127.0.0.1",
        description="Serve the HTML chart of PLAN (default: a list of the clinic's plans) with the plan's "
                    "diagnostics shown at their lines, on 127.0.0.1 only, at an address with a random token. "
                    "The page reloads when the plan, a template, the policy or the reference document changes; "
                    "a plan with errors shows them above the last chart that checked clean. Ctrl-C stops it.")
    preview.add_argument("plan", nargs="?", type=Path, metavar="PLAN", help="the plan to preview")
    preview.add_argument("--port", type=_port, default=0, metavar="N", help="port to listen on (default: any free one)")
    sign = commands.add_parser(
        "sign", help="sign a plan, or record a client's or guardian's signature",
        description="Sign PLAN as its clinician or supervisor with your SSH key (ssh-keygen -Y sign, as git signs "
                    "commits), or, as the clinician who witnessed it, record the client's or guardian's signature "
                    "and sign that record. The signature covers a digest of the plan's content and is written to "
                    "PLAN.signatures beside the plan. Refused (exit 1) for a plan with errors, a draft, a closed "
                    "plan, a role the plan has nobody for, and a key the allowed-signers file does not list for "
                    "the signer. See docs/signatures.md.")
    sign.add_argument("plan", type=Path, metavar="PLAN", help="the plan to sign")
    sign.add_argument("--role", required=True, choices=[r.value for r in Role], help="who is signing")
    sign.add_argument("--key", metavar="KEY", help="SSH key to sign with (default: git's user.signingkey)")
    sign.add_argument("--name", metavar="NAME", help="the guardian's name (the plan names everyone else)")
    sign.add_argument("--method", choices=[m.value for m in Method],
                      help="how the client or guardian signed (required for those roles)")
    status = commands.add_parser(
        "status", help="review status of the whole caseload",
        description="For every plan: chart id, clinician, status, review date and days until it, "
                    "objectives past their target date, measures overdue for a score, and high-risk "
                    "plans. Shows chart ids, never names, unless --names is given.")
    status.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="a table (default), CSV for spreadsheets, or JSON for dashboards")
    status.add_argument("--clinician", metavar="NAME", help="only plans whose clinician's name contains NAME")
    status.add_argument("--due-within", type=int, metavar="DAYS", help="only plans due for review within DAYS (or overdue)")
    status.add_argument("--names", action="store_true", help="include client names (PHI) in the output")
    status.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help="the date to measure from")
    init = commands.add_parser(
        "init", help="create a working clinic in DIR (default: here)",
        description="Create a clinic in DIR (created if missing): pyproject.toml with the policy keys, plans/ with "
                    "a fictional example plan, the starter template library and chart look in templates/, "
                    "mkdocs.yml, build.py, .gitignore, a pre-commit hook, JSON Schemas with editor settings, and "
                    "a README. `txplan` then checks, builds the charts and the site. Never overwrites a file: if "
                    "any of these exists (or a file stands where a folder goes), exits 2 naming them and writes "
                    "nothing; a write that fails removes what was made (exit 2). plans/ is private (0700): an "
                    "existing plans/ or build/ that others can enter is narrowed to 0700, with a note. A folder inside another "
                    "clinic's plans/, build/ or templates/ is refused (exit 2): that clinic would take these files "
                    "for its own.")
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR", help="where (default: here)")
    init.add_argument("--empty", action="store_true",
                      help="no starter templates (and so no example plan, which uses them)")
    new = commands.add_parser(
        "new", help="write plans/<id>.md, a draft whose placeholders `check` lists",
        description="Write plans/<id>.md (the chart number in lower case): a draft plan with every required key, "
                    "a comment on each saying what it holds, and a placeholder wherever this client's details go. "
                    "`txplan check` reports each placeholder as an error at its line until it is filled. With "
                    "--from, the draft takes the shape of another plan (its problems, goals, objectives, items and "
                    "templates) without any of its client's details. Never overwrites a file (exit 2).")
    new.add_argument("plan_id", metavar="ID", help="the client's chart number, such as C-0043")
    new.add_argument("--from", dest="source", type=Path, metavar="PLAN", help="a plan whose shape to start from")
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of a plan's or a template's front matter",
        description="Print a JSON Schema (draft 2020-12) of the front matter of a plan or of an intervention "
                    "template, generated from txplan's models, for editors and other tools. Needs no clinic. "
                    "`txplan check` remains the judge: the rules between fields are not in the schema.")
    schema.add_argument("kind", choices=list(SCHEMAS), help="which front matter")
    for name, command in commands.choices.items():
        if name not in CLINIC_FREE:
            _add_clinic_option(command, argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status. Expected failures print one line, never a traceback."""
    if hasattr(signal, "SIGXFSZ"):  # a file-size limit makes writes fail with EFBIG instead of killing the build
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except TxplanError as exc:
        sys.stderr.write(f"txplan: {printable(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("txplan: interrupted; charts already written are complete, the rest were not started\n")
        return EXIT_INTERRUPTED
    except OSError as exc:
        sys.stderr.write(f"txplan: {printable(_os_failure(exc))}\n")
        return EXIT_USAGE


def _os_failure(exc: OSError) -> str:
    """What the system refused, in one line: the path it names (never a plan's contents) and why."""
    reason = exc.strerror or type(exc).__name__
    return reason if exc.filename is None else f"{exc.filename}: {reason}"


class _OutputFailed(TxplanError):
    exit_code = EXIT_USAGE


def _out(text: str) -> None:
    """Write a command's output to stdout, flushed, so that a full disk or a closed pipe is said here in one line.
    Stdout is then pointed at the null device: the interpreter's last flush of what is still buffered would fail
    again, with a traceback."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        descriptor = os.open(os.devnull, os.O_WRONLY)
        os.dup2(descriptor, sys.stdout.fileno())
        os.close(descriptor)
        raise _OutputFailed(f"cannot write the output: {exc.strerror or type(exc).__name__}") from None


def _start_folder(cwd: Path, directory: Path | None) -> Path:
    """Where a command starts: ``-C DIR`` must name an existing folder (as git's does), or a typo would quietly
    run in the clinic above it."""
    if directory is None:
        return cwd
    try:
        is_folder = stat.S_ISDIR((cwd / directory).stat().st_mode)
    except OSError as exc:  # a folder above that cannot be searched, a name too long: Path.is_dir raises these
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise NotAClinic(f"-C {directory}: cannot be looked at ({exc.strerror or type(exc).__name__})") from None
        is_folder = False
    if not is_folder:
        raise NotAClinic(f"-C {directory}: no such folder")
    return cwd / directory


def _current_folder() -> Path:
    """The folder the command was started in; one that was deleted (or cannot be read) meanwhile is said so."""
    try:
        return Path.cwd()
    except OSError as exc:
        raise NotAClinic(f"the current folder cannot be used ({exc.strerror or type(exc).__name__}): was it "
                         "deleted? cd to a folder that exists") from None


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "schema":
        _out(schema_text(args.kind))
        return EXIT_OK
    cwd = _current_folder()
    start = _start_folder(cwd, args.directory)
    if args.command == "init":
        return _init(start / args.folder, args.empty)
    root = find_root(start)
    if args.command == "check":
        return _check(root, check_targets(root, args.plans, cwd) if args.plans else None, args.format)
    plans = [root / plan_path(root, plan, cwd) for plan in getattr(args, "plans", [])]
    if args.command in BUILD_COMMANDS:
        return _build(root, plans, args.outputs, args.jobs, args.force)
    if args.command == "site":
        return _site(root)
    if args.command == "serve":
        return _serve(root, args.dev_addr)
    if args.command == "preview":
        return _preview(root, plan_path(root, args.plan, cwd) if args.plan is not None else None, args.port)
    if args.command == "sign":
        return _sign(root, plan_path(root, args.plan, cwd), args)
    if args.command == "status":
        return _status(root, args)
    if args.command == "new":
        return _new(root, args.plan_id, cwd / args.source if args.source is not None else None)
    return max(_build(root, [], frozenset({Output.DOCX}), args.jobs, args.force), _site(root))


def _check(root: Path, targets: CheckTargets | None, fmt: str) -> int:
    """``targets`` None: every plan. Files named that are neither plans nor templates get a note each."""
    for ignored in targets.ignored if targets is not None else []:
        sys.stderr.write(printable(f"txplan: {ignored}: not a plan or an intervention template; ignored") + "\n")
    for hidden in targets.hidden if targets is not None else []:
        sys.stderr.write(printable(f"txplan: {hidden}: a hidden name in plans/, which txplan skips; ignored") + "\n")
    result = check_project(root, targets.plans if targets is not None else None)
    if fmt in FORMATS:
        _out(FORMATS[fmt](result.diagnostics))
    else:
        _print_check(result)
    return EXIT_ERRORS if result.has_errors else EXIT_OK


def _print_check(result: CheckResult) -> None:
    diagnostics = result.diagnostics
    sys.stderr.write(format_text(diagnostics))
    errors = sum(d.is_error for d in diagnostics)
    sys.stderr.write(f"checked {len(result.plans)} plan(s) and {len(result.library.templates)} template(s): "
                     f"{errors} error(s), {len(diagnostics) - errors} warning(s)\n")


def _say_waiting() -> None:
    sys.stderr.write("txplan: another build of this clinic is running; waiting for it to finish\n")


def _status(root: Path, args: argparse.Namespace) -> int:
    from .export.status import caseload, filter_rows, format_rows

    result = check_project(root, today=args.today)
    rows = filter_rows(caseload(result, result.today), args.clinician, args.due_within)
    _out(format_rows(rows, args.format, color=sys.stdout.isatty(), names=args.names))
    unread = [d for d in result.project_diagnostics if d.code == UNREADABLE_FOLDER]
    if unread:  # a client left out of the caseload in silence could be one whose review is overdue
        sys.stderr.write(format_text(unread) + "status: the caseload is incomplete: the plans in the folders above "
                                               "could not be read\n")
        return EXIT_ERRORS
    return EXIT_OK


def _build(root: Path, plans: Sequence[Path], outputs: frozenset[Output], jobs: int | None, force: bool) -> int:
    from .build.pipeline import ChartState, build_charts

    with _progress_bar() as progress:
        report = build_charts(root, list(plans) or None, outputs=outputs, jobs=jobs, force=force, progress=progress,
                              on_wait=_say_waiting)
    sys.stderr.write(format_text(report.diagnostics))
    for outcome in report.outcomes:
        if outcome.state is ChartState.STALE:
            sys.stderr.write(printable(f"{outcome.plan}: {OUTPUTS[outcome.kind].noun} is stale: the plan has errors, "
                                       f"so the earlier {outcome.output.name} was kept") + "\n")
    sys.stderr.write(report.summary() + "\n")
    return EXIT_ERRORS if report.has_errors else EXIT_OK


@contextmanager
def _progress_bar() -> Iterator[Callable[[str, int], None] | None]:
    """A progress bar on a terminal; nothing in CI or when piped (the summary line says it all)."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(unit="plan", file=sys.stderr, leave=False, dynamic_ncols=True, mininterval=0) as bar:
        def advance(plan: str, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(printable(plan), refresh=False)
            bar.update()

        yield advance


def _site(root: Path) -> int:
    from .build.lock import clinic_lock
    from .site import SiteError, build_site

    with clinic_lock(root, on_wait=_say_waiting):
        try:
            build_site(root, root / SITE)
        except SiteError as exc:
            sys.stderr.write(f"txplan: site: {printable(str(exc))}\n")
            return EXIT_ERRORS
    sys.stderr.write(f"built the template site in {SITE}/\n")
    return EXIT_OK


def _init(folder: Path, empty: bool) -> int:
    from .scaffold import EXAMPLE_PLAN_NAME, init_clinic

    made = init_clinic(folder, empty=empty)
    for note in made.notes:
        sys.stderr.write(printable(f"txplan: {note}") + "\n")
    example = f"; plans/{EXAMPLE_PLAN_NAME} is a fictional example" if made.example else ""
    sys.stderr.write(printable(f"created a clinic in {folder} ({len(made.written)} files{example})") + "\n"
                     "next: `txplan` there checks, writes the charts and the site; `txplan new C-0001` starts a plan; "
                     "README.md says more\n")
    return EXIT_OK


def _new(root: Path, plan_id: str, source: Path | None) -> int:
    from .skeleton import new_plan

    made = new_plan(root, plan_id, source)
    sys.stderr.write(printable(f"wrote {made.path}: a draft with {made.placeholders} placeholder(s) to fill; "
                               f"`txplan check {made.path}` lists them") + "\n")
    return EXIT_OK


def _sign(root: Path, plan: str, args: argparse.Namespace) -> int:
    from .signatures.sign import sign_plan

    record = sign_plan(root, plan, Role(args.role), key=args.key, name=args.name,
                       method=Method(args.method) if args.method else None, on_wait=_say_sign_waits)
    sys.stderr.write(printable(f"signed {plan} as {record.role.value} ({record.signer}) on {record.signed}; "
                               f"content {record.digest.removeprefix('sha256:')[:12]}") + "\n")
    return EXIT_OK


def _say_sign_waits() -> None:
    sys.stderr.write("txplan: sign: a build or another sign of this clinic is writing; the record waits for it\n")


def _preview(root: Path, plan: str | None, port: int) -> int:
    from .preview import serve_preview

    def ready(url: str) -> None:
        shown = plan or "the clinic's plans"
        sys.stderr.write(f"previewing {shown} at {url} (only this machine can open it; Ctrl-C to stop)\n")

    try:
        serve_preview(root, plan, port, ready)
    except KeyboardInterrupt:
        sys.stderr.write("txplan: preview stopped\n")
    return EXIT_OK


def _serve(root: Path, address: str) -> int:
    from .site import SiteError, serve_site

    def failed(problems: str) -> None:
        lines = "".join(f"{printable(line)}\n" for line in problems.splitlines())
        sys.stderr.write(f"txplan: serve: the site was not rebuilt; still serving the last good one\n{lines}")

    sys.stderr.write(f"serving the template site on http://{address}/ (Ctrl-C to stop)\n")
    try:
        serve_site(root, address, failed)
    except SiteError as exc:
        sys.stderr.write(f"txplan: serve: {printable(str(exc))}\n")
        return EXIT_ERRORS
    return EXIT_OK
