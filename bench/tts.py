"""Speech synthesis: real-time factor and time to the first chunk of a typical answer.

Figures for the voice that speaks by default (a Korean Piper voice if one is
installed, else espeak-ng Korean) and for the embedded Piper voice, plus how
intelligible the default voice is: its audio transcribed by the embedded
Whisper model and scored against the text (character error rate, lower is
better; real Korean speech scores about 0.1 with the same model).
"""

from __future__ import annotations

import os
import time

import numpy as np

from assistant.audio import resample, to_mono_float
from assistant.config import Settings
from assistant.tts.speech_normalize import speech_sentences
from assistant.tts.synthesizer import Synthesizer

ANSWER = ("기초연금은 만 65세 이상이고 소득인정액이 선정기준액 이하인 어르신께 드립니다. "
          "단독가구는 월 최대 33만 4,810원을 받으실 수 있어요. "
          "주소지 행정복지센터나 국민연금공단 1355번으로 문의해 주세요.")
ENGLISH_ANSWER = ("The basic pension is paid to residents aged sixty five or older whose income is below the threshold. "
                  "A single person can receive up to three hundred thirty four thousand won a month. "
                  "Please ask at your community center or call the pension service.")
ROUNDS = 3


def run() -> dict:
    settings = Settings.load()
    figures = {"cpu_load_1min_at_start": round(os.getloadavg()[0], 2)}
    default, figures["default_load_ms"] = _timed_load(settings.tts)
    figures.update(_speed("default", default, ANSWER))
    figures["default_roundtrip_cer"] = _roundtrip_cer(default, settings)
    piper, figures["piper_en_load_ms"] = _timed_load(settings.tts.model_copy(update={"voice": "en_US-joe-medium"}))
    figures.update(_speed("piper_en", piper, ENGLISH_ANSWER))
    return figures


def _timed_load(tts_settings) -> tuple[Synthesizer, int]:
    start = time.perf_counter()
    synthesizer = Synthesizer.load(tts_settings)
    load_ms = round((time.perf_counter() - start) * 1000)
    list(synthesizer.synthesize("준비."))  # first-call set-up is start-up cost, not per-answer cost
    return synthesizer, load_ms


def _speed(prefix: str, synthesizer: Synthesizer, text: str) -> dict:
    first_ms, rtfs = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        stream = synthesizer.synthesize(text)
        chunks = [next(stream)]
        first_ms.append((time.perf_counter() - start) * 1000)
        chunks.extend(stream)
        elapsed = time.perf_counter() - start
        audio_s = sum(len(c) for c in chunks) / synthesizer.sample_rate
        rtfs.append(elapsed / audio_s)
    return {
        f"{prefix}_voice": synthesizer.voice_name,
        f"{prefix}_first_chunk_ms": round(float(np.median(first_ms))),
        f"{prefix}_rtf": round(float(np.median(rtfs)), 3),
        f"{prefix}_audio_s": round(audio_s, 1),
    }


def _roundtrip_cer(synthesizer: Synthesizer, settings: Settings) -> float | None:
    if not (settings.stt.model_dir / "model.bin").exists():
        return None
    from faster_whisper import WhisperModel

    from assistant.evaluation.cer import edit_counts

    model = WhisperModel(str(settings.stt.model_dir), device="cpu", compute_type="int8",
                         cpu_threads=settings.stt.cpu_threads)
    errors = length = 0
    for chunk, sentence in zip(synthesizer.synthesize(ANSWER), speech_sentences(ANSWER)):
        audio = resample(to_mono_float(chunk), synthesizer.sample_rate)
        segments, _ = model.transcribe(audio, language="ko", beam_size=5, condition_on_previous_text=False)
        e, n = edit_counts(sentence, "".join(s.text for s in segments))
        errors, length = errors + e, length + n
    return round(errors / length, 3)

