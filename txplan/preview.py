"""A live preview of a chart while it is written: the HTML chart and the plan's diagnostics, on 127.0.0.1 only.

``txplan preview [PLAN]`` serves what a clinician needs beside the editor: the
chart as it will read, and every finding of the checker shown at its line of
the plan. The page reloads itself when the plan, a template, the policy or the
reference document changes. A plan with errors shows its errors above the last
good rendering (or above nothing, before it ever checked clean).

The preview shows PHI, so it is locked down like a private service:

- it listens on 127.0.0.1 only, on a port the system picks unless one is given;
- every address carries a random token (``secrets.token_urlsafe``), printed
  once on the terminal; without it the server answers 404 and says nothing;
- the ``Host`` header must name 127.0.0.1 or localhost at that port, so a web
  page that rebinds its own domain to 127.0.0.1 cannot read it (DNS rebinding);
- responses are never cached (``Cache-Control: no-store``), carry a
  Content-Security-Policy that allows only this page's own script (by nonce),
  and send no referrer;
- nothing is logged: request lines hold the plan's path and the token.

Graphs are kept by key between renders, so an edit to the text re-renders in
milliseconds and only a changed score draws again.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .chart import ChartContent, build_chart
from .check import CheckResult, check_project
from .diagnostics import Diagnostic
from .errors import EXIT_USAGE, TxplanError
from .layout import INTERVENTIONS, PYPROJECT, REFERENCE_DOCX, discover_plans
from .render.html import CSS, html_page

__all__ = ["Preview", "PreviewError", "serve_preview"]

POLL_SECONDS = 0.05  # how often files are looked at for changes
WAIT_SECONDS = 25.0  # how long a page's request for news is held open before it asks again
HOST = "127.0.0.1"


class PreviewError(TxplanError):
    exit_code = EXIT_USAGE


@dataclass
class _Rendering:
    version: int = 0
    page: str = ""  # the latest page, errors and all
    last_good: ChartContent | None = None  # the chart the last time the plan checked clean
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Preview:
    """The preview of one plan (or of the clinic's list of plans): renders on change, serves what it rendered."""

    def __init__(self, root: Path, plan: str | None, *, today: date | None = None) -> None:
        self.root = root
        self.plan = plan
        self.today = today
        self.token = secrets.token_urlsafe(24)
        self.rendering = _Rendering()
        self._drawn: dict[str, str] = {}
        self._changed = threading.Condition()
        self._rendering_lock = threading.Lock()
        self._stamps: dict[Path, tuple[int, int]] = {}
        self._stop = threading.Event()

    # -- what is shown ------------------------------------------------------------------------------------

    def render(self) -> None:
        """Check the plan and render its page; a plan with errors keeps the last good chart under its errors."""
        with self._rendering_lock:
            if self.plan is None:
                page = self._index()
            else:
                result = check_project(self.root, [self.root / self.plan], today=self.today)
                page = self._plan_page(result)
            with self._changed:
                self.rendering.page = page
                self.rendering.version += 1
                self._changed.notify_all()

    def select(self, plan: str) -> bool:
        """Show another plan of the clinic (from the list of plans); False when it is not one of them."""
        if plan == self.plan:
            return True
        if plan not in {p.relative_to(self.root).as_posix() for p in discover_plans(self.root).paths}:
            return False
        with self._rendering_lock:
            self.plan = plan
            self.rendering.last_good = None
        self.changed()
        self.render()
        return True

    def _plan_page(self, result: CheckResult) -> str:
        checked = result.plans[0]
        diagnostics = [d for d in result.diagnostics if d.path == checked.path]
        self.rendering.diagnostics = diagnostics
        nonce = secrets.token_urlsafe(16)
        policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self'; "
                  "img-src data:; base-uri 'none'; form-action 'none'")
        head = f'<script nonce="{nonce}">{_RELOAD_SCRIPT.replace("VERSION", str(self.rendering.version + 1))}</script>\n'
        panel = _diagnostics_panel(diagnostics, checked.document.text if checked.document is not None else "")
        if checked.ok:
            self.rendering.last_good = build_chart(checked, result.policy)
            return html_page(self.rendering.last_good, policy=policy, head=head, before=panel, drawn=self._drawn)
        if self.rendering.last_good is None:
            return _bare_page(policy, head, panel + '<main>\n<p class="note">No chart yet: the plan has not checked '
                                                    "clean.</p>\n</main>")
        return html_page(self.rendering.last_good, policy=policy, head=head, before=panel + _STALE_NOTE,
                         drawn=self._drawn)

    def _index(self) -> str:
        plans = [p.relative_to(self.root).as_posix() for p in discover_plans(self.root).paths]
        links = "".join(f'<li><a href="/{self.token}/plan/{quote(p)}">{html.escape(p)}</a></li>' for p in plans)
        return _bare_page("default-src 'none'; style-src 'unsafe-inline'", "",
                          f"<main>\n<h1>Plans</h1>\n<ul>{links}</ul>\n</main>")

    # -- watching files -----------------------------------------------------------------------------------

    def watched(self) -> Iterator[Path]:
        """What a chart is made from: the plan, the templates, the policy and the reference document."""
        if self.plan is not None:
            yield self.root / self.plan
        else:
            yield from discover_plans(self.root).paths
        yield from sorted((self.root / INTERVENTIONS).glob("*.md"))
        yield self.root / PYPROJECT
        yield self.root / REFERENCE_DOCX

    def changed(self) -> bool:
        stamps: dict[Path, tuple[int, int]] = {}
        for path in self.watched():
            try:
                info = path.stat()
            except OSError:
                continue
            stamps[path] = (info.st_mtime_ns, info.st_size)
        if stamps == self._stamps:
            return False
        self._stamps = stamps
        return True

    def watch(self) -> None:
        """Re-render whenever a watched file changes, until ``stop``."""
        while not self._stop.wait(POLL_SECONDS):
            if self.changed():
                self.render()

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float = WAIT_SECONDS) -> int:
        """The version after ``seen``, as soon as there is one (or the current one after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.rendering.version <= seen and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self.rendering.version


# Asks the server for news, and reloads when the page it shows is out of date.
_RELOAD_SCRIPT = """
(async () => {
  const shown = VERSION;
  for (;;) {
    try {
      const reply = await fetch("events?since=" + shown, {cache: "no-store"});
      if (reply.ok && (await reply.json()).version > shown) { location.reload(); return; }
    } catch (error) { await new Promise(done => setTimeout(done, 1000)); }
  }
})();
"""
_STALE_NOTE = ('<p class="note" role="status" style="max-width:52rem;margin:1rem auto;padding:0 1.5rem">'
               "The plan has errors: the chart below is the last one that checked clean.</p>\n")
_PANEL_CSS = ("<style>.diagnostics{max-width:52rem;margin:1rem auto;padding:0.5rem 1.5rem;border:2px solid #8a1c1c;}"
              ".diagnostics pre{margin:0.2rem 0;background:#f6f8fa;padding:0.3rem;white-space:pre-wrap;}"
              ".diagnostics .warning{border-color:#7a5b00}</style>\n")


def _diagnostics_panel(diagnostics: list[Diagnostic], source: str) -> str:
    """Each finding at its line: the line of the plan, a caret under the column, the code and the message."""
    if not diagnostics:
        return ""
    lines = source.split("\n")
    items = []
    for d in diagnostics:
        text = lines[d.line - 1] if 0 < d.line <= len(lines) else ""
        caret = " " * (d.col - 1) + "^"
        items.append(f'<li id="line-{d.line}"><strong>{html.escape(d.severity.value)} {html.escape(d.code)}</strong> '
                     f"line {d.line}, column {d.col}: {html.escape(d.message)}"
                     f"<pre>{d.line:>4} | {html.escape(text)}\n     | {caret}</pre></li>")
    errors = sum(d.is_error for d in diagnostics)
    kind = "diagnostics" if errors else "diagnostics warning"
    return (f'{_PANEL_CSS}<section class="{kind}" aria-labelledby="diagnostics-title">'
            f'<h2 id="diagnostics-title">{errors} error(s), {len(diagnostics) - errors} warning(s)</h2>'
            f"<ol>{''.join(items)}</ol></section>\n")


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
    preview.changed()
    preview.render()
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
        start = f"plan/{quote(self.preview.plan)}" if self.preview.plan is not None else ""
        return f"http://{HOST}:{self.port}/{self.preview.token}/{start}"


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
        rest = unquote(parts.path[len(prefix):])
        if rest.endswith("events"):
            since = parse_qs(parts.query).get("since", ["0"])[0]
            version = preview.wait_for_change(int(since) if since.isdigit() else 0)
            self._send(HTTPStatus.OK, "application/json", json.dumps({"version": version}).encode())
        elif rest == "" or (rest.startswith("plan/") and preview.select(rest.removeprefix("plan/"))):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", preview.rendering.page.encode("utf-8"))
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"")

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
