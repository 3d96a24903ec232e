"""Speech recognition speed on the real clips: real-time factor, latency per utterance,
the partial transcript for turn-end judging, endpointer cost, model load time and
peak memory (2 cores, embedded Whisper base)."""

from __future__ import annotations

import resource
import statistics
from time import perf_counter

import numpy as np

from assistant.audio import load_audio
from assistant.config import Settings
from assistant.evaluation.datasets import speech_clips
from assistant.evaluation.speech import score_clips, summarize
from assistant.stt.endpointer import Endpointer
from assistant.stt.transcriber import Transcriber


def run() -> dict:
    settings = Settings.load()
    started = perf_counter()
    transcriber = Transcriber.load(settings.stt)
    load_s = perf_counter() - started
    clips = list(speech_clips())

    scores = list(score_clips(transcriber, clips))
    report = summarize(scores)
    latency_ms = sorted(s.elapsed_s * 1000 for s in scores)

    # The partial transcript the turn-end judge reads (short encoder window,
    # greedy), against the full transcription of the same clips in this run.
    partial_ms = []
    for clip in clips[:40]:
        started = perf_counter()
        transcriber.partial(load_audio(clip.path))
        partial_ms.append((perf_counter() - started) * 1000)
    full_ms = [s.elapsed_s * 1000 for s in scores[:40]]

    # Endpointing runs on every 20 ms microphone frame, so its cost is per audio second.
    audio = np.concatenate([load_audio(c.path) for c in clips[:40]])
    endpointer = Endpointer(settings.vad)
    started = perf_counter()
    for i in range(0, len(audio), 320):
        endpointer.process(audio[i:i + 320])
    vad_ms_per_audio_s = (perf_counter() - started) * 1000 / (len(audio) / 16000)

    return {
        "clips": report["n"],
        "audio_s": round(sum(s.audio_s for s in scores), 1),
        "stt_rtf": report["rtf"],
        "stt_ms_p50": round(statistics.median(latency_ms)),
        "stt_ms_p95": round(statistics.quantiles(latency_ms, n=20)[-1]),
        "cer": report["cer"],
        "partial_ms_p50": round(statistics.median(partial_ms)),
        "partial_ms_p95": round(statistics.quantiles(partial_ms, n=20)[-1]),
        "partial_to_full_ratio": round(statistics.median(partial_ms) / statistics.median(full_ms), 3),
        "model_load_s": round(load_s, 2),
        "vad_ms_per_audio_s": round(vad_ms_per_audio_s, 2),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
