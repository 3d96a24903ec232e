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
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

import psutil

from assistant.adapters.phone.client import Caller, phone_audio, trim_silence
from assistant.config import PROJECT_ROOT

SPEECH = PROJECT_ROOT.parent / "shared" / "eval" / "speech"
TARGET_S = 1.5
MIN_LEVELS = 3  # measured even past the target, to show how latency grows with calls
MAX_LEVEL = 6
QUESTIONS_PER_CALL = 2
STAGGER_S = 0.5
_TURN = re.compile(r"call \S+: turn (.*)$")


def _pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_bridge(port: int, turns: list[dict]) -> subprocess.Popen:
    """`assistant phone` in its own process; the stage timings it logs for each turn go to `turns`."""
    bridge = subprocess.Popen(
        [sys.executable, "-m", "assistant", "phone", "--listen", f"127.0.0.1:{port}", "--max-calls", str(MAX_LEVEL)],
        cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()

    def watch() -> None:  # also keeps the pipe drained while the bridge runs
        for line in bridge.stderr:
            if "phone bridge listening" in line:
                ready.set()
            elif (timings := _TURN.search(line)) and "stt=" in line:
                turns.append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)ms", timings.group(1))})

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(300):
        bridge.kill()
        raise RuntimeError("the phone bridge did not start within 300 s")
    return bridge


async def _caller(port: int, delay: float, questions: list) -> dict:
    await asyncio.sleep(delay)
    caller = await Caller.connect("127.0.0.1", port)
    result = {"first_audio_s": [], "barge_in_s": [], "missed": 0}
    greeting = await caller.wait_audio(time.monotonic(), timeout=30)
    await asyncio.sleep(1.0)
    for number, clip in enumerate(questions):
        started, ended = await caller.say(clip)
        heard = caller.audio(started)
        if number == 0 and greeting is not None and heard:
            stops = [a.at for a, b in zip(heard, heard[1:]) if b.at - a.at > 0.15]
            result["barge_in_s"].append((stops[0] if stops else heard[-1].at) - started)
        first = await caller.wait_audio(ended + 0.05, timeout=60)
        if first is None:
            result["missed"] += 1
            continue
        result["first_audio_s"].append(first - ended)
        await caller.wait_quiet(1.5, timeout=120)
    await caller.hang_up()
    return result


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


def run() -> dict:
    rows = [json.loads(line) for line in (SPEECH / "manifest.jsonl").read_text().splitlines() if line.strip()]
    clips = [trim_silence(phone_audio(SPEECH / r["path"])) for r in rows if "question" in r["tags"]][:2 * MAX_LEVEL * 2]
    load_before = os.getloadavg()[0]
    port = _free_port()
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
    return {
        "calls_per_machine": capacity,
        "target_first_audio_s": TARGET_S,
        "cpu_cores": os.cpu_count(),
        # Other work on the machine shows here; the figures are only as good as it is low.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "levels": levels,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
