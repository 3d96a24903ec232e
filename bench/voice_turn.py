"""The whole voice turn on the real speech clips: end of speech to first reply audio.

Each clip is streamed through a session in 20 ms frames (as a microphone would
deliver it); the session's own timings give the stage latencies. Start-up is
measured in a fresh process: launch to the first spoken reply audio.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys

from assistant.audio import load_audio
from assistant.cli.ask import collect_turn, feed_file
from assistant.config import PROJECT_ROOT, Settings
from assistant.engine import Engine
from assistant.session import Session

MANIFEST = PROJECT_ROOT.parent / "shared" / "eval" / "speech" / "manifest.jsonl"
CLIPS = 60

_STARTUP = """
import time; t0 = time.perf_counter()
from assistant.engine import Engine
from assistant.session import Session
from assistant.events import ReplyAudio
engine = Engine.load(); engine.warm_up(background=False)
for e in Session(engine).ask_text("기초연금 어떻게 신청해요?"):
    if isinstance(e, ReplyAudio):
        print(time.perf_counter() - t0); break
"""


def _pct(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1], 1) if len(values) > 1 else values[0]


def startup_s() -> float:
    out = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True)
    return round(float(out.stdout.split()[-1]), 2)


def run() -> dict:
    clips = [json.loads(line) for line in MANIFEST.read_text().splitlines() if line.strip()]
    # Questions first: they are what residents say; then others up to CLIPS.
    clips.sort(key=lambda c: "question" not in c.get("tags", []))
    engine = Engine.load(Settings.load())
    engine.warm_up(background=False)
    first_audio, stt, retrieval, tts_first = [], [], [], []
    audio_s = stt_s = 0.0
    for clip in clips[:CLIPS]:
        audio = load_audio(MANIFEST.parent / clip["path"])
        turn = collect_turn(feed_file(Session(engine), audio))
        timings = turn.get("timings", {})
        if "first_audio" not in timings or "stt" not in timings:
            continue
        first_audio.append(timings["first_audio"])
        stt.append(timings["stt"])
        retrieval.append(timings.get("retrieval", 0.0))
        tts_first.append(timings["tts_first_audio"])
        audio_s += len(audio) / 16000
        stt_s += timings["stt"] / 1000
    return {
        "clips": len(first_audio),
        "end_of_speech_to_first_audio_ms_p50": _pct(first_audio, 50),
        "end_of_speech_to_first_audio_ms_p95": _pct(first_audio, 95),
        "endpoint_silence_ms": engine.settings.vad.trailing_silence_ms,
        "stt_ms_p50": _pct(stt, 50),
        "stt_rtf": round(stt_s / audio_s, 3),
        "retrieval_ms_p50": _pct(retrieval, 50),
        "tts_first_sentence_ms_p50": _pct(tts_first, 50),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "startup_to_first_reply_audio_s": startup_s(),
    }
