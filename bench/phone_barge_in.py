"""Barge-in over the phone line, measured over real AudioSocket calls (part of `python -m bench phone`;
alone: `python -m bench.phone barge_in`).

On one call at a time: real backchannels cut from recordings, synthesized
coughs and recorded questions are said 1 s into the greeting; timed at the
caller from the first sound to the last greeting frame before a pause, and
what the bridge did (paused, resumed, cut) is read from its log. Callers whose
line echoes the greeting back (120 ms later, 12 dB down, over line noise) only
listen, on a bridge with the echo check and on one without it. Before barge-in
was judged, every utterance the voice detector opened on cut the reply: the
"before" false-interruption rate is the share that paused it.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from assistant.adapters.phone.client import Caller, LineEcho
from assistant.adapters.phone.protocol import PHONE_RATE
from assistant.audio import resample, to_int16
from assistant.config import PROJECT_ROOT, PhoneVadSettings, Settings
from assistant.evaluation.barge_in import Interjection, backchannels, coughs, heard_as_speech, questions
from assistant.evaluation.datasets import SPEECH_MANIFEST
from assistant.testing import free_port

_BARGE = re.compile(r"call (\S+): reply \d+ (paused|resumed|cut) \((\w+)\)")
BARGE_QUESTIONS = 6
ECHO_CALLS = 3


def _pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3)


def _start_bridge(port: int, barge: dict[str, list[tuple[str, str]]], config: Path | None = None) -> subprocess.Popen:
    """`assistant phone` in its own process; what each call's replies did when spoken over
    goes to `barge[call id]` as (paused|resumed|cut, reason)."""
    options = ["--config", str(config)] if config else []
    bridge = subprocess.Popen(
        [sys.executable, "-m", "assistant", *options, "phone", "--listen", f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()

    def watch() -> None:  # also keeps the pipe drained while the bridge runs
        assert bridge.stderr is not None
        for line in bridge.stderr:
            if "phone bridge listening" in line:
                ready.set()
            elif did := _BARGE.search(line):
                barge[did.group(1)].append((did.group(2), did.group(3)))

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(300):
        bridge.kill()
        raise RuntimeError("the phone bridge did not start within 300 s")
    return bridge


def _interjections() -> list[Interjection]:
    """What is said over the greeting: those the phone's voice detector opens on (the rest cannot pause it)."""
    from assistant.stt.transcriber import Transcriber

    manifest = SPEECH_MANIFEST
    made = [*backchannels(manifest, Transcriber.load(Settings.load().stt)), *coughs(8),
            *questions(manifest, BARGE_QUESTIONS)]
    return [c for c in made if heard_as_speech(c.audio, PhoneVadSettings())]


async def _over_the_greeting(port: int, audio: np.ndarray) -> dict:
    caller = await Caller.connect("127.0.0.1", port)
    await caller.wait_audio(time.monotonic(), timeout=30)
    await asyncio.sleep(1.0)
    started, _ = await caller.say(audio)
    await asyncio.sleep(4.0)  # long enough to be judged and resumed, or cut
    stopped = caller.stopped_after(started)
    await caller.hang_up()
    return {"id": str(caller.call_id), "stopped_s": stopped}


async def _listening_with_echo(port: int) -> dict:
    caller = await Caller.connect("127.0.0.1", port, echo=LineEcho())
    connected = time.monotonic()
    await caller.wait_audio(connected, timeout=30)
    await caller.wait_quiet(1.5, timeout=60)
    await caller.hang_up()
    return {"id": str(caller.call_id)}


def _outcome(did: list[tuple[str, str]]) -> str:
    """What a reply did about one utterance over it: not_paused, resumed or cut."""
    if any(what == "cut" for what, _ in did):
        return "cut"
    return "resumed" if did else "not_paused"


def _barge_in(port: int, barge: dict[str, list[tuple[str, str]]]) -> dict:
    interjections = _interjections()
    results: dict[str, list[dict]] = defaultdict(list)
    silent_after: list[float] = []
    for case in interjections:
        call = asyncio.run(_over_the_greeting(port, to_int16(resample(case.audio, 16000, PHONE_RATE))))
        time.sleep(0.5)  # the bridge logs the call's end
        did = barge[call["id"]]
        if did:
            silent_after.append(call["stopped_s"])
        results[case.kind].append({"outcome": _outcome(did), "reasons": [r for w, r in did if w != "paused"]})
    by_kind = {kind: {"n": len(rows), **Counter(r["outcome"] for r in rows),
                      "reasons": dict(Counter(reason for r in rows for reason in r["reasons"]))}
               for kind, rows in results.items()}
    not_turns = [r for kind in ("backchannel", "cough") for r in results[kind]]
    return {
        "onset_to_silence_s": {"n": len(silent_after), "p50": _pct(silent_after, 50), "p95": _pct(silent_after, 95),
                               "max": round(max(silent_after), 3)} if silent_after else None,
        **by_kind,
        # Backchannels and coughs the detector opened on that cut the reply; before, all that paused it.
        "false_interruption_rate": round(sum(r["outcome"] == "cut" for r in not_turns) / len(not_turns), 3),
        "false_interruption_rate_before": round(sum(r["outcome"] != "not_paused" for r in not_turns)
                                                / len(not_turns), 3),
    }


def _echo_calls(port: int, barge: dict[str, list[tuple[str, str]]]) -> dict:
    ids = [asyncio.run(_listening_with_echo(port))["id"] for _ in range(ECHO_CALLS)]
    time.sleep(0.5)
    outcomes = [_outcome(barge[i]) for i in ids]
    return {"calls": len(ids), "paused": sum(o != "not_paused" for o in outcomes),
            "cut": sum(o == "cut" for o in outcomes)}


def run() -> dict:
    """Barge-in on a bridge with the echo check and on one without it."""
    barge: dict[str, list[tuple[str, str]]] = defaultdict(list)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        without = Path(folder) / "no-echo-check.toml"
        without.write_text("[phone]\necho_guard = false\n")
        for name, config in (("echo_check", None), ("no_echo_check", without)):
            port = free_port()
            bridge = _start_bridge(port, barge, config)
            try:
                # Both ways, in the same run: what the echo check costs the time to silence.
                results[name] = _barge_in(port, barge)
                results[name]["echo_calls"] = _echo_calls(port, barge)
            finally:
                bridge.terminate()
                bridge.wait(30)
    return results
