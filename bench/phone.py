"""Calls per machine for the telephony bridge, measured over real AudioSocket calls.

The bridge runs as `assistant phone` in its own process, as in production.
At each load level N, N callers (the AudioSocket test client) call at once,
0.5 s apart. Each caller talks over the greeting with a recorded question
(8 kHz, as a phone line carries it), listens to the whole answer, asks a second
question, listens again and hangs up. First reply audio is timed at the caller,
from the last frame of its speech to the first frame of the answer, so it
includes the bridge's endpointing silence. N grows until the 95th percentile
passes 1.5 s (levels 1-3 are always measured, to show how latency grows);
calls per machine is the largest N up to which every level kept it.

Barge-in (`barge_in`), on one call at a time: real backchannels cut from
recordings, synthesized coughs and recorded questions are said 1 s into the
greeting; timed at the caller from the first sound to the last greeting frame
before a pause, and what the bridge did (paused, resumed, cut) is read from its
log. Callers whose line echoes the greeting back (120 ms later, 12 dB down, over
line noise) only listen, on a bridge with the echo check and on one without it.
Before barge-in was judged, every utterance the voice detector opened on cut
the reply: the "before" false-interruption rate is the share that paused it.
"""

from __future__ import annotations

import asyncio
import json
import os
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
import psutil

from assistant.adapters.phone.client import Caller, LineEcho, phone_audio
from assistant.adapters.phone.protocol import PHONE_RATE
from assistant.audio import resample, to_int16, trim_silence
from assistant.config import PROJECT_ROOT, PhoneVadSettings, Settings
from assistant.evaluation import datasets
from assistant.evaluation.barge_in import Interjection, backchannels, coughs, heard_as_speech, questions
from assistant.testing import free_port

TARGET_S = 1.5
MIN_LEVELS = 3  # measured even past the target, to show how latency grows with calls
MAX_LEVEL = 6
QUESTIONS_PER_CALL = 2
STAGGER_S = 0.5
_TURN = re.compile(r"call \S+: turn (.*)$")
_BARGE = re.compile(r"call (\S+): reply \d+ (paused|resumed|cut) \((\w+)\)")
BARGE_QUESTIONS = 6
ECHO_CALLS = 3


def _pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3)


def _start_bridge(port: int, turns: list[dict], barge: dict[str, list[tuple[str, str]]] | None = None,
                  config: Path | None = None) -> subprocess.Popen:
    """`assistant phone` in its own process; the stage timings it logs for each turn go to `turns`,
    what each call's replies did when spoken over to `barge[call id]` as (paused|resumed|cut, reason)."""
    options = ["--config", str(config)] if config else []
    bridge = subprocess.Popen(
        [sys.executable, "-m", "assistant", *options, "phone", "--listen", f"127.0.0.1:{port}",
         "--max-calls", str(MAX_LEVEL)], cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    lines = bridge.stderr
    assert lines is not None  # stderr=PIPE

    def watch() -> None:  # also keeps the pipe drained while the bridge runs
        for line in lines:
            if "phone bridge listening" in line:
                ready.set()
            elif (timings := _TURN.search(line)) and "stt=" in line:
                turns.append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)ms", timings.group(1))})
            elif barge is not None and (did := _BARGE.search(line)):
                barge[did.group(1)].append((did.group(2), did.group(3)))

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(300):
        bridge.kill()
        raise RuntimeError("the phone bridge did not start within 300 s")
    return bridge


async def _caller(port: int, delay: float, questions: list) -> dict:
    await asyncio.sleep(delay)
    caller = await Caller.connect("127.0.0.1", port)
    first_audio_s: list[float] = []
    barge_in_s: list[float] = []
    missed = 0
    greeting = await caller.wait_audio(time.monotonic(), timeout=30)
    await asyncio.sleep(1.0)
    for number, clip in enumerate(questions):
        started, ended = await caller.say(clip)
        heard = caller.audio(started)
        if number == 0 and greeting is not None and heard:
            barge_in_s.append(caller.stopped_after(started))
        first = await caller.wait_audio(ended + 0.05, timeout=60)
        if first is None:
            missed += 1
            continue
        first_audio_s.append(first - ended)
        await caller.wait_quiet(1.5, timeout=120)
    await caller.hang_up()
    return {"first_audio_s": first_audio_s, "barge_in_s": barge_in_s, "missed": missed}


async def _level(port: int, calls: int, clips: list) -> dict:
    jobs = [_caller(port, k * STAGGER_S, [clips[(k * QUESTIONS_PER_CALL + q) % len(clips)]
                                          for q in range(QUESTIONS_PER_CALL)]) for k in range(calls)]
    results = await asyncio.gather(*jobs)
    first = [v for r in results for v in r["first_audio_s"]]
    barge = [v for r in results for v in r["barge_in_s"]]
    return {
        "calls": calls,
        "turns": len(first),
        "missed_replies": sum(r["missed"] for r in results),
        "first_audio_s_p50": _pct(first, 50) if first else None,
        "first_audio_s_p95": _pct(first, 95) if first else None,
        "first_audio_s_max": round(max(first), 3) if first else None,
        "barge_in_stop_s_p50": _pct(barge, 50) if barge else None,
        "barge_in_stop_s_max": round(max(barge), 3) if barge else None,
    }


def _interjections() -> list[Interjection]:
    """What is said over the greeting: those the phone's voice detector opens on (the rest cannot pause it)."""
    from assistant.stt.transcriber import Transcriber

    manifest = datasets.SPEECH_MANIFEST
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


def run_barge_in() -> dict:
    """Barge-in alone (`python -m bench.phone barge_in`)."""
    barge: dict[str, list[tuple[str, str]]] = defaultdict(list)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        without = Path(folder) / "no-echo-check.toml"
        without.write_text("[phone]\necho_guard = false\n")
        for name, config in (("echo_check", None), ("no_echo_check", without)):
            port = free_port()
            bridge = _start_bridge(port, [], barge, config)
            try:
                # Both ways, in the same run: what the echo check costs the time to silence.
                results[name] = _barge_in(port, barge)
                results[name]["echo_calls"] = _echo_calls(port, barge)
            finally:
                bridge.terminate()
                bridge.wait(30)
    return results


def run() -> dict:
    clips = [trim_silence(phone_audio(clip.path), PHONE_RATE) for clip in datasets.questions()[:2 * MAX_LEVEL * 2]]
    load_before = os.getloadavg()[0]
    port = free_port()
    turns: list[dict] = []
    bridge = _start_bridge(port, turns)
    levels = []
    try:
        for calls in range(1, MAX_LEVEL + 1):
            logged = len(turns)
            level = asyncio.run(_level(port, calls, clips))
            level["bridge_stt_ms_p50"] = _pct([t["stt"] for t in turns[logged:]], 50) if turns[logged:] else None
            level["bridge_rss_mb"] = round(psutil.Process(bridge.pid).memory_info().rss / 2**20)
            levels.append(level)
            print(json.dumps(level), file=sys.stderr, flush=True)
            if calls >= MIN_LEVELS and (level["missed_replies"] or (level["first_audio_s_p95"] or 99) > TARGET_S):
                break
    finally:
        bridge.terminate()
        bridge.wait(30)
    capacity = 0
    for level in levels:
        if level["missed_replies"] or (level["first_audio_s_p95"] or 99) > TARGET_S:
            break
        capacity = level["calls"]
    barge_in = run_barge_in()
    return {
        "barge_in": barge_in,
        "calls_per_machine": capacity,
        "target_first_audio_s": TARGET_S,
        "cpu_cores": os.cpu_count(),
        # Other work on the machine shows here; the figures are only as good as it is low.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "levels": levels,
    }


if __name__ == "__main__":
    print(json.dumps(run_barge_in() if sys.argv[1:] == ["barge_in"] else run(), indent=2))
