"""Catching what Whisper writes when nobody said it.

Trained on subtitled video, Whisper fills silence and noise with a broadcast's
closing lines ("시청해주셔서 감사합니다") and, when decoding goes wrong, loops a
phrase. The decoder's own thresholds and VAD gating stop most of this; the
checks here handle what gets through, so that a kiosk never answers a
question nobody asked.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

# Closing lines of videos and broadcasts, with spaces and punctuation removed.
# A segment made only of these is dropped.
SIGN_OFFS = (
    "시청해주셔서감사합니다",
    "시청해주셔서고맙습니다",
    "시청해주셔서정말감사합니다",
    "시청해주신여러분감사합니다",
    "봐주셔서감사합니다",
    "들어주셔서감사합니다",
    "다음에또찾아뵙겠습니다",
    "다음영상에서만나요",
    "다음시간에만나요",
    "구독과좋아요부탁드립니다",
    "구독과좋아요",
    "좋아요와구독부탁드립니다",
    "구독좋아요알림설정",
    "mbc뉴스",
    "kbs뉴스",
    "sbs뉴스",
    "자막제공",
    "한글자막",
    "자막by",
)

_NOT_WORD = re.compile(r"[\W_]+")
_HANGUL_OR_DIGIT = re.compile(r"[\uac00-\ud7a3\d]")
# A phrase of 2+ characters said three or more times in a row.
_LOOP = re.compile(r"(.{2,}?)(?:\s*\1){2,}")
# Given a window not much longer than the utterance, the decoder sometimes
# reads it twice: the whole utterance again as a second segment, timed past
# the end of the audio. A segment that repeats an earlier one (this long, this
# similar) and ends this far past the audio is that; a resident who says the
# same sentence twice is heard twice, within the audio.
REPEAT_MIN_CHARS = 6
REPEAT_SIMILARITY = 90
REPEAT_PAST_END_S = 1.0


@dataclass(frozen=True)
class Segment:
    text: str
    avg_logprob: float
    no_speech_prob: float
    duration_s: float
    end_s: float = 0.0  # where Whisper placed its end, in seconds of the audio


@dataclass(frozen=True)
class Verdict:
    text: str
    confidence: float
    rejected: str | None


def judge(segments: list[Segment], min_confidence: float, audio_s: float = math.inf) -> Verdict:
    """The usable transcript of decoded segments (of `audio_s` of audio), or the reason there is none."""
    kept: list[Segment] = []
    for segment in segments:
        if not segment.text.strip() or is_sign_off(segment.text):
            continue
        if segment.end_s > audio_s + REPEAT_PAST_END_S and _repeats(segment, kept):
            continue
        kept.append(segment)
    if not kept:
        reason = "hallucinated sign-off" if segments and any(s.text.strip() for s in segments) else "no speech"
        return Verdict("", 0.0, reason)
    text = collapse_loops(" ".join(s.text.strip() for s in kept))
    confidence = segment_confidence(kept)
    if not _HANGUL_OR_DIGIT.search(text):
        return Verdict("", confidence, "not Korean speech")
    if confidence < min_confidence:
        return Verdict("", confidence, f"low confidence ({confidence:.2f})")
    return Verdict(text, confidence, None)


def _compact(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFC", text)).lower()


def _repeats(segment: Segment, earlier: list[Segment]) -> bool:
    text = _compact(segment.text)
    return len(text) >= REPEAT_MIN_CHARS and any(fuzz.ratio(text, _compact(e.text)) >= REPEAT_SIMILARITY
                                                 for e in earlier)


def is_sign_off(text: str) -> bool:
    compact = _compact(text)
    return bool(compact) and any(compact == s or (s in compact and len(compact) <= len(s) + 4) for s in SIGN_OFFS)


def collapse_loops(text: str) -> str:
    """"네 알겠습니다 알겠습니다 알겠습니다 알겠습니다" -> "네 알겠습니다"."""
    # Runs of digits ("000000") are numbers, not a decoder loop.
    return _LOOP.sub(lambda m: m[0] if m[1].strip().isdigit() else m[1], text)


def segment_confidence(segments: list[Segment]) -> float:
    """Mean token probability, discounted by the chance there was no speech, weighted by duration."""
    total = sum(max(s.duration_s, 1e-3) for s in segments)
    return sum(math.exp(s.avg_logprob) * (1.0 - s.no_speech_prob) * max(s.duration_s, 1e-3)
               for s in segments) / total
