"""Intelligibility of the voice: synthesize each sentence, recognize it, score the text.

The round trip uses the configured recognizer and the same pooled,
normalized character error rate as `eval speech` (`edit_counts`), and
`--telephone` the same 8 kHz μ-law channel (`telephone_channel`), so the
figures compare directly with those of human speech. A voice a person finds
clear is not always one Whisper finds clear, but a voice Whisper cannot make
out (espeak-ng Korean: CER near 1) is not understood by residents either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import numpy as np

from ..audio import ENGINE_RATE, resample, to_mono_float
from .cer import edit_counts
from .speech import telephone_channel


@dataclass(frozen=True)
class SentenceScore:
    sentence: str
    hypothesis: str
    errors: int
    length: int
    audio_s: float
    synthesis_s: float


def load_sentences(path: Path, limit: int | None = None) -> list[str]:
    """One sentence a line; blank lines are skipped."""
    sentences = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not sentences:
        raise ValueError(f"{path}: no sentences (one a line)")
    return sentences[:limit]


def score_sentences(synthesizer, transcriber, sentences: Iterable[str], telephone: bool = False,
                    length_scale: float | None = None) -> Iterator[SentenceScore]:
    for sentence in sentences:
        started = perf_counter()
        chunks = list(synthesizer.synthesize(sentence, length_scale))
        synthesis_s = perf_counter() - started
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        speech = resample(to_mono_float(audio), synthesizer.sample_rate, ENGINE_RATE)
        if telephone:
            speech = telephone_channel(speech)
        result = transcriber.transcribe(speech)
        errors, length = edit_counts(sentence, result.text)
        yield SentenceScore(sentence, result.text, errors, length, len(audio) / synthesizer.sample_rate, synthesis_s)


def summarize(scores: Iterable[SentenceScore], voice: str) -> dict:
    """{"n", "cer", "rtf", "voice"}: pooled CER, and synthesis time over audio time."""
    scores = list(scores)
    errors = sum(s.errors for s in scores)
    length = sum(s.length for s in scores)
    audio_s = sum(s.audio_s for s in scores)
    return {
        "n": len(scores),
        "cer": round(errors / length, 4) if length else 0.0,
        "rtf": round(sum(s.synthesis_s for s in scores) / audio_s, 3) if audio_s else 0.0,
        "voice": voice,
    }
