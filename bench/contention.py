"""Recognition when something else runs on the machine: a fixed background load, per setting.

    python -m bench contention [--clips N] [--background 0,1,2] [--json]

The kiosk's own browser, another call's synthesis or any other job takes CPU
from recognition. This streams real question clips through a session at live
pace (`voice_turn.live_turn`: the trailing silence in real time, so early
recognition runs as it does live) while B busy-loop processes run, B = 0, 1, 2,
and reports per setting how long recognition still took after the turn
ended and how long the resident waited for the first reply audio. Settings:
Whisper's own 30 s window with two recognition threads (the settings before
issue 14), and the fitted window with two threads and with one; `shipped`
says which the defaults are.
Every adapter recognizes through the same session and queue, so what holds
here holds for the kiosk, the phone line and the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from assistant.audio import load_audio
from assistant.config import Settings, SttSettings
from assistant.core.engine import Engine
from assistant.core.session import Session
from assistant.evaluation.datasets import speech_clips

from .voice_turn import _pct, live_turn

SETTINGS: dict[str, dict[str, object]] = {
    "whisper-30s-window-2-threads": {"encoder_window_s": 30, "cpu_threads": 2},
    "15s-window-2-threads": {"encoder_window_s": 15, "cpu_threads": 2},
    "15s-window-1-thread": {"encoder_window_s": 15, "cpu_threads": 1},
}


def _busy_loops(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run(clips: int = 12, backgrounds: tuple[int, ...] = (0, 1, 2)) -> dict:
    questions = [c for c in speech_clips() if "question" in c.tags][:clips]
    audio = [load_audio(c.path) for c in questions]
    base = Settings.load()
    rows = []
    for name, stt in SETTINGS.items():
        variant = base.stt.model_copy(update=stt)
        shipped = all(getattr(variant, key) == getattr(SttSettings(), key) for key in stt)
        engine = Engine(base.model_copy(update={"stt": variant}))
        engine.warm_up(background=False)
        live_turn(Session(engine), audio[0])  # the first turn of a process also loads what loads lazily
        for busy in backgrounds:
            loops = _busy_loops(busy)
            cpu = time.process_time()
            try:
                turns = [t for a in audio if (t := live_turn(Session(engine), a)) is not None]
            finally:
                for loop in loops:
                    loop.kill()
            cpu = time.process_time() - cpu
            row = {"setting": name, "shipped": shipped, "background_busy_loops": busy, "turns": len(turns),
                   "stt_after_endpoint_ms_p50": _pct([t["stt"] for t in turns], 50),
                   "stt_after_endpoint_ms_p95": _pct([t["stt"] for t in turns], 95),
                   "speech_stop_to_first_audio_ms_p50": _pct([t["speech_stop"] for t in turns], 50),
                   "speech_stop_to_first_audio_ms_p95": _pct([t["speech_stop"] for t in turns], 95),
                   # The process's CPU time (all its threads) per turn: spinning threads show here.
                   "cpu_ms_per_turn": round(cpu * 1000 / max(len(turns), 1)),
                   "load_average": round(os.getloadavg()[0], 2)}
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
        engine.recognition.close()
    return {"clips": len(audio), "cpu_cores": os.cpu_count(), "rows": rows}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench contention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--background", default="0,1,2", help="busy-loop process counts, comma-separated")
    parser.add_argument("--json", action="store_true", help="print only the result, as one line of JSON")
    args = parser.parse_args(argv)
    result = run(args.clips, tuple(int(n) for n in args.background.split(",")))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
