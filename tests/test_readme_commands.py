"""Every command is documented where a clinic looks first: the README's table of commands (as sqlite-utils checks
its own docs), and every command's --help works."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from txplan.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_there_are_commands_to_document() -> None:
    assert {"check", "docx", "html", "pdf", "fhir", "preview", "sign", "status", "site", "serve"} <= set(commands())


@pytest.mark.parametrize("command", commands())
def test_every_command_is_in_the_readmes_table(command: str) -> None:
    assert re.search(rf"^\| `(?:python build\.py|txplan) {re.escape(command)}\b", README, re.MULTILINE), command


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: txplan {command}")
