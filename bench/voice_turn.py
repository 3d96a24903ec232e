"""The whole voice turn on the real speech clips: end of speech to first reply audio.

Each clip, followed by a second of silence, is streamed through a session in
20 ms frames; its last 2.5 s go at the pace of a live microphone, because the
session starts recognizing during the trailing silence and the wall time of
that silence is part of the measure. Start-up is measured in a fresh process:
launch to the first spoken reply audio.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections import Counter

import numpy as np

from assistant.audio import load_audio
from assistant.config import Settings
from assistant.core.engine import Engine
from assistant.core.events import ReplyAudio, SpeechEnded, Timings
from assistant.core.recordings import FRAME_S
from assistant.core.session import Session
from assistant.evaluation.datasets import speech_clips

CLIPS = 60
LIVE_TAIL_S = 2.5

_STARTUP = """
import time; t0 = time.perf_counter()
from assistant.core.engine import Engine
from assistant.core.session import Session
from assistant.core.events import ReplyAudio
engine = Engine.load(); engine.warm_up(background=False)
for e in Session(engine).ask_text("기초연금 어떻게 신청해요?"):
    if isinstance(e, ReplyAudio):
        print(time.perf_counter() - t0); break
"""


def _pct(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1], 1) if len(values) > 1 else values[0]


def live_turn(session: Session, audio: np.ndarray) -> dict | None:
    """Wall-clock latencies of one turn: from the moment speech stopped, and
    from the endpoint (the end of the trailing silence), to the first reply audio."""
    audio = np.concatenate([audio, np.zeros(16000, np.float32)])
    step, live_from = int(16000 * FRAME_S), len(audio) - int(16000 * LIVE_TAIL_S)
    started = fed_at = time.perf_counter()
    ended: tuple[float, float] | None = None  # (when the endpoint came, when the speech stopped)
    first: float | None = None  # the first reply audio
    reason = ""
    for i in range(0, len(audio), step):
        if i >= live_from:
            fed_at += FRAME_S
            time.sleep(max(0.0, fed_at - time.perf_counter()))
        for event in session.feed_audio(audio[i:i + step], 16000):
            now = time.perf_counter()
            if isinstance(event, SpeechEnded):
                reason = event.reason
                # Stream time -> wall time: the tail is fed in real time.
                ended = (now, now - (i + step - event.at_s * 16000) / 16000)
            elif isinstance(event, ReplyAudio) and ended is not None:
                first = now
            elif isinstance(event, Timings) and ended is not None and first is not None:
                ended_at, stopped_at = ended
                return {"speech_stop": (first - stopped_at) * 1000, "endpoint": (first - ended_at) * 1000,
                        "stt": event.ms["stt"], "retrieval": event.ms.get("retrieval", 0.0),
                        "tts_first": event.ms["tts_first_audio"], "wall_s": time.perf_counter() - started,
                        "end_reason": reason}
    return None


def startup_s() -> float:
    out = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True)
    return round(float(out.stdout.split()[-1]), 2)


def run() -> dict:
    # Questions first: they are what residents say; then others up to CLIPS.
    clips = sorted(speech_clips(), key=lambda c: "question" not in c.tags)
    engine = Engine.load(Settings.load())
    engine.warm_up(background=False)
    turns = []
    audio_s = 0.0
    for clip in clips[:CLIPS]:
        audio = load_audio(clip.path)
        turn = live_turn(Session(engine), audio)
        if turn is not None:
            turns.append(turn)
            audio_s += len(audio) / 16000
    column = lambda key: [t[key] for t in turns]
    return {
        "clips": len(turns),
        "endpoint_to_first_audio_ms_p50": _pct(column("endpoint"), 50),
        "endpoint_to_first_audio_ms_p95": _pct(column("endpoint"), 95),
        "speech_stop_to_first_audio_ms_p50": _pct(column("speech_stop"), 50),
        "speech_stop_to_first_audio_ms_p95": _pct(column("speech_stop"), 95),
        "endpoint_silence_ms": engine.settings.vad.trailing_silence_ms,
        # How the turns ended: "complete" (judged finished at the pause), "silence", "patience".
        "end_reasons": dict(Counter(column("end_reason"))),
        "early_transcribe_ms": engine.settings.vad.early_transcribe_ms,
        "stt_wait_after_endpoint_ms_p50": _pct(column("stt"), 50),
        "retrieval_ms_p50": _pct(column("retrieval"), 50),
        "tts_first_sentence_ms_p50": _pct(column("tts_first"), 50),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "startup_to_first_reply_audio_s": startup_s(),
    }
