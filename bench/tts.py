"""Speech synthesis: real-time factor, time to the first chunk and peak memory.

Over the corpus's spoken answers (`assistant.evaluation.voice_sentences`, the
same answers the voice evaluation speaks), for the default voice (Kokoro-82M
speaking Korean, unless a native Korean Piper voice is installed) and, in the
same run and under the same load, for espeak-ng Korean, the voice it replaces.
The audio cache is off: every answer is synthesized. Intelligibility is
measured by `assistant eval voice` (round-trip CER), not here.
"""

from __future__ import annotations

import os
import resource
import statistics
import time

from assistant.config import Settings
from assistant.evaluation.voice_sentences import spoken_answers
from assistant.tts.synthesizer import Synthesizer
from assistant.tts.voices import ESPEAK_KOREAN

ANSWERS = 40  # of the 100 spoken answers: enough for p95, a few minutes on a loaded machine


def run() -> dict:
    settings = Settings.load()
    answers = spoken_answers(settings)[:ANSWERS]
    figures: dict = {"cpu_load_1min_at_start": round(os.getloadavg()[0], 2), "answers": len(answers)}
    uncached = settings.tts.model_copy(update={"cache_max_mb": 0})
    default, figures["default_load_ms"] = _timed_load(uncached)
    figures.update(_speed("default", default, answers))
    figures["default_peak_rss_mb"] = _peak_rss_mb()
    espeak, figures["espeak_load_ms"] = _timed_load(uncached.model_copy(update={"voice": ESPEAK_KOREAN}))
    figures.update(_speed("espeak", espeak, answers))
    figures["first_chunk_ratio_default_to_espeak"] = round(
        figures["default_first_chunk_ms_p50"] / max(figures["espeak_first_chunk_ms_p50"], 1), 2)
    return figures


def _timed_load(tts_settings) -> tuple[Synthesizer, int]:
    start = time.perf_counter()
    synthesizer = Synthesizer.load(tts_settings)
    load_ms = round((time.perf_counter() - start) * 1000)
    list(synthesizer.synthesize("준비."))  # first-call set-up is start-up cost, not per-answer cost
    return synthesizer, load_ms


def _speed(prefix: str, synthesizer: Synthesizer, answers: list[str]) -> dict:
    first_ms, elapsed, audio_s = [], 0.0, 0.0
    for answer in answers:
        start = time.perf_counter()
        stream = synthesizer.synthesize(answer)
        chunks = [next(stream)]
        first_ms.append((time.perf_counter() - start) * 1000)
        chunks.extend(stream)
        elapsed += time.perf_counter() - start
        audio_s += sum(len(c) for c in chunks) / synthesizer.sample_rate
    return {
        f"{prefix}_voice": synthesizer.voice_name,
        f"{prefix}_rtf": round(elapsed / audio_s, 3),
        f"{prefix}_first_chunk_ms_p50": round(statistics.median(first_ms)),
        f"{prefix}_first_chunk_ms_p95": round(statistics.quantiles(first_ms, n=20)[-1]),
        f"{prefix}_audio_s_per_answer": round(audio_s / len(answers), 1),
    }


def _peak_rss_mb() -> int:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
