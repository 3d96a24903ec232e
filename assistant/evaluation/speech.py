"""Speech-recognition evaluation: character error rate and speed over a clip manifest.

A manifest is JSON lines, one clip each: `path` (relative to the manifest's
folder), `text` (the reference), optional `tags`. CER is pooled: all edits
over all reference characters, after `normalize_for_cer`, overall and per tag.
A rejected transcript counts as empty (every reference character missed);
a clip that cannot be read is reported and left out.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import ENGINE_RATE, LINE_RATE, AudioError, line_audio, load_audio, resample
from .cer import edit_counts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clip:
    path: Path
    reference: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class ClipScore:
    clip: Clip
    hypothesis: str
    rejected: str | None
    errors: int
    length: int
    audio_s: float
    elapsed_s: float


def load_manifest(manifest: Path, limit: int | None = None) -> list[Clip]:
    manifest = Path(manifest)
    clips = []
    with manifest.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                clips.append(Clip(manifest.parent / row["path"], row["text"], tuple(row.get("tags", ()))))
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ValueError(f"{manifest}:{number}: not a clip line with 'path' and 'text' ({err})") from err
            if limit is not None and len(clips) >= limit:
                break
    return clips


def telephone_channel(audio: np.ndarray) -> np.ndarray:
    """What a phone line does to 16 kHz speech: 8 kHz band limit and G.711 μ-law, back at 16 kHz."""
    decoded = line_audio(audio, ENGINE_RATE)
    return resample(decoded.astype(np.float32) / 32768.0, LINE_RATE, ENGINE_RATE)


def score_clips(transcriber, clips: Iterable[Clip], telephone: bool = False) -> Iterable[ClipScore]:
    for clip in clips:
        try:
            audio = load_audio(clip.path)
        except AudioError as err:
            log.warning("skipping clip: %s", err)
            continue
        if telephone:
            audio = telephone_channel(audio)
        result = transcriber.transcribe(audio)
        errors, length = edit_counts(clip.reference, result.text)
        yield ClipScore(clip, result.text, result.rejected, errors, length, result.audio_s, result.elapsed_s)


def summarize(scores: Iterable[ClipScore]) -> dict:
    """{"n", "cer", "rtf", "per_tag": {tag: cer}} over scored clips."""
    errors = length = 0
    audio_s = elapsed_s = 0.0
    per_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    n = 0
    for score in scores:
        n += 1
        errors += score.errors
        length += score.length
        audio_s += score.audio_s
        elapsed_s += score.elapsed_s
        for tag in score.clip.tags:
            per_tag[tag][0] += score.errors
            per_tag[tag][1] += score.length
    return {
        "n": n,
        "cer": round(errors / length, 4) if length else 0.0,
        "rtf": round(elapsed_s / audio_s, 3) if audio_s else 0.0,
        "per_tag": {tag: round(e / chars, 4) for tag, (e, chars) in sorted(per_tag.items()) if chars},
    }
