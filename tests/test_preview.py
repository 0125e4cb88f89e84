"""`txplan preview`: the chart and its diagnostics live on 127.0.0.1, behind a token and a Host check, never
cached, reloading in the browser when the plan changes."""

from __future__ import annotations

import html
import http.client
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import default_sigint, example_clinic
from playwright.sync_api import Browser, expect

from txplan.preview import Preview, _Server

REPO = Path(__file__).resolve().parent.parent
PLAN = "c-1001-low-risk-depression.md"
TODAY = date(2026, 12, 15)


@pytest.fixture
def preview_clinic(tmp_path: Path) -> Path:
    return example_clinic(tmp_path / "clinic", [PLAN])


@pytest.fixture
def served(preview_clinic: Path) -> Iterator[tuple[Preview, _Server]]:
    """A preview of the plan, served on a free port in this process, its files watched."""
    preview = Preview(preview_clinic, f"plans/{PLAN}", today=TODAY)
    preview.changed()
    preview.render()
    server = _Server(("127.0.0.1", 0), preview)
    threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
               threading.Thread(target=preview.watch, daemon=True)]
    for thread in threads:
        thread.start()
    yield preview, server
    preview.stop()
    server.shutdown()
    server.server_close()


def get(server: _Server, path: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{server.port}"})
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def page_path(server: _Server) -> str:
    return urllib.parse.urlsplit(server.address).path


def append_to(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_page_holds_the_chart_is_never_cached_and_listens_on_loopback_only(served: tuple[Preview, _Server]) -> None:
    _, server = served
    assert server.server_address[0] == "127.0.0.1"
    assert re.fullmatch(rf"http://127\.0\.0\.1:{server.port}/[A-Za-z0-9_-]{{32}}/plan/plans/{re.escape(PLAN)}",
                        server.address)
    status, headers, body = get(server, page_path(server))
    assert status == 200
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert "<h1>Treatment plan</h1>" in body and "Identification" in body
    assert re.search(r"script-src 'nonce-[A-Za-z0-9_-]+'", html.unescape(body))


@pytest.mark.parametrize("path", ["/", "/plan/plans/c-1001-low-risk-depression.md", "/0000/plan/x", "/../etc/passwd"])
def test_without_the_token_nothing_is_served(served: tuple[Preview, _Server], path: str) -> None:
    _, server = served
    status, _, body = get(server, path)
    assert (status, body) == (404, "")


@pytest.mark.parametrize("host", ["evil.example:8000", "127.0.0.1", "127.0.0.1.evil.example", "localhost"])
def test_a_foreign_host_header_is_refused(served: tuple[Preview, _Server], host: str) -> None:
    _, server = served
    status, _, body = get(server, page_path(server), host=host if ":" in host else f"{host}")
    assert (status, body) == (403, "")


def test_localhost_at_the_port_is_accepted(served: tuple[Preview, _Server]) -> None:
    _, server = served
    assert get(server, page_path(server), host=f"localhost:{server.port}")[0] == 200


def test_an_edit_is_announced_and_rendered(served: tuple[Preview, _Server], preview_clinic: Path) -> None:
    preview, server = served
    seen = preview.rendering.version
    append_to(preview_clinic / "plans" / PLAN, "\nA sentence written just now.\n")
    status, _, body = get(server, page_path(server).replace(f"plan/plans/{PLAN}", f"events?since={seen}"))
    assert status == 200 and int(re.findall(r"\d+", body)[0]) > seen
    assert "A sentence written just now." in get(server, page_path(server))[2]


def test_a_plan_with_errors_shows_them_at_their_lines_over_the_last_good_chart(served: tuple[Preview, _Server],
                                                                               preview_clinic: Path) -> None:
    preview, server = served
    plan = preview_clinic / "plans" / PLAN
    text = plan.read_text(encoding="utf-8")
    line = text[: text.index("  level: low")].count("\n") + 1
    plan.write_text(text.replace("  level: low", "  level: severe"), encoding="utf-8")
    seen = preview.rendering.version
    preview.wait_for_change(seen, timeout=30)
    body = get(server, page_path(server))[2]
    assert f"<strong>error TX105</strong> line {line}, column 10" in body
    assert f"{line:>4} |   level: severe\n     |          ^" in body
    assert "the chart below is the last one that checked clean" in body
    assert "<h1>Treatment plan</h1>" in body


def test_the_browser_reloads_when_the_plan_changes(served: tuple[Preview, _Server], preview_clinic: Path,
                                                   browser: Browser) -> None:
    _, server = served
    page = browser.new_page()
    off_site: list[str] = []
    page.on("request", lambda r: off_site.append(r.url) if not r.url.startswith(f"http://127.0.0.1:{server.port}/")
            else None)
    page.goto(server.address)
    expect(page.locator("h1")).to_have_text("Treatment plan")
    append_to(preview_clinic / "plans" / PLAN, "\nWritten while the page was open.\n")
    expect(page.locator("main")).to_contain_text("Written while the page was open.", timeout=20_000)
    page.close()
    assert off_site == []


def test_the_command_prints_its_address_and_stops_on_ctrl_c(preview_clinic: Path) -> None:
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "preview", f"plans/{PLAN}"], cwd=preview_clinic,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    assert process.stderr is not None
    line = process.stderr.readline()
    match = re.fullmatch(rf"previewing plans/{re.escape(PLAN)} at (http://127\.0\.0\.1:\d+/\S+) "
                         r"\(only this machine can open it; Ctrl-C to stop\)\n", line)
    assert match, line
    url = urllib.parse.urlsplit(match[1])
    connection = http.client.HTTPConnection("127.0.0.1", url.port, timeout=30)
    connection.request("GET", url.path)
    assert connection.getresponse().status == 200
    connection.close()
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=30) == 0
    assert "Traceback" not in rest
