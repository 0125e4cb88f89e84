"""A live preview of charts while they are written: the HTML chart and its diagnostics, on 127.0.0.1 only.

``txplan preview [PLAN]`` serves what a clinician needs beside the editor: the
chart as it will read, and every finding of the checker shown at its line. The
address without a plan lists the clinic's plans; each plan has its own page at
``plan/<path>``, so tabs on different plans never disturb one another. A page
reloads itself when what it is made from changes: its plan, a template, the
policy or the reference document (the list: the plans under plans/).

A plan with errors shows its errors above the last good rendering (or above
nothing, before it ever checked clean). A plan whose file is gone (deleted, or
moved) says so and shows no chart: the last good one would go on showing a
client's details that are no longer in the clinic. Errors in the clinic's policy or its
template library are shown on every plan's page too, and while there are any
no chart is shown: it would be made with the default policy, or without a
template, and read as if it were right.

The preview shows PHI, so it is locked down like a private service:

- it listens on 127.0.0.1 only, on a port the system picks unless one is given;
- every address carries a random token (``secrets.token_urlsafe``), printed
  once on the terminal; without it the server answers 404 and says nothing;
- the ``Host`` header must name 127.0.0.1 or localhost at that port, so a web
  page that rebinds its own domain to 127.0.0.1 cannot read it (DNS rebinding);
- responses are never cached (``Cache-Control: no-store``), carry a
  Content-Security-Policy that allows only this page's own script (by nonce),
  and send no referrer;
- nothing is logged: request lines hold the plan's path and the token; a reader
  who closes a tab while the page waits for news is no error, and says nothing.

A page is rendered when it is asked for and out of date, so plans no tab shows
cost nothing. Graphs are kept by key between renders, so an edit to the text
re-renders in milliseconds and only a changed score draws again.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .chart import ChartContent, build_chart
from .check import CheckedPlan, CheckResult, check_project
from .diagnostics import Diagnostic, printable
from .errors import EXIT_USAGE, TxplanError
from .frontmatter import read_bounded
from .layout import INTERVENTIONS, PYPROJECT, REFERENCE_DOCX, discover_plans
from .render.html import CSS, html_page

__all__ = ["INDEX", "Preview", "PreviewError", "serve_preview"]

POLL_SECONDS = 0.05  # how often files are looked at for changes
WAIT_SECONDS = 25.0  # how long a page's request for news is held open before it asks again
HOST = "127.0.0.1"
INDEX = ""  # the key of the list of plans; any other page's key is its plan's path, as in plans/c-0043.md
SHOWN_FINDINGS = 100  # findings listed on a page; `txplan check` lists the rest
EXCERPT_CHARS = 120  # characters of a line shown around a finding, however long the line
_SINCE = re.compile(r"[0-9]{1,9}")  # a version a page was rendered at, as its script sends it

_Stamp = tuple[int, int] | None  # a file's modification time and size; None when it cannot be read
_Listing = tuple[tuple[str, ...], tuple[str, ...]]  # the plans under plans/, and why some could not be listed


class PreviewError(TxplanError):
    exit_code = EXIT_USAGE


@dataclass
class _View:
    """One page of the preview and what it was made from; ``version`` rises whenever that changes."""

    stamp: object  # how the page's own inputs looked when last looked at (see ``Preview._own_stamp``)
    version: int = 1
    shown: int = 0  # the version ``page`` was rendered at; 0 before the first render
    page: str = ""
    last_good: ChartContent | None = None  # the chart the last time the plan checked clean


class Preview:
    """The clinic's preview: a page per plan and the list of plans, each rendered when asked for and out of date."""

    def __init__(self, root: Path, plan: str | None, *, today: date | None = None) -> None:
        self.root = root
        self.today = today
        self.start = INDEX if plan is None else plan  # the page whose address is printed
        self.token = secrets.token_urlsafe(24)
        self._drawn: dict[str, str] = {}
        self._changed = threading.Condition()  # guards the views and their versions; notified on a new version
        self._rendering_lock = threading.Lock()  # one render at a time: renders share the graphs drawn
        self._shared = self._shared_stamps()
        self._views: dict[str, _View] = {self.start: _View(self._own_stamp(self.start))}
        self._stop = threading.Event()

    def address(self, key: str) -> str:
        """The path of a page, token included."""
        return f"/{self.token}/" + ("" if key == INDEX else f"plan/{quote(key, errors='surrogateescape')}")

    # -- what is shown ------------------------------------------------------------------------------------

    def page(self, key: str) -> str | None:
        """The page, rendered now if what it is made from changed since; None when ``key`` is not a page.

        The page returned is the one rendered for this key under the lock, never another tab's."""
        view = self._view(key)
        if view is None:
            return None
        with self._rendering_lock:
            with self._changed:
                version = view.version
            if view.shown != version:
                view.page = self._render(key, view, version)
                view.shown = version
            return view.page

    def _view(self, key: str) -> _View | None:
        """The page's view, made on first request for the list or for a plan under plans/."""
        with self._changed:
            view = self._views.get(key)
        if view is not None:
            return view
        if key != INDEX and key not in self._listing()[0]:
            return None
        stamp = self._own_stamp(key)  # before the first render, so that any later change is seen
        with self._changed:
            return self._views.setdefault(key, _View(stamp))

    def _render(self, key: str, view: _View, version: int) -> str:
        """The page for ``version``, with a script that asks for news; a clinic that cannot be read says why."""
        nonce = secrets.token_urlsafe(16)
        policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self'; "
                  "img-src data:; base-uri 'none'; form-action 'none'")
        script = (_RELOAD_SCRIPT.replace("VERSION", str(version))
                  .replace("EVENTS", json.dumps(self.address(key).rstrip("/") + "/events")))
        head = f'<script nonce="{nonce}">{script}</script>\n'
        try:
            if key == INDEX:
                return _bare_page(policy, head, self._index())
            return self._plan_page(key, view, policy, head)
        except (TxplanError, OSError) as exc:  # a file that vanished or cannot be read mid-render: shown, not raised
            return _bare_page(policy, head, f'{self._back()}<main>\n<p class="note" role="alert">'
                                            f"{html.escape(printable(_said(exc, 'read the clinic')))}</p>\n</main>")

    def _plan_page(self, key: str, view: _View, policy: str, head: str) -> str:
        """The chart under its findings; the last good chart while the plan has errors; none while the clinic does."""
        result = check_project(self.root, [self.root / key], today=self.today)
        checked = result.plans[0]
        if not _present(self.root / key):  # deleted (or moved): its last chart must not go on being shown
            view.last_good = None
            return _bare_page(policy, head, self._back() + _GONE)
        before = self._back() + _diagnostics_panel(result.diagnostics, self._sources(result, checked), checked.path)
        if any(d.is_error for d in result.project_diagnostics):
            return _bare_page(policy, head, before + _NO_CHART_CLINIC)
        if checked.ok:
            view.last_good = build_chart(checked, result.policy)
            return html_page(view.last_good, policy=policy, head=head, before=before, drawn=self._drawn)
        if view.last_good is None:
            return _bare_page(policy, head, before + _NO_CHART_YET)
        return html_page(view.last_good, policy=policy, head=head, before=before + _STALE_NOTE, drawn=self._drawn)

    def _sources(self, result: CheckResult, checked: CheckedPlan) -> dict[str, str]:
        """The text of each file with a finding shown, for its lines: the plan as checked, the others as read now."""
        sources: dict[str, str] = {}
        for path in sorted({d.path for d in result.diagnostics[:SHOWN_FINDINGS]}):
            if path == checked.path and checked.document is not None:
                sources[path] = checked.document.text
            else:
                raw, _ = read_bounded(self.root / path, path)
                text = "" if raw is None else raw.decode("utf-8-sig", errors="replace")
                sources[path] = text.replace("\r\n", "\n").replace("\r", "\n")
        return sources

    def _back(self) -> str:
        return f'<nav class="preview" aria-label="Preview"><a href="{self.address(INDEX)}">All plans</a></nav>\n'

    def _index(self) -> str:
        """The list of plans, and why plans/ (or a folder in it) could not be listed."""
        plans, problems = self._listing()
        links = "".join(f'<li><a href="{html.escape(self.address(p))}">{html.escape(printable(p))}</a></li>'
                        for p in plans)
        notes = "".join(f'<p class="note" role="alert">{html.escape(printable(p))}</p>\n' for p in problems)
        listed = f"<ul>{links}</ul>" if plans else "<p>No plans to show.</p>"
        return f"<main>\n<h1>Plans</h1>\n{notes}{listed}\n</main>"

    def _listing(self) -> _Listing:
        """The plans under plans/, and the problems met listing them (plans/ missing, a folder unreadable)."""
        try:
            discovery = discover_plans(self.root)
        except (TxplanError, OSError) as exc:  # plans/ gone for a moment (a volume unmounted): shown until it returns
            return (), (_said(exc, "list plans/"),)
        return (tuple(p.relative_to(self.root).as_posix() for p in discovery.paths),
                tuple(d.format() for d in discovery.problems))

    # -- watching files -----------------------------------------------------------------------------------

    def _shared_inputs(self) -> Iterator[Path]:
        """What every chart is made from besides its plan: the templates, the policy and the reference document."""
        yield from sorted((self.root / INTERVENTIONS).glob("*.md"))
        yield self.root / PYPROJECT
        yield self.root / REFERENCE_DOCX

    def _shared_stamps(self) -> dict[Path, _Stamp]:
        return {path: _stamp(path) for path in self._shared_inputs()}

    def _own_stamp(self, key: str) -> object:
        """What a page is made from besides the shared files: the list of plans, or the plan's file."""
        return self._listing() if key == INDEX else _stamp(self.root / key)

    def look(self) -> None:
        """Give every page whose inputs changed since the last look a new version, and wake its readers."""
        shared = self._shared_stamps()
        shared_changed, self._shared = shared != self._shared, shared
        with self._changed:
            views = list(self._views.items())
        stale = []
        for key, view in views:
            stamp = self._own_stamp(key)
            if stamp != view.stamp or (shared_changed and key != INDEX):
                view.stamp = stamp
                stale.append(view)
        if stale:
            with self._changed:
                for view in stale:
                    view.version += 1
                self._changed.notify_all()

    def watch(self) -> None:
        """Look for changes until ``stop``; a look that fails (a folder gone mid-look) is tried again next time."""
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.look()
            except (TxplanError, OSError):
                continue

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()

    def wait_for_change(self, key: str, seen: int, timeout: float = WAIT_SECONDS) -> int | None:
        """The page's version after ``seen``, as soon as there is one (or the current one after ``timeout``);
        None when ``key`` is not a page."""
        view = self._view(key)
        if view is None:
            return None
        deadline = time.monotonic() + timeout
        with self._changed:
            while view.version <= seen and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return view.version


def _said(exc: TxplanError | OSError, attempt: str) -> str:
    """A failure as a page says it: txplan's own message (written to be shown), or what could not be done and why."""
    return str(exc) if isinstance(exc, TxplanError) else f"cannot {attempt}: {exc.strerror or 'error'}"


def _present(path: Path) -> bool:
    """Whether anything is at ``path``, a link that leads nowhere included; a path that cannot be looked at is
    not known to be gone."""
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def _stamp(path: Path) -> _Stamp:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


# Asks the server for news of this page, and reloads when the page it shows is out of date.
_RELOAD_SCRIPT = """
(async () => {
  const shown = VERSION, news = EVENTS + "?since=" + VERSION;
  for (;;) {
    try {
      const reply = await fetch(news, {cache: "no-store"});
      if (!reply.ok) throw new Error(String(reply.status));
      if ((await reply.json()).version > shown) { location.reload(); return; }
    } catch (error) { await new Promise(done => setTimeout(done, 1000)); }
  }
})();
"""
_NOTE_STYLE = 'style="max-width:52rem;margin:1rem auto;padding:0 1.5rem"'
_STALE_NOTE = (f'<p class="note" role="status" {_NOTE_STYLE}>'
               "The plan has errors: the chart below is the last one that checked clean.</p>\n")
_GONE = ('<main>\n<p class="note" role="alert">This plan is gone: its file was deleted or moved. Open it again from '
         "the list of plans.</p>\n</main>")
_NO_CHART_YET = '<main>\n<p class="note">No chart yet: the plan has not checked clean.</p>\n</main>'
_NO_CHART_CLINIC = ('<main>\n<p class="note">No chart while the clinic\'s policy or template library has errors: '
                    "it would not be the chart a build makes. Fix the errors listed above.</p>\n</main>")
_PANEL_CSS = ("<style>.diagnostics{max-width:52rem;margin:1rem auto;padding:0.5rem 1.5rem;border:2px solid #8a1c1c;}"
              ".diagnostics p{margin:0.2rem 0}"
              ".diagnostics pre{margin:0.2rem 0 0.6rem;background:#f6f8fa;padding:0.3rem;overflow-x:auto}"
              ".diagnostics .warning{border-color:#7a5b00}"
              "nav.preview{max-width:52rem;margin:1rem auto 0;padding:0 1.5rem}</style>\n")


def _diagnostics_panel(diagnostics: Sequence[Diagnostic], sources: dict[str, str], plan: str) -> str:
    """The findings, each line once: what was found on it, then a window of the line with a caret under each
    finding's column. Other files' findings (the policy, the templates) name their file. At most
    ``SHOWN_FINDINGS`` are listed, so a page stays small whatever the plan holds."""
    if not diagnostics:
        return ""
    shown = diagnostics[:SHOWN_FINDINGS]
    lines = {path: text.split("\n") for path, text in sources.items()}
    groups: dict[tuple[str, int], list[Diagnostic]] = {}
    for d in shown:
        groups.setdefault((d.path, d.line), []).append(d)
    items = []
    for (path, line), found in groups.items():
        where = "" if path == plan else f"{html.escape(printable(path))} "
        anchor = f' id="line-{line}"' if path == plan else ""
        text = lines.get(path, [])
        source = text[line - 1] if 0 < line <= len(text) else ""
        excerpt, carets = _excerpt(source, [d.col for d in found])
        findings = "".join(f"<p><strong>{html.escape(d.severity.value)} {html.escape(d.code)}</strong> "
                           f"{where}line {d.line}, column {d.col}: {html.escape(printable(d.message))}</p>" for d in found)
        items.append(f'<li{anchor}>{findings}<pre tabindex="0">{line:>4} | {html.escape(excerpt)}\n     | {carets}</pre></li>')
    errors = sum(d.is_error for d in diagnostics)
    more = len(diagnostics) - len(shown)
    rest = f"<p>{more} more not shown: <code>txplan check</code> lists every one.</p>" if more else ""
    kind = "diagnostics" if errors else "diagnostics warning"
    return (f'{_PANEL_CSS}<section class="{kind}" aria-labelledby="diagnostics-title">'
            f'<h2 id="diagnostics-title">{errors} error(s), {len(diagnostics) - errors} warning(s)</h2>'
            f"<ol>{''.join(items)}</ol>{rest}</section>\n")


def _excerpt(line: str, columns: list[int]) -> tuple[str, str]:
    """At most ``EXCERPT_CHARS`` of ``line`` around the first column (an ellipsis where it is cut), and a line of
    carets under each column that falls within it."""
    start = max(0, min(columns[0] - 1 - EXCERPT_CHARS // 2, len(line) - EXCERPT_CHARS))
    end = start + EXCERPT_CHARS
    lead = "…" if start else ""
    shown = lead + line[start:end] + ("…" if end < len(line) else "")
    marks = {len(lead) + col - 1 - start for col in columns if start <= col - 1 <= end}
    carets = "".join("^" if i in marks else " " for i in range(max(marks) + 1)) if marks else ""
    return shown, carets


def _bare_page(policy: str, head: str, body: str) -> str:
    """A page without a chart, in the chart's look."""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">\n'
            f'<title>Preview</title>\n<style>{CSS}</style>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n')


# -- the server -----------------------------------------------------------------------------------------


def serve_preview(root: Path, plan: str | None, port: int = 0,
                  on_ready: Callable[[str], None] | None = None, *, today: date | None = None) -> None:
    """Serve the preview until interrupted; ``on_ready`` gets the address with its token."""
    preview = Preview(root, plan, today=today)
    preview.page(preview.start)  # the first render (graphs drawn, matplotlib imported) before the address is given
    try:
        server = _Server((HOST, port), preview)
    except OSError as exc:
        raise PreviewError(f"preview: cannot listen on {HOST}:{port}: {exc.strerror or 'error'}") from None
    watcher = threading.Thread(target=preview.watch, name="txplan-preview-watch", daemon=True)
    watcher.start()
    if on_ready is not None:
        on_ready(server.address)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        preview.stop()
        server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        super().__init__(address, _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def address(self) -> str:
        return f"http://{HOST}:{self.port}{self.preview.address(self.preview.start)}"

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: tuple[str, int]) -> None:
        """A reader who closed the tab (or whose browser dropped the connection) is no error: nothing is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: request lines hold the plan's path and the token."""

    def do_GET(self) -> None:
        preview = self.server.preview
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, "text/plain", b"")
            return
        parts = urlsplit(self.path)
        prefix = f"/{preview.token}/"
        if not secrets.compare_digest(parts.path[:len(prefix)].encode(), prefix.encode()):
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"")
            return
        key, news = _route(unquote(parts.path[len(prefix):], errors="surrogateescape"))
        if news:
            self._events(key, parts.query)
            return
        page = None if key is None else preview.page(key)
        if page is None:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"")
        else:
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))

    def _events(self, key: str | None, query: str) -> None:
        """The page's version once it is newer than the one the page shows (``since``), or after a while."""
        since = parse_qs(query, keep_blank_values=True).get("since", [])
        if len(since) != 1 or not _SINCE.fullmatch(since[0]):
            self._send(HTTPStatus.BAD_REQUEST, "text/plain", b"")
            return
        version = None if key is None else self.server.preview.wait_for_change(key, int(since[0]))
        if version is None:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"")
        else:
            self._send(HTTPStatus.OK, "application/json", json.dumps({"version": version}).encode())

    def _host_allowed(self) -> bool:
        return self.headers.get("Host", "") in {f"{HOST}:{self.server.port}", f"localhost:{self.server.port}"}

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.end_headers()
        self.wfile.write(body)


def _route(rest: str) -> tuple[str | None, bool]:
    """The page an address names after its token (``""`` the list, ``plan/<path>`` a plan; None for no page), and
    whether it asks for that page's news (``events`` after the page's address: ``events``, ``plan/<path>/events``)."""
    if rest == "events":
        return INDEX, True
    page, news = (rest.removesuffix("/events"), True) if rest.endswith("/events") else (rest, False)
    if page == "" and not news:
        return INDEX, False
    plan = page.removeprefix("plan/")
    return (plan if plan != page and plan else None), news
