"""Signed plans: `txplan sign` with throwaway SSH keys, `check` verifying every record at its place, and the chart
showing signing as it is."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXTURE_TEMPLATES, VALID_PLAN, edit, make_clinic, position_of
from docx import Document

from txplan.build.lock import clinic_lock
from txplan.build.pipeline import build_charts
from txplan.check import check_project
from txplan.diagnostics import Diagnostic
from txplan.layout import Output
from txplan.signatures import sign as signing
from txplan.signatures.records import Method, Role, SignedRecord, content_digest, load_sidecar, sidecar_path, write_sidecar

REPO = Path(__file__).resolve().parent.parent
CLINICIAN, CLINICIAN_ID = "Test Clinician, LCSW", "test.clinician@clinic.example"
SUPERVISOR, SUPERVISOR_ID = "Dr. Sam Sample, PhD", "sam.sample@clinic.example"
PLAN = "plans/plan.md"

Signer = Callable[..., "subprocess.CompletedProcess[str]"]


def keypair(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(key)], check=True)
    return key, (folder / f"{name}.pub").read_text(encoding="utf-8").strip()


@pytest.fixture
def signed_clinic(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A clinic with the valid plan (a supervisor named), the signers table, and keys for the clinician, the
    supervisor and a stranger; only the first two are in the allowed-signers file."""
    keys = tmp_path / "keys"
    keys.mkdir()
    made = {who: keypair(keys, who) for who in ("clinician", "supervisor", "stranger")}
    plan = edit(VALID_PLAN, (f"  name: {CLINICIAN}\n", f"  name: {CLINICIAN}\n  supervisor: {SUPERVISOR}\n"))
    policy = (f'[tool.txplan]\n[tool.txplan.signers]\n"{CLINICIAN}" = "{CLINICIAN_ID}"\n'
              f'"{SUPERVISOR}" = "{SUPERVISOR_ID}"\n')
    root = make_clinic(tmp_path / "clinic", {"plan.md": plan}, pyproject=policy, library=FIXTURE_TEMPLATES)
    (root / "signers").mkdir()
    (root / "signers" / "allowed_signers").write_text(
        f"{CLINICIAN_ID} {made['clinician'][1]}\n{SUPERVISOR_ID} {made['supervisor'][1]}\n", encoding="utf-8")
    return root, {who: key for who, (key, _) in made.items()}


def txplan(root: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False, env=env)


def sign(root: Path, key: Path, role: str, *more: str) -> subprocess.CompletedProcess[str]:
    return txplan(root, "sign", PLAN, "--role", role, "--key", str(key), *more)


def sign_all(root: Path, keys: dict[str, Path]) -> None:
    for role, key, more in (("clinician", keys["clinician"], ()), ("supervisor", keys["supervisor"], ()),
                            ("client", keys["clinician"], ("--method", "in-person"))):
        done = sign(root, key, role, *more)
        assert done.returncode == 0, done.stderr


def findings(root: Path) -> list[tuple[str, str, int, int]]:
    return [(d.path, d.code, d.line, d.col) for d in check_project(root).diagnostics]


def record_positions(root: Path, plan: str = PLAN) -> list[tuple[int, int]]:
    """Where each record starts in the sidecar: the `- role:` lines."""
    text = sidecar_path(root / plan).read_text(encoding="utf-8")
    return [position_of(text, match.group(0)) for match in re.finditer(r"(?<=- )role: \w+", text)]


def chart_text(root: Path) -> str:
    """The DOCX chart of the clinic's plan, rebuilt, as its paragraphs' text."""
    build_charts(root, outputs={Output.DOCX}, jobs=1)
    return "\n".join(p.text for p in Document(str(root / "build" / "docx" / "plan.docx")).paragraphs)


def test_a_fully_signed_plan_checks_clean_and_its_chart_says_so(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    assert [code for _, code, _, _ in findings(root)] == ["TX704", "TX704", "TX704"]  # nobody has signed yet
    sign_all(root, keys)
    assert findings(root) == []
    digest = content_digest((root / PLAN).read_text(encoding="utf-8")).removeprefix("sha256:")[:12]
    build_charts(root, outputs={Output.DOCX, Output.HTML}, jobs=1)
    text = "\n".join(p.text for p in Document(str(root / "build" / "docx" / "plan.docx")).paragraphs)
    assert re.search(rf"Signed electronically by {re.escape(CLINICIAN)} \(clinician\) on \w+ \d+, \d{{4}}\. "
                     rf"Content {digest}\.", text)
    assert f"Signed electronically by {SUPERVISOR} (clinical supervisor) on" in text
    assert ("Signed electronically by Test Client (client) on" in text
            and f"given in person and witnessed by {CLINICIAN}. Content {digest}." in text)
    assert f"Plan content digest: {digest}" in text
    assert "Signed electronically by Test Client" in (root / "build" / "html" / "plan.html").read_text(encoding="utf-8")


def test_an_edit_after_signing_is_a_warning_at_each_record_and_the_chart_shows_an_earlier_version(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    plan = root / PLAN
    plan.write_text(plan.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    positions = record_positions(root)
    found = findings(root)
    assert [f for f in found if f[1] == "TX701"] == [(f"{PLAN}.signatures", "TX701", *p) for p in positions]
    assert [f[1] for f in found if f[1] != "TX701"] == []  # each signature is there, for an earlier version
    done = txplan(root, "check")
    assert done.returncode == 0  # warnings: the chart still builds
    assert "the plan changed after the clinician signed it on" in done.stderr
    build_charts(root, jobs=1)
    text = "\n".join(p.text for p in Document(str(root / "build" / "docx" / "plan.docx")).paragraphs)
    assert "for an earlier version of this plan" in text and "Content" not in text.split("Signatures")[-1].split(".")[0]


def test_line_endings_and_trailing_spaces_do_not_unsign(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    plan = root / PLAN
    text = plan.read_text(encoding="utf-8")
    plan.write_bytes(("\r\n".join(line + "  " for line in text.split("\n")) + "\r\n\r\n").encode("utf-8"))
    assert findings(root) == []


def test_an_edited_record_does_not_verify(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    sidecar = sidecar_path(root / PLAN)
    first = record_positions(root)[0]
    text = sidecar.read_text(encoding="utf-8")
    sidecar.write_text(re.sub(r"signed: '(\d{4})", lambda m: f"signed: '{int(m[1]) - 1}", text, count=1), encoding="utf-8")
    assert findings(root) == [(PLAN, "TX704", 1, 1), (f"{PLAN}.signatures", "TX702", *first)]


def test_a_signer_removed_from_the_allowed_signers_no_longer_verifies(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    allowed = root / "signers" / "allowed_signers"
    allowed.write_text("".join(line + "\n" for line in allowed.read_text().splitlines() if SUPERVISOR_ID not in line))
    supervisor = record_positions(root)[1]
    assert findings(root) == [(PLAN, "TX704", 1, 1), (f"{PLAN}.signatures", "TX702", *supervisor)]


def ssh_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%SZ")


def test_a_key_is_judged_at_the_time_it_signed_as_git_judges_ssh_signed_commits(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    """A clinic that gives keys an end (valid-before) keeps the signatures made before it; a key that had ended
    when the record says it signed proves nothing, and cannot sign any more."""
    root, keys = signed_clinic
    allowed = root / "signers" / "allowed_signers"
    listed = allowed.read_text(encoding="utf-8")

    def supervisor_valid_before(moment: datetime) -> None:
        allowed.write_text(listed.replace(f"{SUPERVISOR_ID} ", f'{SUPERVISOR_ID} valid-before="{ssh_time(moment)}" '),
                           encoding="utf-8")

    supervisor_valid_before(datetime.now(UTC) + timedelta(seconds=3))
    sign_all(root, keys)
    time.sleep(4)  # the supervisor's key has ended since it signed
    assert findings(root) == []
    supervisor_valid_before(datetime.now(UTC) - timedelta(days=1))  # it had ended before it signed
    assert findings(root) == [(PLAN, "TX704", 1, 1), (f"{PLAN}.signatures", "TX702", *record_positions(root)[1])]
    refused = sign(root, keys["supervisor"], "supervisor")
    assert refused.returncode != 0 and "nothing was signed" in refused.stderr


def test_a_key_of_another_person_is_refused_and_nothing_is_written(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    done = sign(root, keys["stranger"], "clinician")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"txplan: sign: that key is not in signers/allowed_signers for {CLINICIAN_ID}; nothing was signed"]
    assert not sidecar_path(root / PLAN).exists()
    done = sign(root, keys["supervisor"], "clinician")  # allowed, but for someone else
    assert done.returncode == 1 and not sidecar_path(root / PLAN).exists()


@pytest.mark.parametrize(("change", "role", "message"), [
    (("status: active", "status: draft"), "clinician", "is a draft, not for signature; only an active plan is signed"),
    (("status: active", "status: closed\nclosure: {date: 2026-11-20, reason: Moved away, criteria_met: some, "
                        "summary: Four sessions.}"), "clinician", "is closed; only an active plan is signed"),
    (("  level: low", "  level: severe"), "clinician", "has errors; run txplan check, fix them, then sign"),
    ((f"  supervisor: {SUPERVISOR}\n", ""), "supervisor", "names no supervisor"),
], ids=["draft", "closed", "errors", "no supervisor"])
def test_sign_refuses_with_one_line(signed_clinic: tuple[Path, dict[str, Path]], change: tuple[str, str], role: str,
                                    message: str) -> None:
    root, keys = signed_clinic
    plan = root / PLAN
    text = plan.read_text(encoding="utf-8")
    if change[0] == "status: active":
        text = text.replace("dates:\n", "status: active\ndates:\n", 1)
    plan.write_text(edit(text, change), encoding="utf-8")
    done = sign(root, keys[role], role)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"txplan: sign: {PLAN} {message}"]
    assert not sidecar_path(plan).exists()


def make_minor(root: Path) -> None:
    """The client of the clinic's plan born in 2010: under 18 on the effective date, so a guardian signs too."""
    plan = root / PLAN
    plan.write_text(edit(plan.read_text(encoding="utf-8"), ("  dob: 1990-05-01", "  dob: 2010-05-01")), encoding="utf-8")


def test_a_client_signature_needs_a_method_and_a_guardian_a_name(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    assert sign(root, keys["clinician"], "client").stderr.splitlines() == [
        "txplan: sign: say how the client signed with --method in-person, paper or portal"]
    make_minor(root)
    assert sign(root, keys["clinician"], "guardian", "--method", "paper").stderr.splitlines() == [
        "txplan: sign: give the guardian's name with --name"]


def test_a_minors_plan_needs_the_guardian_and_its_chart_has_a_line_for_them(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    make_minor(root)
    sign_all(root, keys)
    assert findings(root) == [(PLAN, "TX704", 1, 1)]
    build_charts(root, jobs=1)
    text = "\n".join(p.text for p in Document(str(root / "build" / "docx" / "plan.docx")).paragraphs)
    assert "Parent or guardian\tDate" in text
    done = sign(root, keys["clinician"], "guardian", "--method", "paper", "--name", "Pat Guardian")
    assert done.returncode == 0, done.stderr
    assert findings(root) == []


def test_a_draft_chart_has_no_signature_block_and_says_so_on_every_page(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, _ = signed_clinic
    plan = root / PLAN
    plan.write_text(plan.read_text(encoding="utf-8").replace("dates:\n", "status: draft\ndates:\n", 1), encoding="utf-8")
    build_charts(root, jobs=1)
    document = Document(str(root / "build" / "docx" / "plan.docx"))
    assert "Signatures" not in [p.text for p in document.paragraphs]
    assert "DRAFT, not for signature" in document.sections[0].header.paragraphs[0].text


def test_each_current_signature_is_a_provenance_in_the_fhir_bundle(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from txplan.export.fhir import plan_bundle

    root, keys = signed_clinic
    sign_all(root, keys)
    bundle = plan_bundle(check_project(root).plans[0])
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    careplan = next(r for r in resources if r["resourceType"] == "CarePlan")
    provenances = {p["agent"][0]["role"][0]["text"]: p for p in resources if p["resourceType"] == "Provenance"}
    assert sorted(provenances) == ["client", "clinician", "supervisor"]
    for provenance in provenances.values():
        assert provenance["target"] == [{"reference": f"urn:uuid:{careplan['id']}"}]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", provenance["recorded"])
    codes = {role: [s["type"][0]["code"] for s in p["signature"]] for role, p in provenances.items()}
    assert codes == {"clinician": ["1.2.840.10065.1.12.1.1"], "supervisor": ["1.2.840.10065.1.12.1.2"],
                     "client": ["1.2.840.10065.1.12.1.2", "1.2.840.10065.1.12.1.7"]}
    witness = provenances["client"]["signature"][1]
    assert witness["who"] == {"display": CLINICIAN} and witness["sigFormat"] == "application/x-ssh-signature"
    plan = root / PLAN
    plan.write_text(plan.read_text(encoding="utf-8") + "\nChanged after signing.\n", encoding="utf-8")
    later = plan_bundle(check_project(root).plans[0])
    assert not [e for e in later["entry"] if e["resource"]["resourceType"] == "Provenance"]  # none covers this version


def test_a_signature_of_someone_the_plan_does_not_name_is_an_error(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    supervisor = record_positions(root)[1]
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        f'"{SUPERVISOR}" = "{SUPERVISOR_ID}"', f'"{SUPERVISOR}" = "someone.else@clinic.example"'), encoding="utf-8")
    assert findings(root) == [(PLAN, "TX704", 1, 1), (f"{PLAN}.signatures", "TX703", *supervisor)]


def test_a_signers_entry_that_is_not_a_principal_is_reported_at_its_line(tmp_path: Path) -> None:
    root = make_clinic(tmp_path / "clinic", {"plan.md": VALID_PLAN}, library=FIXTURE_TEMPLATES,
                       pyproject=f'[tool.txplan]\n[tool.txplan.signers]\n"{CLINICIAN}" = "Test Clinician"\n')
    found = [d for d in check_project(root).diagnostics if d.path == "pyproject.toml"]
    assert [(d.code, d.line, d.col) for d in found] == [("TX501", 3, 1)]
    assert "must be an email-like principal" in found[0].message and "Test Clinician" not in found[0].message


def test_records_copied_into_another_plans_signatures_are_refused_at_each_record(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)  # the clinician's, the supervisor's and the client's records, in that order
    other = "plans/other.md"
    (root / other).write_text(edit((root / PLAN).read_text(encoding="utf-8"), ("  id: T-0001", "  id: T-0002")),
                              encoding="utf-8")
    sidecar_path(root / other).write_bytes(sidecar_path(root / PLAN).read_bytes())
    copied = [f for f in findings(root) if f[0] == f"{other}.signatures"]
    assert copied == [(f"{other}.signatures", "TX703", *at) for at in record_positions(root, other)]
    done = txplan(root, "check", other)
    assert done.returncode == 1
    assert "the clinician's record is for another chart: its `chart` is not this plan's `client.id`" in done.stderr
    assert "T-0001" not in done.stderr and "Test Client" not in done.stderr


@pytest.mark.parametrize("change", [
    [("  name: Test Client", "  name: Test Clients")],  # a typo in the client's name corrected
    [(f"  name: {CLINICIAN}\n  supervisor: {SUPERVISOR}", f"  name: {SUPERVISOR}\n  supervisor: {CLINICIAN}")],
], ids=["client's name corrected", "handed to another clinician"])
def test_a_signed_plan_whose_names_change_has_stale_signatures_not_wrong_ones(
        signed_clinic: tuple[Path, dict[str, Path]], change: list[tuple[str, str]]) -> None:
    """The records were right for the version they signed: they are for an earlier version (TX701), and the charts
    still build, not refused against names the plan did not hold when they were signed (TX703)."""
    root, keys = signed_clinic
    sign_all(root, keys)
    plan = root / PLAN
    plan.write_text(edit(plan.read_text(encoding="utf-8"), *change), encoding="utf-8")
    stale = [(f"{PLAN}.signatures", "TX701", *at) for at in record_positions(root)]
    assert [f for f in findings(root) if f[1] != "TX704"] == stale
    done = txplan(root, "docx")
    assert done.returncode == 0, done.stderr
    assert "for an earlier version of this plan" in chart_text(root)


def test_a_revoked_signature_is_replaced_by_signing_again_with_an_allowed_key(
        signed_clinic: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    new_key, new_public = keypair(tmp_path / "keys", "supervisor-new")
    allowed = root / "signers" / "allowed_signers"
    kept = [line for line in allowed.read_text(encoding="utf-8").splitlines() if SUPERVISOR_ID not in line]
    allowed.write_text("".join(f"{line}\n" for line in [*kept, f"{SUPERVISOR_ID} {new_public}"]), encoding="utf-8")
    assert [code for _, code, _, _ in findings(root)] == ["TX704", "TX702"]  # the old key's record is revoked
    done = sign(root, new_key, "supervisor")
    assert done.returncode == 0, done.stderr
    assert findings(root) == []


def test_a_signatures_file_that_cannot_be_read_is_left_as_it_is(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sidecar = sidecar_path(root / PLAN)
    sidecar.write_text("---\nsignatures: [a record typed by hand]\n---\n", encoding="utf-8")
    done = sign(root, keys["clinician"], "clinician")
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["txplan: sign: plan.md.signatures cannot be read (run txplan check); "
                                        "nothing was signed"]
    assert sidecar.read_text(encoding="utf-8") == "---\nsignatures: [a record typed by hand]\n---\n"


def test_two_signers_at_once_both_keep_their_records(signed_clinic: tuple[Path, dict[str, Path]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The first signer pauses between reading the sidecar and writing it until the second has either read it too
    (the lost update) or is waiting for the clinic's lock; both records must be there at the end."""
    root, keys = signed_clinic
    first_read, second_reached = threading.Event(), threading.Event()
    read = signing.load_sidecar

    def pausing_read(path: Path, display: str) -> tuple[list[SignedRecord], list[Diagnostic]]:
        found = read(path, display)
        if threading.current_thread().name == "first":
            first_read.set()
            assert second_reached.wait(timeout=120)
        else:
            second_reached.set()
        return found

    monkeypatch.setattr(signing, "load_sidecar", pausing_read)
    failures: list[BaseException] = []

    def first_signer() -> None:
        try:
            signing.sign_plan(root, PLAN, Role.CLINICIAN, key=str(keys["clinician"]))
        except BaseException as exc:  # reported by the test's own thread
            failures.append(exc)
            first_read.set()

    first = threading.Thread(target=first_signer, name="first")
    first.start()
    assert first_read.wait(timeout=120)
    signing.sign_plan(root, PLAN, Role.SUPERVISOR, key=str(keys["supervisor"]), on_wait=second_reached.set)
    first.join(timeout=120)
    assert failures == []
    records, _ = load_sidecar(sidecar_path(root / PLAN), "")
    assert sorted(r.record.role.value for r in records) == ["clinician", "supervisor"]


def test_sign_says_it_waits_while_a_build_holds_the_clinic_and_then_signs(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    with clinic_lock(root):
        child = subprocess.Popen([sys.executable, str(REPO / "build.py"), "sign", PLAN, "--role", "clinician", "--key",
                                  str(keys["clinician"])], cwd=root, stderr=subprocess.PIPE, text=True)
        assert child.stderr is not None
        assert child.stderr.readline() == ("txplan: sign: a build or another sign of this clinic is writing; the "
                                           "record waits for it\n")
        assert not sidecar_path(root / PLAN).exists()
    assert child.wait(timeout=120) == 0
    assert child.stderr.read().startswith(f"signed {PLAN} as clinician")
    assert [r.record.role for r in load_sidecar(sidecar_path(root / PLAN), "")[0]] == [Role.CLINICIAN]


NAME_REFUSED = ("txplan: sign: --name must be a name on one line, at most 200 characters, without control or invisible "
                "characters; nothing was signed")


@pytest.mark.parametrize("name", ["Pat\x1b[2JGuardian", "Pat\nGuardian", "Pat\tGuardian", "P" * 201,
                                  "Pat\udcffGuardian", "Pat\u200b Guardian", "Pat\u2060Guardian"],
                         ids=["escape sequence", "line break", "tab", "too long", "not UTF-8", "zero-width space",
                              "word joiner"])
def test_a_guardians_name_must_be_one_printable_line_and_is_never_echoed(
        signed_clinic: tuple[Path, dict[str, Path]], name: str) -> None:
    root, keys = signed_clinic
    make_minor(root)
    done = sign(root, keys["clinician"], "guardian", "--method", "paper", "--name", name)  # "\udcff": the byte 0xFF
    assert done.returncode == 1
    assert done.stderr.splitlines() == [NAME_REFUSED]
    assert not sidecar_path(root / PLAN).exists()


def test_each_guardian_signs_and_the_chart_shows_every_one_once(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    make_minor(root)
    sign_all(root, keys)
    for guardian in ("Pat Guardian", "Lee Guardian"):
        done = sign(root, keys["clinician"], "guardian", "--method", "paper", "--name", guardian)
        assert done.returncode == 0, done.stderr
    sidecar = sidecar_path(root / PLAN)
    records, _ = load_sidecar(sidecar, "")
    write_sidecar(sidecar, [r.record for r in records] * 2)  # every record twice, as a careless merge might leave it
    assert findings(root) == []
    text = chart_text(root)
    for guardian in ("Pat Guardian", "Lee Guardian"):
        assert text.count(f"Signed electronically by {guardian} (parent or guardian) on") == 1
    assert text.count("Signed electronically by Test Client (client) on") == 1


def test_a_guardian_signs_an_adults_plan_only_when_the_policy_asks_for_one(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    guardian = ("guardian", "--method", "paper", "--name", "Pat Guardian")
    done = sign(root, keys["clinician"], *guardian)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"txplan: sign: {PLAN} needs no guardian: the client is 18 or older on the plan's effective date and the "
        "policy's `signatures_required` does not name guardian"]
    assert not sidecar_path(root / PLAN).exists()
    pyproject = root / "pyproject.toml"
    policy = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(edit(policy, ("[tool.txplan]\n", '[tool.txplan]\nsignatures_required = ["guardian"]\n')),
                         encoding="utf-8")
    assert sign(root, keys["clinician"], *guardian).returncode == 0
    assert findings(root) == [(PLAN, "TX704", 1, 1)]  # the supervisor's, who is named; the guardian has signed
    pyproject.write_text(policy, encoding="utf-8")
    assert [f for f in findings(root) if f[1] != "TX704"] == [(f"{PLAN}.signatures", "TX703", *record_positions(root)[0])]


@pytest.mark.parametrize("after", [
    "      Approved by the board on the phone.\n",
    "      -----BEGIN SSH SIGNATURE-----\n      U1NIU0lH\n      -----END SSH SIGNATURE-----\n",
], ids=["text", "a second armor"])
def test_anything_after_the_armored_signature_is_an_error_at_the_signature(
        signed_clinic: tuple[Path, dict[str, Path]], after: str) -> None:
    root, keys = signed_clinic
    assert sign(root, keys["clinician"], "clinician").returncode == 0
    sidecar = sidecar_path(root / PLAN)
    text = sidecar.read_text(encoding="utf-8")
    sidecar.write_text(edit(text, ("-----END SSH SIGNATURE-----\n", f"-----END SSH SIGNATURE-----\n{after}")),
                       encoding="utf-8")
    found = [d for d in check_project(root).diagnostics if d.path == f"{PLAN}.signatures"]
    assert [(d.code, d.line, d.col) for d in found] == [("TX108", *position_of(text, "|"))]
    assert "must be the armored SSH signature `ssh-keygen -Y sign` writes, and nothing else" in found[0].message


def test_without_ssh_keygen_check_warns_once_the_chart_shows_no_signature_and_sign_exits_2(
        signed_clinic: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    first = record_positions(root)[0]
    no_tools = tmp_path / "no-tools"
    no_tools.mkdir()
    bare = {**os.environ, "PATH": str(no_tools)}
    done = txplan(root, "check", env=bare)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if " TX" in line] == [
        f"{PLAN}.signatures:{first[0]}:{first[1]}: warning TX705 signatures not verified: ssh-keygen is not installed; "
        "the chart shows none of them"]
    done = txplan(root, "status", "--format", "json", env=bare)  # neither signed nor unsigned: unverified
    status = json.loads(done.stdout)[0]
    assert (status["unsigned"], status["signing_overdue"], status["unverified"]) == (
        [], False, ["clinician", "supervisor", "client"])
    done = txplan(root, "docx", env=bare)
    assert done.returncode == 0, done.stderr
    assert "Signed electronically" not in "\n".join(
        p.text for p in Document(str(root / "build" / "docx" / "plan.docx")).paragraphs)  # built without ssh-keygen
    done = txplan(root, "sign", PLAN, "--role", "supervisor", "--key", str(keys["supervisor"]), env=bare)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "txplan: sign: ssh-keygen is not installed; install OpenSSH 8.2 or later (Debian/Ubuntu: sudo apt-get "
        "install openssh-client; it is built into macOS and Windows 10 and later)"]


def test_a_temporary_file_left_by_an_interrupted_sign_is_removed_by_the_next(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    (root / "plans" / ".plan.md.signatures.0123456789ab.tmp").write_text("half a record\n", encoding="utf-8")
    assert sign(root, keys["clinician"], "clinician").returncode == 0
    assert sorted(p.name for p in (root / "plans").iterdir()) == ["plan.md", "plan.md.signatures"]


def test_a_signing_time_that_is_no_time_is_tx108_at_its_value_and_no_output_breaks(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    """`2026-02-30T25:61:61Z` has the shape of a time; it once passed check and broke every chart printing it."""
    root, keys = signed_clinic
    assert sign(root, keys["clinician"], "clinician").returncode == 0
    sidecar = sidecar_path(root / PLAN)
    text = sidecar.read_text(encoding="utf-8")
    when = re.search(r"signed: '?(\S+?)'?\n", text)
    assert when is not None
    forged = text.replace(when.group(1), "2026-02-30T25:61:61Z")
    sidecar.write_text(forged, encoding="utf-8")
    found = [d for d in check_project(root).diagnostics if d.path == f"{PLAN}.signatures"]
    line, col = position_of(forged, "signed: ")
    assert [(d.code, d.line, d.col) for d in found] == [("TX108", line, col + len("signed: "))]  # at the value
    for command in ("docx", "html", "fhir"):
        done = txplan(root, command)
        assert "Traceback" not in done.stderr and "TX603" not in done.stderr, done.stderr


@pytest.mark.parametrize("same", ["own name", "a name mapped to the same principal"])
def test_a_clinician_cannot_co_sign_their_own_plan_as_supervisor(
        signed_clinic: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch, same: str) -> None:
    root, keys = signed_clinic
    if same == "own name":
        plan = root / PLAN
        plan.write_text(edit(plan.read_text(encoding="utf-8"), (f"supervisor: {SUPERVISOR}", f"supervisor: {CLINICIAN}")),
                        encoding="utf-8")
    else:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(edit(pyproject.read_text(encoding="utf-8"), (f'"{SUPERVISOR}" = "{SUPERVISOR_ID}"',
                                                                          f'"{SUPERVISOR}" = "{CLINICIAN_ID}"')),
                             encoding="utf-8")
    assert sign(root, keys["clinician"], "clinician").returncode == 0
    advice = [d.message for d in check_project(root).diagnostics if d.code == "TX704" and "supervisor" in d.message]
    assert advice == ["the plan has no supervisor signature, and its supervisor is its clinician: name the supervisor "
                      "who co-signs in clinician.supervisor"]  # not a `txplan sign` command that would refuse
    done = sign(root, keys["clinician"], "supervisor")
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["txplan: sign: the plan's supervisor is its clinician; a co-signature must come "
                                        "from someone else, so name the clinical supervisor in the plan"]
    assert [r.record.role for r in load_sidecar(sidecar_path(root / PLAN), "")[0]] == [Role.CLINICIAN]
    monkeypatch.setattr(signing, "supervised_by_self", lambda people: False)  # as an earlier txplan would sign
    signing.sign_plan(root, PLAN, Role.SUPERVISOR, key=str(keys["clinician"]))
    line, col = record_positions(root)[1]
    assert [f for f in findings(root) if f[1] != "TX704"] == [(f"{PLAN}.signatures", "TX703", line, col)]
    done = txplan(root, "docx")
    assert done.returncode == 1  # no chart prints a co-signature the clinician gave themselves
    assert (f"{PLAN}.signatures:{line}:{col}: error TX703 the supervisor's signature is the clinician's own: the plan "
            "names its clinician as supervisor, and a co-signature must come from someone else") in done.stderr


def test_a_missing_allowed_signers_file_is_one_finding_at_the_policy_not_altered_records(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    pyproject = root / "pyproject.toml"
    policy = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(edit(policy, ("[tool.txplan]\n", '[tool.txplan]\nallowed_signers = "signers/allowed-signers"\n')),
                         encoding="utf-8")
    assert findings(root) == [("pyproject.toml", "TX706", 2, 1)]  # at the key; no record is called altered
    done = txplan(root, "check")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "pyproject.toml:2:1: error TX706 the allowed-signers file signers/allowed-signers does not exist; no "
        "signature can be verified until it is fixed, and the charts show none")
    pyproject.write_text(policy, encoding="utf-8")
    allowed = root / "signers" / "allowed_signers"
    listed = allowed.read_bytes()
    allowed.write_bytes(b"\xef\xbb\xbf" + listed)  # as Notepad saves it
    found = [d for d in check_project(root).diagnostics]
    assert [(d.path, d.code, d.line, d.col) for d in found] == [("pyproject.toml", "TX706", 1, 1)]
    assert "starts with a byte-order mark, which ssh-keygen cannot read" in found[0].message
    allowed.unlink()  # the default path, and plans that were signed: the file is missing, not every record altered
    assert findings(root) == [("pyproject.toml", "TX706", 1, 1)]
    sidecar_path(root / PLAN).unlink()  # a clinic signing on paper has no allowed-signers file, and needs none
    assert findings(root) == []


def test_a_chart_built_without_ssh_keygen_is_built_again_once_it_is_installed(
        signed_clinic: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    root, keys = signed_clinic
    sign_all(root, keys)
    no_tools = tmp_path / "no-tools"
    no_tools.mkdir()
    chart = root / "build" / "docx" / "plan.docx"
    assert txplan(root, "docx", env={**os.environ, "PATH": str(no_tools)}).returncode == 0
    assert "Signed electronically" not in "\n".join(p.text for p in Document(str(chart)).paragraphs)
    done = txplan(root, "docx")  # ssh-keygen installed since
    assert done.returncode == 0, done.stderr
    assert "Signed electronically" in "\n".join(p.text for p in Document(str(chart)).paragraphs)


def test_the_signed_line_prints_a_plan_path_as_every_message_does(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, keys = signed_clinic
    named = "plans/plan\x1b]0;title\x07.md"
    (root / named).write_bytes((root / PLAN).read_bytes())
    (root / PLAN).unlink()
    done = txplan(root, "sign", named, "--role", "clinician", "--key", str(keys["clinician"]))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert done.stderr.startswith("signed plans/plan\\x1b]0;title\\x07.md as clinician")


def test_one_guardian_is_one_whichever_unicode_form_their_name_is_typed_in(
        signed_clinic: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, keys = signed_clinic
    make_minor(root)
    composed, decomposed = "J\u00e1nos Kov\u00e1cs", "Ja\u0301nos Kova\u0301cs"
    for name in (composed, decomposed):  # the second replaces the first: the same person
        done = sign(root, keys["clinician"], "guardian", "--method", "paper", "--name", name)
        assert done.returncode == 0, done.stderr
    assert [r.record.name for r in load_sidecar(sidecar_path(root / PLAN), "")[0]] == [composed]
    monkeypatch.setattr(signing, "name_key", lambda name: name)  # an earlier txplan kept the form as typed
    monkeypatch.setattr(signing, "same_name", lambda first, second: first == second)
    signing.sign_plan(root, PLAN, Role.GUARDIAN, key=str(keys["clinician"]), name=decomposed, method=Method.PAPER)
    assert len(load_sidecar(sidecar_path(root / PLAN), "")[0]) == 2
    assert chart_text(root).count("(parent or guardian) on") == 1


def test_a_signature_is_printed_with_the_day_it_was_given_in_the_clinics_time_zone(
        signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    """Signed at 10 pm in New York on November 14 is 03:00 UTC on November 15: the chart said November 15."""
    root, keys = signed_clinic
    evening = datetime(2026, 11, 15, 3, 0, tzinfo=UTC)
    signing.sign_plan(root, PLAN, Role.CLINICIAN, key=str(keys["clinician"]), now=evening)
    assert "by Test Clinician, LCSW (clinician) on November 15, 2026" in chart_text(root)  # UTC, the default
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("[tool.txplan]\n", '[tool.txplan]\ntimezone = '
                                                                       '"America/New_York"\n', 1), encoding="utf-8")
    assert "by Test Clinician, LCSW (clinician) on November 14, 2026" in chart_text(root)


def test_a_time_zone_that_does_not_exist_is_tx501_at_its_key(signed_clinic: tuple[Path, dict[str, Path]]) -> None:
    root, _ = signed_clinic
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("[tool.txplan]\n", '[tool.txplan]\ntimezone = '
                                                                       '"Mars/Olympus_Mons"\n', 1), encoding="utf-8")
    found = [(d.path, d.code, d.line) for d in check_project(root).diagnostics if d.code == "TX501"]
    assert found == [("pyproject.toml", "TX501", 2)]
