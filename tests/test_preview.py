"""`txplan preview`: the chart and its diagnostics live on 127.0.0.1, behind a token and a Host check, never
cached, reloading in the browser when the plan changes."""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import default_sigint, example_clinic
from playwright.sync_api import Browser, expect

from txplan.preview import INDEX, Preview, _Server

REPO = Path(__file__).resolve().parent.parent
PLAN = "c-1001-low-risk-depression.md"
OTHER = "c-1002-interpersonal.md"
TODAY = date(2026, 12, 15)


@pytest.fixture
def preview_clinic(tmp_path: Path) -> Path:
    return example_clinic(tmp_path / "clinic", [PLAN, OTHER])


@contextlib.contextmanager
def serving(preview: Preview) -> Iterator[tuple[_Server, threading.Thread]]:
    """The preview served on a free port in this process, its files watched; the watcher is given back too."""
    preview.page(preview.start)
    server = _Server(("127.0.0.1", 0), preview)
    watcher = threading.Thread(target=preview.watch, daemon=True)
    for thread in (threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
                   watcher):
        thread.start()
    yield server, watcher
    preview.stop()
    server.shutdown()
    server.server_close()


@pytest.fixture
def served(preview_clinic: Path) -> Iterator[tuple[Preview, _Server]]:
    """A preview of the plan, served on a free port in this process, its files watched."""
    preview = Preview(preview_clinic, f"plans/{PLAN}", today=TODAY)
    with serving(preview) as (server, _):
        yield preview, server


def get(server: _Server, path: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{server.port}"})
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def page_path(server: _Server) -> str:
    return urllib.parse.urlsplit(server.address).path


def version(preview: Preview, key: str) -> int:
    """The page's version now (what its script asks about)."""
    current = preview.wait_for_change(key, 0, timeout=0)
    assert current is not None
    return current


def next_version(preview: Preview, key: str, seen: int) -> int:
    """The page's version once it is newer than ``seen``; fails when no change comes."""
    current = preview.wait_for_change(key, seen, timeout=30)
    assert current is not None and current > seen, f"{key}: no change after version {seen}"
    return current


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
    seen = version(preview, f"plans/{PLAN}")
    append_to(preview_clinic / "plans" / PLAN, "\nA sentence written just now.\n")
    status, _, body = get(server, f"{page_path(server)}/events?since={seen}")
    assert status == 200 and int(re.findall(r"\d+", body)[0]) > seen
    assert "A sentence written just now." in get(server, page_path(server))[2]


def test_a_plan_with_errors_shows_them_at_their_lines_over_the_last_good_chart(served: tuple[Preview, _Server],
                                                                               preview_clinic: Path) -> None:
    preview, server = served
    plan = preview_clinic / "plans" / PLAN
    text = plan.read_text(encoding="utf-8")
    line = text[: text.index("  level: low")].count("\n") + 1
    seen = version(preview, f"plans/{PLAN}")
    plan.write_text(text.replace("  level: low", "  level: severe"), encoding="utf-8")
    next_version(preview, f"plans/{PLAN}", seen)
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


# -- a page per plan, and the list of plans ----------------------------------------------------------------


def plan_address(server: _Server, plan: str) -> str:
    return f"/{server.preview.token}/plan/plans/{plan}"


def test_each_plan_has_its_own_page_and_the_list_of_plans_stays_reachable(served: tuple[Preview, _Server]) -> None:
    _, server = served
    index = f"/{server.preview.token}/"
    for _ in range(2):  # the list, then each plan, then the list again: choosing a plan never hides the list
        status, _, body = get(server, index)
        assert status == 200 and "<h1>Plans</h1>" in body and "Dana Example" not in body
        assert f'href="{plan_address(server, PLAN)}"' in body and f'href="{plan_address(server, OTHER)}"' in body
        assert "Priya Sample" in get(server, plan_address(server, OTHER))[2]
        assert "Dana Example" in get(server, plan_address(server, PLAN))[2]
    assert f'<a href="{index}">All plans</a>' in get(server, plan_address(server, OTHER))[2]


def test_an_edit_brings_news_to_its_own_plan_only(served: tuple[Preview, _Server], preview_clinic: Path) -> None:
    preview, server = served
    get(server, plan_address(server, OTHER))  # a second tab, on the other plan
    seen = {key: version(preview, key) for key in (f"plans/{PLAN}", f"plans/{OTHER}")}
    append_to(preview_clinic / "plans" / OTHER, "\nWritten in the other plan.\n")
    status, _, body = get(server, f"{plan_address(server, OTHER)}/events?since={seen[f'plans/{OTHER}']}")
    assert status == 200 and int(re.findall(r"\d+", body)[0]) > seen[f"plans/{OTHER}"]
    assert "Written in the other plan." in get(server, plan_address(server, OTHER))[2]
    assert preview.wait_for_change(f"plans/{PLAN}", seen[f"plans/{PLAN}"], timeout=0.5) == seen[f"plans/{PLAN}"]
    assert "Written in the other plan." not in get(server, plan_address(server, PLAN))[2]


def test_a_page_only_ever_holds_its_own_plan_while_tabs_ask_at_once(served: tuple[Preview, _Server],
                                                                    preview_clinic: Path) -> None:
    _, server = served
    wrong: list[str] = []

    def ask(plan: str, name: str, other: str) -> None:
        for _ in range(8):
            body = get(server, plan_address(server, plan))[2]
            if name not in body or other in body:
                wrong.append(plan)

    askers = [threading.Thread(target=ask, args=(PLAN, "Dana Example", "Priya Sample")),
              threading.Thread(target=ask, args=(OTHER, "Priya Sample", "Dana Example"))]
    for thread in askers:
        thread.start()
    for n in range(8):  # both plans keep changing, so both keep re-rendering
        append_to(preview_clinic / "plans" / (PLAN, OTHER)[n % 2], f"\nEdit {n}.\n")
        time.sleep(0.1)
    for thread in askers:
        thread.join()
    assert wrong == []


def test_two_tabs_on_two_plans_reload_only_when_their_own_plan_changes(served: tuple[Preview, _Server],
                                                                      preview_clinic: Path, browser: Browser) -> None:
    _, server = served
    base = f"http://127.0.0.1:{server.port}"
    tabs = {plan: browser.new_page() for plan in (PLAN, OTHER)}
    loads = {plan: 0 for plan in tabs}
    off_site: list[str] = []
    for plan, tab in tabs.items():
        tab.on("load", lambda _, plan=plan: loads.__setitem__(plan, loads[plan] + 1))
        tab.on("request", lambda r: off_site.append(r.url) if not r.url.startswith(base + "/") else None)
        tab.goto(base + plan_address(server, plan))
        expect(tab.locator("h1")).to_have_text("Treatment plan")
    time.sleep(2)  # the tabs wait for news; before, each one's load re-rendered the other, which reloaded, forever
    assert loads == {PLAN: 1, OTHER: 1}
    append_to(preview_clinic / "plans" / PLAN, "\nOnly this plan changed.\n")
    expect(tabs[PLAN].locator("main")).to_contain_text("Only this plan changed.", timeout=20_000)
    time.sleep(1)
    assert loads[OTHER] == 1 and loads[PLAN] >= 2  # a save seen half-written may reload the changed plan twice
    expect(tabs[OTHER].locator("main")).to_contain_text("Priya Sample")
    for tab in tabs.values():
        tab.close()
    assert off_site == []


# -- findings on long lines -----------------------------------------------------------------------------


def test_many_findings_on_one_long_line_show_that_line_once_in_a_small_window(served: tuple[Preview, _Server],
                                                                              preview_clinic: Path) -> None:
    preview, server = served
    plan = preview_clinic / "plans" / PLAN
    numbers = ", ".join(str(n) for n in range(150))  # each a number where text is expected: TX103 each
    long_value = "w" * 300_000
    text = plan.read_text(encoding="utf-8")
    old = ("  preferences:\n    - In-person sessions on Tuesday evenings after work\n"
           "    - Wants written summaries she can reread between sessions\n")
    assert old in text
    seen = version(preview, f"plans/{PLAN}")
    plan.write_text(text.replace(old, f'  preferences: [{numbers}, "{long_value}"]\n'), encoding="utf-8")
    next_version(preview, f"plans/{PLAN}", seen)
    body = get(server, page_path(server))[2]
    assert len(body) < 150_000  # the chart shown is the last good one; the findings add little to it
    assert body.count("  11 | ") == 1 and "w" * 121 not in body
    assert body.count("<strong>error TX103</strong> line 11,") == 100
    assert ">150 error(s), 0 warning(s)</h2>" in body
    assert "<p>50 more not shown: <code>txplan check</code> lists every one.</p>" in body
    assert "  11 |   preferences: [0, 1, 2, 3, " in body
    assert "\n     |                 ^  ^  ^  ^" in body  # carets under the first numbers, in the one window shown


def test_two_findings_on_one_line_give_the_page_unique_ids(served: tuple[Preview, _Server],
                                                           preview_clinic: Path) -> None:
    preview, server = served
    plan = preview_clinic / "plans" / PLAN
    text = plan.read_text(encoding="utf-8")
    seen = version(preview, f"plans/{PLAN}")
    plan.write_text(text.replace("  preferences:\n", "  preferences: [1, 2]\n  x_preferences:\n"), encoding="utf-8")
    next_version(preview, f"plans/{PLAN}", seen)
    body = get(server, page_path(server))[2]
    assert "<strong>error TX103</strong> line 11, column 17: client.preferences[0] must be text" in body
    assert "<strong>error TX103</strong> line 11, column 20: client.preferences[1] must be text" in body
    ids = re.findall(r'\bid="([^"]*)"', body)
    assert 'line-11' in ids and len(ids) == len(set(ids))


# -- files that go missing ------------------------------------------------------------------------------


def test_the_list_says_when_plans_is_missing_and_recovers_when_it_returns(preview_clinic: Path) -> None:
    preview = Preview(preview_clinic, None, today=TODAY)
    with serving(preview) as (server, watcher):
        seen = version(preview, INDEX)
        (preview_clinic / "plans").rename(preview_clinic / "plans.away")  # a volume unmounted for a moment
        seen = next_version(preview, INDEX, seen)
        status, _, body = get(server, page_path(server))
        assert status == 200 and "the clinic has no readable plans/ folder" in body and "Dana Example" not in body
        (preview_clinic / "plans.away").rename(preview_clinic / "plans")
        next_version(preview, INDEX, seen)
        assert watcher.is_alive()
        body = get(server, page_path(server))[2]
        assert "no readable plans/" not in body and f'href="{plan_address(server, OTHER)}"' in body


def test_a_plan_that_is_deleted_says_so_and_shows_no_chart(served: tuple[Preview, _Server], preview_clinic: Path) -> None:
    """The reviewer's case: the page of a deleted plan went on serving its last good chart (name, date of birth,
    diagnoses) under a "cannot read file" notice."""
    preview, server = served
    plan = preview_clinic / "plans" / PLAN
    text = plan.read_text(encoding="utf-8")
    assert "Dana Example" in get(server, page_path(server))[2]
    seen = version(preview, f"plans/{PLAN}")
    plan.unlink()
    seen = next_version(preview, f"plans/{PLAN}", seen)
    status, _, body = get(server, page_path(server))
    assert status == 200 and "This plan is gone: its file was deleted or moved." in body
    assert "Dana Example" not in body and "1991" not in body and "Treatment plan" not in body
    plan.write_text(text.replace("  level: low", "  level: severe"), encoding="utf-8")  # back, with an error
    next_version(preview, f"plans/{PLAN}", seen)
    body = get(server, page_path(server))[2]  # the chart from before it was deleted is not shown again
    assert "error TX105" in body and "No chart yet" in body and "Dana Example" not in body


def test_a_clinic_that_cannot_be_read_mid_render_is_said_on_the_page(served: tuple[Preview, _Server],
                                                                     preview_clinic: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    preview, server = served

    def unreadable(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("txplan.preview.check_project", unreadable)
    seen = version(preview, f"plans/{PLAN}")
    append_to(preview_clinic / "plans" / PLAN, "\nAn edit.\n")
    next_version(preview, f"plans/{PLAN}", seen)
    status, _, body = get(server, page_path(server))
    assert status == 200 and "cannot read the clinic: Permission denied" in body


# -- requests that end badly ----------------------------------------------------------------------------


def test_a_tab_closed_while_it_waits_for_news_is_no_error(served: tuple[Preview, _Server], preview_clinic: Path,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    preview, server = served
    seen = version(preview, f"plans/{PLAN}")
    tab = socket.create_connection(("127.0.0.1", server.port))
    tab.sendall(f"GET {page_path(server)}/events?since={seen} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n"
                .encode())
    time.sleep(0.3)  # the request is held open, waiting for news
    tab.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    tab.close()  # the reader closes the tab: the connection is reset
    append_to(preview_clinic / "plans" / PLAN, "\nSaved after the tab was closed.\n")
    next_version(preview, f"plans/{PLAN}", seen)
    time.sleep(0.5)  # the news is written to the closed connection
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("since", ["%C2%B2", "9" * 5000, "", "-1", "1.5", "0x1"])
def test_a_malformed_since_is_a_bad_request(served: tuple[Preview, _Server], since: str,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    _, server = served
    for events in (f"{page_path(server)}/events", f"/{server.preview.token}/events"):
        status, _, body = get(server, f"{events}?since={since}")
        assert (status, body) == (400, "")
    assert get(server, f"{page_path(server)}/events")[0] == 400
    assert capfd.readouterr().err == ""


def test_news_of_no_page_is_not_found(served: tuple[Preview, _Server]) -> None:
    _, server = served
    for path in ("plan/plans/nobody.md/events", "plan/events", "/events", "plan/plans/events"):
        assert get(server, f"/{server.preview.token}/{path}?since=1")[:3:2] == (404, "")


# -- the clinic's policy and library --------------------------------------------------------------------


def test_a_broken_policy_is_shown_and_withholds_the_chart(served: tuple[Preview, _Server],
                                                          preview_clinic: Path) -> None:
    preview, server = served
    pyproject = preview_clinic / "pyproject.toml"
    good = pyproject.read_text(encoding="utf-8")
    broken = good.replace("review_interval_days = 90", "review_interval_day = 120")
    line = broken[: broken.index("review_interval_day =")].count("\n") + 1
    seen = version(preview, f"plans/{PLAN}")
    pyproject.write_text(broken, encoding="utf-8")
    seen = next_version(preview, f"plans/{PLAN}", seen)
    body = get(server, page_path(server))[2]
    assert f"<strong>error TX501</strong> pyproject.toml line {line}, column 1: [tool.txplan]" in body
    assert f"{line:>4} | review_interval_day = 120\n     | ^" in body
    assert "No chart while the clinic's policy or template library has errors" in body
    assert "<h1>Treatment plan</h1>" not in body and "Dana Example" not in body
    pyproject.write_text(good, encoding="utf-8")
    next_version(preview, f"plans/{PLAN}", seen)
    body = get(server, page_path(server))[2]
    assert "<h1>Treatment plan</h1>" in body and "TX501" not in body


def test_a_broken_template_is_shown_and_withholds_the_chart(served: tuple[Preview, _Server],
                                                            preview_clinic: Path) -> None:
    preview, server = served
    seen = version(preview, f"plans/{PLAN}")
    (preview_clinic / "templates" / "interventions" / "zz-broken.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    next_version(preview, f"plans/{PLAN}", seen)
    body = get(server, page_path(server))[2]
    assert re.search(r"<strong>error TX\d+</strong> templates/interventions/zz-broken\.md line \d+, column \d+", body)
    assert "No chart while" in body and "<h1>Treatment plan</h1>" not in body


def test_a_plan_whose_name_is_not_utf8_is_listed_and_shown(preview_clinic: Path) -> None:
    plans = os.fsencode(preview_clinic / "plans")
    with open(plans + b"/caf\xe9.md", "wb") as handle:  # a name copied from another system
        handle.write((preview_clinic / "plans" / PLAN).read_bytes())
    preview = Preview(preview_clinic, None, today=TODAY)
    with serving(preview) as (server, _):
        body = get(server, page_path(server))[2]
        assert f'href="/{preview.token}/plan/plans/caf%E9.md">plans/caf\\udce9.md</a>' in body
        status, _, body = get(server, f"/{preview.token}/plan/plans/caf%E9.md")
        assert status == 200 and "<h1>Treatment plan</h1>" in body
        assert "`txplan sign plans/caf\\udce9.md --role client`" in body
