"""Calls per machine for the telephony bridge, measured over real AudioSocket calls.

    python -m bench phone [--calls N] [--questions Q] [--background B] [--no-barge-in] [--json]
    python -m bench.phone barge_in          # barge-in alone (bench/phone_barge_in.py)

The bridge runs as `assistant phone` in its own process, as in production,
with the audio cache off (the same questions are asked at every level; a
cached answer would flatter the later ones). Callers are the AudioSocket test
client: each speaks real recorded questions (resampled to 8 kHz and passed
through G.711 μ-law, as a line carries them) at live pace, the first one over
the greeting, listens to each whole answer and hangs up. First reply audio is
timed at the caller, from the last frame of its speech to the first frame of
the answer, so it includes the bridge's endpointing silence.

Phases, all in one run so that the ratios hold on a busy machine:
1. single call: the N callers' calls one after another (`single_call_p95_ms`);
2. levels 2..N: that many callers at once, starting `STAGGER_S` apart;
3. bad input: the N callers again, while a caller sends garbage bytes, one
   hangs up in the middle of each reply and one stays silent;
4. memory: `--leak-calls` short calls of every kind (a question cut by a
   hang-up, silence, garbage, a key, a dropped socket), the bridge's memory,
   threads and open files after the first 20 and after all of them;
5. CER of the bridge's recognizer through the telephone channel on the whole
   `../shared/eval/speech` set (`assistant eval speech --telephone`).

A level meets the p95 rule when no reply was missed and its first-audio p95 is
at most 1.5 s and at most 1.3 x the single-call p95; `calls_per_machine` is
the largest N up to which every level met it. `--background B` runs B
busy-loop processes during phases 1-3 (a fixed load, to see how the bridge
degrades when something else runs on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.adapters.phone.client import Caller, phone_audio
from assistant.adapters.phone.process import BridgeProcess
from assistant.adapters.phone.protocol import FRAME_S, PHONE_RATE
from assistant.audio import trim_silence
from assistant.config import PROJECT_ROOT
from assistant.evaluation.datasets import SPEECH_DIR

TARGET_MS = 1500.0
MAX_RATIO = 1.3
STAGGER_S = 0.5
LEAK_STREAMS = 4
LEAK_FIRST = 20
LEAK_TOLERANCE = 0.05
QUIET_S = 1.5  # a caller speaks again after this much silence from the line


@dataclass(frozen=True)
class Question:
    samples: np.ndarray  # int16 8 kHz, μ-law line audio, trimmed to its speech
    text: str


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


async def _idle(bridge: BridgeProcess, timeout: float = 120) -> None:
    """Until the bridge carries no call (every hang-up has been processed)."""
    deadline = time.monotonic() + timeout
    while bridge.health()["active_calls"] and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)


def _bench_config(folder: Path, voice: str | None = None) -> Path:
    """Settings for the bridge under test: the defaults (or `voice`), with the audio cache off."""
    config = folder / "bench-phone.toml"
    lines = ["[tts]", "cache_max_mb = 0", *([f'voice = "{voice}"'] if voice else [])]
    config.write_text("\n".join(lines) + "\n")
    return config


# --- callers ------------------------------------------------------------------------------
async def _ask(caller: Caller, question: Question) -> tuple[float | None, float]:
    """Say a question; (ms from the end of speech to the first reply audio or None, end of speech)."""
    _, ended = await caller.say(question.samples)
    first = await caller.wait_audio(ended + 0.05, timeout=60)
    return (None if first is None else (first - ended) * 1000), ended


async def _good_caller(port: int, delay: float, questions: list[Question]) -> dict:
    await asyncio.sleep(delay)
    caller = await Caller.connect("127.0.0.1", port)
    first_audio: list[float] = []
    cycles: list[float] = []  # question + answer + the pause before the next, in audio seconds
    missed = 0
    await caller.wait_audio(time.monotonic(), timeout=30)  # the greeting has begun
    await asyncio.sleep(1.0)
    for question in questions:
        ms, ended = await _ask(caller, question)
        if ms is None:
            missed += 1
            continue
        first_audio.append(ms)
        await caller.wait_quiet(QUIET_S, timeout=120)
        answer_s = len(caller.audio(ended)) * FRAME_S
        cycles.append(len(question.samples) / PHONE_RATE + answer_s + QUIET_S)
    await caller.hang_up()
    return {"first_audio_ms": first_audio, "missed": missed, "cycles_s": cycles}


async def _garbage_caller(port: int, until: asyncio.Event) -> None:
    caller = await Caller.connect("127.0.0.1", port)
    rng = random.Random(14)
    while not until.is_set() and not caller.closed_by_peer:
        caller.writer.write(rng.randbytes(320))
        await asyncio.sleep(0.02)
    await caller.close()


async def _hang_up_mid_reply_caller(port: int, questions: list[Question]) -> None:
    for question in questions:
        caller = await Caller.connect("127.0.0.1", port)
        await caller.wait_audio(time.monotonic(), timeout=30)
        _, ended = await _ask(caller, question)
        await asyncio.sleep(0.5)
        await caller.hang_up()


async def _silent_caller(port: int, until: asyncio.Event) -> None:
    caller = await Caller.connect("127.0.0.1", port)
    await until.wait()
    await caller.hang_up()


def _summary(results: list[dict]) -> dict:
    values = [v for r in results for v in r["first_audio_ms"]]
    cycles = [c for r in results for c in r.get("cycles_s", ())]
    return {"turns": len(values), "missed_replies": sum(r["missed"] for r in results),
            "first_audio_p50_ms": _pct(values, 50), "first_audio_p95_ms": _pct(values, 95),
            "first_audio_max_ms": round(max(values), 1) if values else None,
            "turn_cycle_s": round(statistics.mean(cycles), 2) if cycles else None, "values": values}


async def _single(port: int, sets: list[list[Question]]) -> dict:
    return _summary([await _good_caller(port, 0, questions) for questions in sets])


async def _level(port: int, sets: list[list[Question]]) -> dict:
    return _summary(list(await asyncio.gather(*(_good_caller(port, k * STAGGER_S, q) for k, q in enumerate(sets)))))


async def _with_bad_callers(port: int, sets: list[list[Question]], spare: list[Question]) -> dict:
    until = asyncio.Event()
    bad = [asyncio.create_task(_garbage_caller(port, until)), asyncio.create_task(_silent_caller(port, until)),
           asyncio.create_task(_hang_up_mid_reply_caller(port, spare))]
    good = await _level(port, sets)
    until.set()
    await asyncio.gather(*bad, return_exceptions=True)
    # Whatever the bad callers did, a new caller is still greeted.
    probe = await Caller.connect("127.0.0.1", port)
    greeted = await probe.wait_audio(time.monotonic(), timeout=30) is not None
    await probe.hang_up()
    return {**good, "bridge_still_greets": greeted}


# --- memory -------------------------------------------------------------------------------
async def _short_call(port: int, kind: int, question: Question) -> None:
    caller = await Caller.connect("127.0.0.1", port)
    with contextlib.suppress(ConnectionError):
        await caller.wait_audio(time.monotonic(), timeout=30)
        if kind == 0:  # a question, cut by a hang-up as the answer starts
            await _ask(caller, question)
            await caller.hang_up()
        elif kind == 1:  # a second of silence
            await asyncio.sleep(1.0)
            await caller.hang_up()
        elif kind == 2:  # garbage
            caller.writer.write(random.Random(kind).randbytes(4000))
            await asyncio.sleep(0.5)
            await caller.close()
        elif kind == 3:  # a key, then a hang-up
            caller.press("9")
            await asyncio.sleep(0.5)
            await caller.hang_up()
        else:  # the socket dropped without a hangup frame
            await asyncio.sleep(0.3)
            await caller.close()


async def _calls(port: int, first: int, count: int, questions: list[Question]) -> None:
    async def stream(lane: int) -> None:
        for number in range(first + lane, first + count, LEAK_STREAMS):
            await _short_call(port, number % 5, questions[number % len(questions)])

    await asyncio.gather(*(stream(lane) for lane in range(LEAK_STREAMS)))


async def _memory(bridge: BridgeProcess, calls: int, questions: list[Question]) -> dict:
    await _calls(bridge.port, 0, LEAK_FIRST, questions)
    await _idle(bridge)
    after_first = bridge.footprint()
    await _calls(bridge.port, LEAK_FIRST, calls - LEAK_FIRST, questions)
    await _idle(bridge)
    after_all = bridge.footprint()
    growth = after_all["rss_mb"] / after_first["rss_mb"] - 1
    return {"calls": calls, f"after_{LEAK_FIRST}": after_first, f"after_{calls}": after_all,
            "rss_growth": round(growth, 4), "within_tolerance": growth <= LEAK_TOLERANCE,
            "threads_back_to_start": after_all["threads"] <= after_first["threads"],
            "health_after": bridge.health()}


# --- the run ------------------------------------------------------------------------------
def _questions() -> list[Question]:
    rows = [json.loads(line) for line in (SPEECH_DIR / "manifest.jsonl").read_text().splitlines() if line.strip()]
    return [Question(trim_silence(phone_audio(SPEECH_DIR / r["path"]), PHONE_RATE), r["text"]) for r in rows
            if "question" in r.get("tags", ())]


def _telephone_cer(bridge: BridgeProcess) -> float:
    out = subprocess.run([sys.executable, "-m", "assistant", "eval", "speech", "--manifest",
                          str(SPEECH_DIR / "manifest.jsonl"), "--telephone", "--json"],
                         cwd=PROJECT_ROOT, env=bridge.env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["cer"]


def _meets(level: dict, single_p95: float) -> bool:
    p95 = level["first_audio_p95_ms"]
    return (not level["missed_replies"] and p95 is not None and p95 <= TARGET_MS
            and p95 <= MAX_RATIO * single_p95)


def _busy_loops(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run(calls: int = 4, questions: int = 3, background: int = 0, leak_calls: int = 200, bad_input: bool = True,
        with_cer: bool = True, barge_in: bool = True, voice: str | None = None,
        progress: Callable[[str], None] = lambda line: None) -> dict:
    pool = _questions()
    sets = [pool[k * questions:(k + 1) * questions] for k in range(calls)]
    spare = pool[calls * questions:calls * questions + 4]

    def phase(name: str, job: Coroutine[Any, Any, dict]) -> dict:
        cpu_before = bridge.cpu_s()
        result = asyncio.run(job)
        if result.get("turns"):
            # CPU time hardly depends on what else runs: what one turn costs the machine.
            result["bridge_cpu_s_per_turn"] = round((bridge.cpu_s() - cpu_before) / result["turns"], 3)
        progress(f"{name}: " + json.dumps(_public(result)))
        return result

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        bridge = BridgeProcess(max_calls=calls + 3, config=_bench_config(Path(folder), voice)).ready()
        try:
            busy = _busy_loops(background)
            try:
                single = phase("single call", _single(bridge.port, sets))
                levels = [phase(f"{n} calls", _level(bridge.port, sets[:n])) for n in range(2, calls + 1)]
                bad = phase("bad input", _with_bad_callers(bridge.port, sets, spare)) if bad_input else None
            finally:
                for process in busy:
                    process.kill()
            memory = phase("memory", _memory(bridge, leak_calls, pool)) if leak_calls > LEAK_FIRST else None
            cer = _telephone_cer(bridge) if with_cer else None
        finally:
            bridge.stop()
    single_p95 = single["first_audio_p95_ms"] or float("inf")
    capacity = 0
    if not single["missed_replies"] and single_p95 <= TARGET_MS:
        capacity = 1
        for n, level in enumerate(levels, start=2):
            if not _meets(level, single_p95):
                break
            capacity = n
    top = levels[-1] if levels else single
    cores = os.cpu_count() or 1
    return {
        "calls": calls,
        "first_audio_p50_ms": top["first_audio_p50_ms"],
        "first_audio_p95_ms": top["first_audio_p95_ms"],
        "single_call_p95_ms": single["first_audio_p95_ms"],
        "cer": cer,
        "calls_per_machine": capacity,
        "ratio_p95": round(top["first_audio_p95_ms"] / single_p95, 2) if top["first_audio_p95_ms"] else None,
        "single_call_p50_ms": single["first_audio_p50_ms"],
        # Callers the cores could carry at the bench's pace if nothing else ran: each caller
        # needs one turn's CPU per turn cycle (question, answer, pause); load-independent.
        "calls_by_cpu_budget": round(cores * top["turn_cycle_s"] / top["bridge_cpu_s_per_turn"], 1)
        if top.get("bridge_cpu_s_per_turn") and top["turn_cycle_s"] else None,
        "levels": [{"calls": 1, **_public(single)},
                   *({"calls": n, **_public(level), "meets_p95_rule": _meets(level, single_p95)}
                     for n, level in enumerate(levels, start=2))],
        "bad_input": None if bad is None else {**_public(bad), "meets_p95_rule": _meets(bad, single_p95)},
        "memory": memory,
        "barge_in": _barge_in() if barge_in else None,
        "questions_per_call": questions,
        "background_busy_loops": background,
        "voice": voice or "shipped",
        "cpu_cores": cores,
        # Other work on the machine shows here; absolute figures are only as good as it is low.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def _barge_in() -> dict:
    from . import phone_barge_in  # it uses this module's helpers

    return phone_barge_in.run()


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "values"}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench phone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4, help="the most callers at once (default 4)")
    parser.add_argument("--questions", type=int, default=3, help="questions per call (default 3)")
    parser.add_argument("--background", type=int, default=0, help="busy-loop processes during the timed phases")
    parser.add_argument("--leak-calls", type=int, default=200, help="short calls for the memory check (0: skip)")
    parser.add_argument("--no-bad-input", action="store_true", help="skip the bad-input phase")
    parser.add_argument("--no-cer", action="store_true", help="skip the telephone CER")
    parser.add_argument("--no-barge-in", action="store_true", help="skip the barge-in phase")
    parser.add_argument("--voice", default=None, help="tts.voice for the bridge (default: the shipped voice)")
    parser.add_argument("--json", action="store_true", help="print only the result, as one line of JSON")
    args = parser.parse_args(argv)
    result = run(args.calls, args.questions, args.background, args.leak_calls, not args.no_bad_input,
                 not args.no_cer, not args.no_barge_in, args.voice,
                 progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    if sys.argv[1:] == ["barge_in"]:
        print(json.dumps(_barge_in(), indent=2))
    else:
        main(sys.argv[1:])
