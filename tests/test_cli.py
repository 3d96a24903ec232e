"""Every row of the table of command-line mistakes in docs/cli.md, run as written.

The table is the documentation and the test at once: a row that stops being true fails here.
Each mistake must be reported before any model loads (the tier guard in conftest.py fails a row
that loads one), with its exit code and message, without a traceback, and without creating
anything (the folders named in the mistaken paths stay absent).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import PROJECT_ROOT

TABLE = PROJECT_ROOT / "docs" / "cli.md"
# Rows that open a socket to find out (the address cannot be listened on): not for the fast tier.
NEEDS_A_SOCKET = ("assistant kiosk --host",)
NEVER_CREATED = (Path("/nonexistent"),)


def _rows() -> list:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\| `(assistant [^`]*)` \| (\d) \| (.*) \|", line.strip())
        if match:
            command, code, message = match.groups()
            marks = [pytest.mark.e2e] if command.startswith(NEEDS_A_SOCKET) else []
            rows.append(pytest.param(command, int(code), message, marks=marks, id=command))
    return rows


ROWS = _rows()


@pytest.fixture()
def workdir(tmp_path, monkeypatch) -> Path:
    """The folder the table's commands run in, holding the files it names."""
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("이건 소리가 아닙니다", encoding="utf-8")
    (tmp_path / "bad.toml").write_text("x = \n", encoding="utf-8")
    (tmp_path / "typo.toml").write_text("[stt]\nbeam = 3\n", encoding="utf-8")
    (tmp_path / "no-clips.yaml").write_text("turns:\n  - audio: clips/q1.flac\n", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text("this is not json\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_table_holds_the_mistakes_the_issue_names():
    commands = {row.values[0] for row in ROWS}
    assert len(ROWS) >= 30
    assert {'assistant ask 기초연금 --rate -1', 'assistant ask 기초연금 --rate 0', 'assistant ask "   "',
            'assistant ask ""', 'assistant ask 기초연금 --out /etc/passwd/x.wav',
            'assistant ask 기초연금 --out /nonexistent/x.wav', 'assistant run-script no-clips.yaml'} <= commands


@pytest.mark.parametrize("command, code, message", ROWS)
def test_a_mistake_gets_its_message_and_exit_code(workdir, command, code, message):
    before = sorted(p.name for p in workdir.iterdir())
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.exit_code == code, result.output
    assert message in result.output
    # A clean exit with its code, not an exception that escaped the command.
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output, repr(result.exception)
    assert not any(path.exists() for path in NEVER_CREATED)
    # Nothing is written but the reports run-script always leaves.
    assert sorted(p.name for p in workdir.iterdir() if p.name != "reports") == before
