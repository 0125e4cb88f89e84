"""`txplan pdf`: the DOCX chart through LibreOffice headless as a tagged PDF/A-2b, many charts per LibreOffice
process, and a clear exit 2 (changing nothing) where LibreOffice is not installed; a LibreOffice that hangs, is
interrupted or outlives its timeout is ended whole and leaves nothing behind."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import example_clinic

from txplan.cli import main
from txplan.render import pdf as pdf_module

REPO = Path(__file__).resolve().parent.parent
SOFFICE = shutil.which("soffice")
PLANS = ("c-1001-low-risk-depression.md", "c-1003-high-risk-safety-plan.md", "c-1004-ptsd-draft.md")


def txplan(root: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path is not None else None
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=root, capture_output=True, text=True,
                          timeout=600, check=False, env=env)


@pytest.fixture
def pdf_clinic(tmp_path: Path) -> Path:
    return example_clinic(tmp_path / "clinic", PLANS)


@pytest.fixture
def counted_soffice(tmp_path: Path) -> tuple[str, Path]:
    """A PATH whose soffice logs each start (one line per process) and then runs the real LibreOffice."""
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) is missing: ./scripts/test installs it")
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "soffice.log"
    wrapper = folder / "soffice"
    wrapper.write_text(f'#!/bin/sh\necho started >> "{log}"\nexec "{SOFFICE}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}", log


def starts(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_pdf_charts_are_tagged_pdf_a_2b_private_and_say_what_the_docx_says(pdf_clinic: Path,
                                                                          counted_soffice: tuple[str, Path]) -> None:
    path, log = counted_soffice
    done = txplan(pdf_clinic, "pdf", "--jobs", "2", path=path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith("built 3 chart(s), 3 PDF chart(s), 0 unchanged")
    assert starts(log) == 2  # three charts, two LibreOffice processes
    folder = pdf_clinic / "build" / "pdf"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in PLANS:
        pdf = folder / name.replace(".md", ".pdf")
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
        data = pdf.read_bytes()
        assert re.search(rb"pdfaid:part>2<", data) and re.search(rb"pdfaid:conformance>B<", data)
        assert b"/StructTreeRoot" in data  # tagged: a structure tree for assistive technology
    text = subprocess.run(["pdftotext", "-layout", str(folder / "c-1003-high-risk-safety-plan.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for expected in ("Treatment plan", "Theo Fictive", "Crisis management and safety planning", "Page 1 of"):
        assert expected in text
    again = txplan(pdf_clinic, "pdf", path=path)
    assert again.returncode == 0
    assert "built 0 chart(s), 0 PDF chart(s), 6 unchanged" in again.stderr
    assert starts(log) == 2  # nothing converted again


def test_a_changed_plan_gets_a_new_pdf_and_only_it(pdf_clinic: Path, counted_soffice: tuple[str, Path]) -> None:
    path, log = counted_soffice
    assert txplan(pdf_clinic, "pdf", "--jobs", "1", path=path).returncode == 0
    plan = pdf_clinic / "plans" / PLANS[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "\nAn added sentence for the PDF.\n", encoding="utf-8")
    done = txplan(pdf_clinic, "pdf", path=path)
    assert "built 1 chart(s), 1 PDF chart(s), 4 unchanged" in done.stderr
    assert starts(log) == 2
    text = subprocess.run(["pdftotext", str(pdf_clinic / "build" / "pdf" / PLANS[0].replace(".md", ".pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "An added sentence for the PDF." in text


def test_without_libreoffice_pdf_exits_2_with_one_line_and_changes_nothing(pdf_clinic: Path, tmp_path: Path) -> None:
    assert txplan(pdf_clinic, "docx").returncode == 0
    before = {p: p.read_bytes() for p in (pdf_clinic / "build").rglob("*") if p.is_file()}
    empty = tmp_path / "empty-path"
    empty.mkdir()
    done = txplan(pdf_clinic, "pdf", path=str(empty))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "txplan: pdf: LibreOffice is not installed (no soffice on PATH); install LibreOffice (Debian/Ubuntu: "
        "sudo apt-get install libreoffice-writer; macOS: brew install --cask libreoffice; Windows: libreoffice.org) "
        "and run txplan pdf again"]
    assert {p: p.read_bytes() for p in (pdf_clinic / "build").rglob("*") if p.is_file()} == before


def test_a_chart_libreoffice_cannot_convert_is_tx605_and_keeps_the_earlier_pdf(pdf_clinic: Path, tmp_path: Path,
                                                                               counted_soffice: tuple[str, Path]) -> None:
    path, _ = counted_soffice
    assert txplan(pdf_clinic, "pdf", path=path).returncode == 0
    earlier = (pdf_clinic / "build" / "pdf" / PLANS[0].replace(".md", ".pdf")).read_bytes()
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "soffice").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # starts, converts nothing
    (broken / "soffice").chmod(0o755)
    plan = pdf_clinic / "plans" / PLANS[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    done = txplan(pdf_clinic, "pdf", path=f"{broken}{os.pathsep}{os.environ['PATH']}")
    assert done.returncode == 1
    assert f"plans/{PLANS[0]}:1:1: error TX605 LibreOffice could not convert the chart to PDF" in done.stderr
    assert "Traceback" not in done.stderr
    assert (pdf_clinic / "build" / "pdf" / PLANS[0].replace(".md", ".pdf")).read_bytes() == earlier
    assert txplan(pdf_clinic, "pdf", path=path).returncode == 0  # tried again, and made, by the next build


# LibreOffice's soffice, faked. It logs how it was started, "converts" the first $FAKE_CONVERT inputs into small
# PDFs saying $FAKE_MARK ($FAKE_DELAY seconds each; cut short before their %%EOF with $FAKE_CUT) and, with
# $FAKE_HANG, behaves like /usr/bin/soffice handing over to soffice.bin: it waits for a child that outlives a killed
# soffice, writes a chart into the out folder and a file into $TMPDIR $FAKE_LATE seconds later, and then hangs.
FAKE_SOFFICE = r"""#!/bin/sh
log=$FAKE_LOG
echo "start umask=$(umask) tmpdir=$TMPDIR" >> "$log"
converted=0
while [ $# -gt 0 ]; do
    case $1 in
        --outdir) outdir=$2; echo "outdir $(ls -ld "$outdir" | cut -c1-10)" >> "$log"; shift ;;
        *.docx)
            echo "input $(ls -l "$1" | cut -c1-10)" >> "$log"
            if [ "$converted" -lt "${FAKE_CONVERT:-1000}" ]; then
                sleep "${FAKE_DELAY:-0}"
                mkdir -p "$outdir"
                pdf="$outdir/$(basename "$1" .docx).pdf"
                printf '%%PDF-1.4\n%s\n' "$FAKE_MARK" > "$pdf"
                [ -n "$FAKE_CUT" ] || printf '%%%%EOF\n' >> "$pdf"
                converted=$((converted + 1))
            fi ;;
    esac
    shift
done
[ -n "$FAKE_HANG" ] || exit 0
sh -c 'echo "pid $$" >> "$1"; sleep "$2" & echo "pid $!" >> "$1"; wait
       mkdir -p "$3"; echo "chart text" > "$3/late.pdf"; echo "chart text" > "${TMPDIR:-/tmp}/late.tmp"
       exec sleep 600' soffice.bin "$log" "${FAKE_LATE:-3}" "$outdir" &
echo "pid $$" >> "$log"
wait
"""


@dataclass(frozen=True)
class FakeSoffice:
    log: Path
    temp: Path  # the temporary folder txplan runs with: nothing may be left in it

    def lines(self, word: str) -> list[str]:
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [line.removeprefix(f"{word} ") for line in text.splitlines() if line.startswith(f"{word} ")]

    def running(self) -> list[int]:
        """The fake LibreOffice processes still running (zombies waiting for their reaper are not)."""
        states = {int(pid): subprocess.run(["ps", "-o", "stat=", "-p", pid], capture_output=True, text=True,
                                           check=False).stdout.strip() for pid in self.lines("pid")}
        return [pid for pid, state in states.items() if state and not state.startswith("Z")]


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSoffice]:
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    (folder / "soffice").write_text(FAKE_SOFFICE, encoding="utf-8")
    (folder / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    fake = FakeSoffice(tmp_path / "soffice.log", temp)
    monkeypatch.setenv("FAKE_LOG", str(fake.log))
    yield fake
    for pid in fake.running():  # a failing test leaves no fake LibreOffice behind
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def pdf_with(clinic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jobs: str,
             **fake: str) -> tuple[int, str]:
    """``txplan pdf`` in this process (so the timeouts can be made tiny) with the fake LibreOffice behaving as told."""
    for name in ("FAKE_CONVERT", "FAKE_CUT", "FAKE_DELAY", "FAKE_HANG", "FAKE_LATE", "FAKE_MARK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in fake.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = main(["-C", str(clinic), "pdf", "--jobs", jobs])
    return code, capsys.readouterr().err


def earlier_pdfs(clinic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    """Each plan's PDF from a build that went well, then every plan changed, so the next build converts them all."""
    assert pdf_with(clinic, monkeypatch, capsys, "1", FAKE_MARK="earlier")[0] == 0
    pdfs = {name: (clinic / "build" / "pdf" / name.replace(".md", ".pdf")).read_bytes() for name in PLANS}
    for name in PLANS:
        plan = clinic / "plans" / name
        plan.write_text(plan.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    return pdfs


def assert_nothing_left(fake: FakeSoffice, late: float) -> None:
    """No fake LibreOffice process runs, and nothing of the conversion is left, now or once the orphan of a killed
    soffice would have written (``late`` seconds after it started)."""
    assert fake.running() == []
    time.sleep(late + 1)
    assert fake.running() == []
    assert sorted(fake.temp.iterdir()) == []  # the scratch folder is gone; no chart was written there later


def test_a_hung_libreoffice_is_tx605_and_its_whole_process_group_ends_before_the_scratch_folder_goes(
        pdf_clinic: Path, fake_soffice: FakeSoffice, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    earlier = earlier_pdfs(pdf_clinic, monkeypatch, capsys)
    fake_soffice.log.unlink()
    monkeypatch.setattr(pdf_module, "SECONDS_TO_START", 0.5)
    monkeypatch.setattr(pdf_module, "SECONDS_PER_FILE", 0.5)
    code, err = pdf_with(pdf_clinic, monkeypatch, capsys, "1", FAKE_MARK="later", FAKE_CONVERT="1", FAKE_HANG="1",
                         FAKE_LATE="3")
    assert code == 1
    assert "Traceback" not in err
    converted, *hung = sorted(PLANS)  # LibreOffice converted the first file of the batch, then hung
    assert b"later" in (pdf_clinic / "build" / "pdf" / converted.replace(".md", ".pdf")).read_bytes()
    for name in hung:
        assert (f"plans/{name}:1:1: error TX605 LibreOffice timed out (it stopped making progress) before converting "
                "the chart to PDF; any earlier PDF was kept") in err
        assert (pdf_clinic / "build" / "pdf" / name.replace(".md", ".pdf")).read_bytes() == earlier[name]
    [start] = fake_soffice.lines("start")
    assert re.fullmatch(rf"umask=0077 tmpdir={re.escape(str(fake_soffice.temp))}/txplan-pdf-[^/]+/tmp", start)
    assert fake_soffice.lines("outdir") == ["drwx------"]
    assert set(fake_soffice.lines("input")) == {"-rw-------"}
    assert_nothing_left(fake_soffice, 3)


def test_ctrl_c_during_pdf_ends_every_libreoffice_at_once_and_keeps_the_earlier_pdfs(
        pdf_clinic: Path, fake_soffice: FakeSoffice, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    earlier = earlier_pdfs(pdf_clinic, monkeypatch, capsys)
    fake_soffice.log.unlink()

    def interrupt_once_both_started() -> None:
        deadline = time.monotonic() + 60
        while len(fake_soffice.lines("pid")) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # Ctrl-C, which no longer reaches
        # LibreOffice: it runs in a process group of its own

    # Ctrl-C as a terminal gives it: a runner that starts the tests in the background (without job control) starts
    # them with SIGINT ignored, and then no interrupt would ever arrive (the batches would time out instead)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=interrupt_once_both_started, daemon=True).start()
    started = time.monotonic()
    try:
        code, err = pdf_with(pdf_clinic, monkeypatch, capsys, "2", FAKE_CONVERT="0", FAKE_HANG="1", FAKE_LATE="3")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130, (err, fake_soffice.log.read_text(encoding="utf-8") if fake_soffice.log.exists() else "")
    assert err.splitlines()[-1].startswith("txplan: interrupted")
    assert "Traceback" not in err
    assert time.monotonic() - started < 30  # not the minute and a half a hung batch is given
    assert len(fake_soffice.lines("start")) == 2
    for name in PLANS:
        assert (pdf_clinic / "build" / "pdf" / name.replace(".md", ".pdf")).read_bytes() == earlier[name]
    assert_nothing_left(fake_soffice, 3)


def test_a_long_batch_that_keeps_converting_is_not_cut_short(pdf_clinic: Path, fake_soffice: FakeSoffice,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(pdf_module, "SECONDS_TO_START", 0.1)
    monkeypatch.setattr(pdf_module, "SECONDS_PER_FILE", 1.5)
    started = time.monotonic()
    code, err = pdf_with(pdf_clinic, monkeypatch, capsys, "1", FAKE_MARK="slow", FAKE_DELAY="0.7")
    assert code == 0, err
    assert time.monotonic() - started > 0.1 + 1.5  # longer than the first PDF is given, and no chart timed out
    for name in PLANS:
        assert b"slow" in (pdf_clinic / "build" / "pdf" / name.replace(".md", ".pdf")).read_bytes()


def test_a_pdf_cut_short_is_tx605_and_the_earlier_pdf_is_kept(pdf_clinic: Path, fake_soffice: FakeSoffice,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    earlier = earlier_pdfs(pdf_clinic, monkeypatch, capsys)
    code, err = pdf_with(pdf_clinic, monkeypatch, capsys, "1", FAKE_MARK="cut", FAKE_CUT="1")
    assert code == 1
    for name in PLANS:  # a PDF without its end (%%EOF), as a LibreOffice stopped while writing it leaves it
        assert (f"plans/{name}:1:1: error TX605 LibreOffice could not convert the chart to PDF; any earlier PDF was "
                "kept") in err
        assert (pdf_clinic / "build" / "pdf" / name.replace(".md", ".pdf")).read_bytes() == earlier[name]
