"""`txplan serve` serves the site and rebuilds it when a template or mkdocs.yml changes, until interrupted."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import default_sigint, position_of
from fixtures.site.helpers import site_clinic

from txplan.site import SiteError, serve_site

WAIT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetched(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:  # not up yet, refused, or busy rebuilding past the timeout
        return ""


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)


def test_serve_rebuilds_when_a_template_or_mkdocs_yml_changes_and_stops_on_interrupt(tmp_path: Path) -> None:
    root = site_clinic(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/interventions/thought-record/"
    server = subprocess.Popen([sys.executable, "-m", "txplan", "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        wait_for(lambda: "<h1" in fetched(url) and "Thought record" in fetched(url), "the first build")
        template = root / "templates" / "interventions" / "thought-record.md"
        template.write_text(template.read_text(encoding="utf-8").replace("title: Thought record", "title: Mood journal"),
                            encoding="utf-8")
        wait_for(lambda: "Mood journal" in fetched(url), "the rebuild after a template changed")
        config = root / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("Minimal clinic library", "Riverside library"),
                          encoding="utf-8")
        wait_for(lambda: "Riverside library" in fetched(url), "the rebuild after mkdocs.yml changed")
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert f"serving the template site on http://127.0.0.1:{port}/" in stderr
    assert "Traceback" not in stderr


def test_serve_keeps_the_last_good_site_while_a_template_is_broken_and_says_why(tmp_path: Path) -> None:
    """A template saved with an error is reported as `txplan check` reports it, at its line and column; the site
    served stays the last good one (MkDocs alone stalls every request: "the server will appear stuck"); the fixed
    template is built and served again."""
    root = site_clinic(tmp_path / "clinic")
    port = free_port()
    url = f"http://127.0.0.1:{port}/interventions/thought-record/"
    template = root / "templates" / "interventions" / "thought-record.md"
    good = template.read_text(encoding="utf-8")
    log = tmp_path / "stderr.txt"
    with log.open("w", encoding="utf-8") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "txplan", "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=root,
                                  stdout=subprocess.DEVNULL, stderr=stderr, text=True, preexec_fn=default_sigint)
    try:
        wait_for(lambda: "Thought record" in fetched(url), "the first build")
        broken = good.replace("{{ frequency }}", "{{ frequency }").replace("title: Thought record", "title: Broken")
        template.write_text(broken, encoding="utf-8")
        line = position_of(broken, "{{ frequency }")[0]
        where = f"templates/interventions/thought-record.md:{line}:1: error TX402"  # Jinja tells the line only
        wait_for(lambda: "error TX402" in log.read_text(encoding="utf-8"), "the diagnostic of the broken template")
        page = fetched(url)
        assert "Thought record" in page and "Broken" not in page
        template.write_text(good.replace("title: Thought record", "title: Mood journal"), encoding="utf-8")
        wait_for(lambda: "Mood journal" in fetched(url), "the rebuild after the template was fixed")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    printed = log.read_text(encoding="utf-8")
    assert server.returncode == 0, printed
    assert "txplan: serve: the site was not rebuilt; still serving the last good one" in printed
    assert where in printed, printed
    assert "Traceback" not in printed and "appear stuck" not in printed and "Aborted" not in printed


def test_serve_on_a_busy_port_is_a_site_error(tmp_path: Path) -> None:
    root = site_clinic(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(SiteError, match="in use"):
            serve_site(root, f"127.0.0.1:{busy.getsockname()[1]}", on_error=pytest.fail)
