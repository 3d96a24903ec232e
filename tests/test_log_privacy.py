"""The log policy (docs/architecture.md, "Privacy") on every adapter's real logs.

Each adapter is asked a question holding a resident registration number, a phone number and a
name, and everything it logs is read: above DEBUG no resident's words at all, at DEBUG the
question masked, at no level a personal number. Each test also finds the masked question at DEBUG,
so it fails if a question reached the log unmasked or above DEBUG.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import pytest

from assistant.evaluation.datasets import SPEECH_DIR

NAME = "김철수"
QUESTION = f"저는 {NAME}인데요, 주민번호 900101-1234567이고 전화번호는 010-2345-6789예요. 기초연금 신청하려면 어떻게 해요?"
MASKED = f"asked: 저는 {NAME}인데요, 주민번호 ******-*******이고 전화번호는 ***-****-****예요."
NUMBERS = ("900101", "1234567", "2345", "6789")
# The resident's own words: none may appear in a line above DEBUG.
RESIDENT_WORDS = (NAME, "주민번호", "전화번호는", "신청하려면")
# `assistant` processes log "2026-01-01 10:00:00,000 LEVEL logger: message"; other lines continue the record.
_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def _stderr_records(stderr: str) -> list[tuple[int, str]]:
    records: list[tuple[int, str]] = []
    for line in stderr.splitlines():
        if match := _RECORD.match(line):
            records.append((logging.getLevelName(match.group(1)), line))
        elif records:
            records[-1] = (records[-1][0], records[-1][1] + "\n" + line)
    return records


def assert_policy(records: list[tuple[int, str]], resident_words=RESIDENT_WORDS, masked: str | None = MASKED) -> None:
    assert records, "nothing was logged at all"
    for level, text in records:
        assert not [n for n in NUMBERS if n in text], text
        if level > logging.DEBUG:
            assert not [w for w in resident_words if w in text], text
    if masked is not None:
        assert any(level == logging.DEBUG and masked in text for level, text in records), \
            "the masked question was not logged at DEBUG"


def _caplog_records(caplog) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records]


@pytest.mark.parametrize("verbose", [False, True], ids=["info", "debug"])
def test_cli_ask(run_assistant, verbose):
    result = run_assistant(*(["-v"] if verbose else []), "ask", QUESTION, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["query"] == QUESTION  # the answer itself is output, not a log
    records = _stderr_records(result.stderr)
    if verbose:
        assert_policy(records)
    else:  # by default nothing of the question is logged, not even masked
        assert not [text for _, text in records if "asked" in text or NAME in text]
        assert not [text for _, text in records for n in NUMBERS if n in text]


def test_scenario_runner(run_assistant, tmp_path):
    scenario = tmp_path / "personal.yaml"
    scenario.write_text(f"name: 개인정보\nturns:\n  - text: \"{QUESTION}\"\n", encoding="utf-8")
    result = run_assistant("-v", "run-script", str(scenario), "--no-progress", "--report", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert_policy(_stderr_records(result.stderr))


def test_kiosk_server(open_kiosk, caplog):
    """A typed question, then 상담원 연결 on a kiosk with a staff page (the request carries the question)."""
    from websockets.sync.client import connect

    from assistant.adapters.kiosk.server import create_app
    from assistant.config import KioskSettings
    from assistant.testing import of_type, receive_until, serving

    settings = open_kiosk.settings.model_copy(update={"kiosk": KioskSettings(audio_source="browser",
                                                                             staff_token="privacy-test-token")})
    with caplog.at_level(logging.DEBUG), serving(create_app(settings, open_kiosk.engine)) as port, \
            connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10, max_size=None) as ws:
        receive_until(ws, of_type("state", state="ready"), timeout=30)
        ws.send(json.dumps({"type": "ask", "text": QUESTION}))
        turn = receive_until(ws, of_type("Timings"))
        ws.send(json.dumps({"type": "agent"}))
        handoff = receive_until(ws, of_type("agent"), timeout=30)[-1]
    assert any(of_type("Answer")(m) for m in turn) and handoff["staff"] is not None
    records = _caplog_records(caplog)
    assert_policy(records)
    assert any("staff request" in text for level, text in records if level == logging.INFO)


@pytest.mark.skipif(not SPEECH_DIR.exists(), reason=f"{SPEECH_DIR} not found: a call needs real speech")
def test_phone_bridge(engine, caplog):
    """A call has no typed path: a real recorded question, and every word recognized in it."""
    from phone_support import bridge, main_server

    from assistant.adapters.phone.client import Caller, phone_audio, trim_silence
    from assistant.core.events import Transcript

    _, address = main_server(engine)

    async def call() -> str:
        caller = await Caller.connect(*address)
        await caller.wait_audio(time.monotonic(), timeout=30)
        _, ended = await caller.say(trim_silence(phone_audio(SPEECH_DIR / "emotiontts/pma/pma00005.flac")))
        await caller.wait_audio(ended + 0.05, timeout=60)
        await caller.hang_up()
        return str(caller.call_id)

    with caplog.at_level(logging.DEBUG):
        call_id = asyncio.run(call())
        deadline = time.monotonic() + 10
        while not any(call_id in m and "ended" in m for m in caplog.messages) and time.monotonic() < deadline:
            time.sleep(0.05)
    heard = [e.text for _, e in bridge().events[call_id] if isinstance(e, Transcript) and e.text]
    assert heard, "the bridge recognized nothing"
    words = tuple(w for text in heard for w in re.findall(r"[가-힣]{2,}", text))
    assert_policy(_caplog_records(caplog), resident_words=words, masked=f"heard: {heard[0]}")
    assert any(call_id in m for level, m in _caplog_records(caplog) if level == logging.INFO)  # calls are named
