"""Endpointing evaluation: does the turn end soon after a finished utterance, and never in a pause?

From each recorded clip of a speech manifest two cases are built:
- complete: the utterance, then silence; the turn should end, soon;
- paused: the same utterance cut at an internal word boundary (Whisper's word
  timestamps), a pause of 1.0-1.5 s, then the rest; the turn should not end
  in the pause.

Each case streams through the real endpointer in 20 ms frames, in simulated
time: the stream clock is the audio fed so far, nothing sleeps. A partial
transcript (`Transcriber.partial`, the real Whisper model) is recognized when
a `TurnCheck` comes; its judgement reaches the endpointer `latency` later
on the stream clock, where latency is the measured compute time of that
recognition (or a fixed figure, `recognition_ms`). One recognizer serves the
stream, so a second pause's recognition starts when the first one's is done.
Word timestamps and partial transcripts are kept on disk between runs
(`recognition_cache.py`), with the compute time measured when they were made.

wait = the last voiced window (the endpointer's `at_s`) to the frame where the
turn ended.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Literal

import numpy as np

from ..audio import ENGINE_RATE, AudioError, load_audio
from ..config import VadSettings
from ..stt.endpointer import Endpointer, SpeechEnd, TurnCheck
from ..stt.transcriber import TimedWord, Transcriber
from .recognition_cache import RecognitionCache
from .speech import Clip

log = logging.getLogger(__name__)

FRAME = 320  # 20 ms, the phone's and the kiosk's frame
LEAD_S = 0.5
PAUSE_S = (1.0, 1.5)
# After the utterance: longer than the patience for an unfinished sentence,
# so every case ends inside the stream.
TAIL_MARGIN_S = 1.0
_MIN_SIDE_S = 0.3  # speech kept on each side of a cut
_SENTENCE_END = (".", "?", "!")
# A word boundary this close (in letters) to a sentence end of the reference is one.
_SENTENCE_END_SLACK = 2

CaseKind = Literal["complete", "paused"]


@dataclass(frozen=True)
class Case:
    clip: Clip
    kind: CaseKind
    audio: np.ndarray = field(repr=False)
    # Stream times of the inserted pause (paused cases only).
    pause_s: tuple[float, float] | None = None
    # The pause follows a comma of the reference: often a finished clause
    # ("여기 공항이야, 너희 집…"), where ending the turn is arguable.
    at_comma: bool = False


@dataclass(frozen=True)
class TurnEnd:
    emitted_s: float  # stream time of the frame that ended the turn
    at_s: float  # last voiced window before it
    reason: str

    @property
    def wait_ms(self) -> float:
        return (self.emitted_s - self.at_s) * 1000


@dataclass(frozen=True)
class CaseResult:
    case: Case
    ends: tuple[TurnEnd, ...]

    @property
    def final(self) -> TurnEnd | None:
        return self.ends[-1] if self.ends else None

    @property
    def cut_in_pause(self) -> bool:
        if self.case.pause_s is None:
            return False
        start, stop = self.case.pause_s
        return any(start <= end.emitted_s <= stop for end in self.ends)

    @property
    def split_elsewhere(self) -> bool:
        """A turn end inside the utterance, other than in the inserted pause."""
        inner = self.ends[:-1]
        if self.case.pause_s is not None:
            start, stop = self.case.pause_s
            inner = tuple(e for e in inner if not start <= e.emitted_s <= stop)
        return bool(inner)


class CachedRecognizer:
    """Recognition of partial audio, each distinct audio recognized once.

    Every policy of one run sees the same text and the same latency for the
    same audio, so their figures differ only by the policy."""

    def __init__(self, transcribe: Callable[[np.ndarray], str], recognition_ms: float | None = None,
                 cache: RecognitionCache | None = None):
        self._transcribe = transcribe
        self._fixed_s = None if recognition_ms is None else recognition_ms / 1000
        self._cache = cache
        self._seen: dict[bytes, tuple[str, float]] = {}
        self.latencies_s: list[float] = []

    def __call__(self, audio: np.ndarray) -> tuple[str, float]:
        key = hashlib.sha1(audio.tobytes()).digest()
        if key not in self._seen:
            if self._cache is None:
                started = perf_counter()
                text = self._transcribe(audio)
                elapsed = perf_counter() - started
            else:
                timed = self._cache.fetch("partial", audio, self._transcribe)
                text, elapsed = timed.value, timed.elapsed_s
            self.latencies_s.append(elapsed)
            self._seen[key] = (text, elapsed if self._fixed_s is None else self._fixed_s)
        return self._seen[key]


def build_cases(clip: Clip, audio: np.ndarray, words: list[TimedWord], vad: VadSettings,
                rng: np.random.Generator) -> list[Case]:
    """The complete case, and the paused one where the clip has an internal word boundary."""
    tail = np.zeros(int((vad.incomplete_silence_ms / 1000 + TAIL_MARGIN_S) * ENGINE_RATE), np.float32)
    lead = np.zeros(int(LEAD_S * ENGINE_RATE), np.float32)
    cases = [Case(clip, "complete", np.concatenate([lead, audio, tail]))]
    found = word_boundary_cut(audio, words, clip.reference)
    if found is not None:
        cut, at_comma = found
        pause = np.zeros(int(rng.uniform(*PAUSE_S) * ENGINE_RATE), np.float32)
        start_s = LEAD_S + cut / ENGINE_RATE
        cases.append(Case(clip, "paused", np.concatenate([lead, audio[:cut], pause, audio[cut:], tail]),
                          pause_s=(start_s, start_s + len(pause) / ENGINE_RATE), at_comma=at_comma))
    return cases


def word_boundary_cut(audio: np.ndarray, words: list[TimedWord], reference: str = "") -> tuple[int, bool] | None:
    """A sample index between two words of one sentence near the middle of the speech, at its quietest 10 ms,
    and whether the reference has a comma there.

    A clip of two sentences is not cut between them: the first one is a whole
    turn, not a pause. Sentence ends come from Whisper's punctuation and from
    the reference text (matched by the share of letters before them, since the
    recognized words differ a little: "8시" for "여덟시"). Word timestamps are good to about
    0.1 s, so the cut looks for the quietest spot from a little before one
    word's end to a little after the next one's start, not to cut a syllable in two."""
    if len(words) < 2:
        return None
    middle = (words[0].start_s + words[-1].end_s) / 2
    sentence_ends = _sentence_ends(reference, _SENTENCE_END)
    letters_before = np.cumsum([len(_letters(w.text)) for w in words])
    # Letters of the recognized words, rescaled to the reference's count.
    letters_before = letters_before * len(_letters(reference)) / max(int(letters_before[-1]), 1)
    candidates = [k for k in range(len(words) - 1)
                  if not words[k].text.endswith(_SENTENCE_END)
                  and all(abs(letters_before[k] - end) > _SENTENCE_END_SLACK for end in sentence_ends)
                  and words[k].end_s - words[0].start_s >= _MIN_SIDE_S
                  and words[-1].end_s - words[k + 1].start_s >= _MIN_SIDE_S]
    if not candidates:
        return None
    k = min(candidates, key=lambda i: abs((words[i].end_s + words[i + 1].start_s) / 2 - middle))
    hop = ENGINE_RATE // 100
    lo = max(int((words[k].end_s - 0.08) * ENGINE_RATE), 0)
    hi = min(int((words[k + 1].start_s + 0.08) * ENGINE_RATE), len(audio) - hop)
    if hi <= lo:
        return None
    energies = [float(np.mean(audio[i:i + hop] ** 2)) for i in range(lo, hi, hop)]
    at_comma = words[k].text.endswith(",") or any(abs(letters_before[k] - comma) <= _SENTENCE_END_SLACK
                                                  for comma in _sentence_ends(reference, (",",)))
    return lo + int(np.argmin(energies)) * hop + hop // 2, at_comma


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _sentence_ends(reference: str, marks: tuple[str, ...]) -> list[int]:
    """Letters before each inner mark (sentence ends, commas) of the reference."""
    ends, count = [], 0
    for i, char in enumerate(reference):
        if char.isalnum():
            count += 1
        elif char in marks and _letters(reference[i:]):
            ends.append(count)
    return ends


def stream_case(case: Case, endpointer: Endpointer, recognize: CachedRecognizer) -> CaseResult:
    """Feed the case at live pace on the simulated clock; returns where the turn ended."""
    endpointer.reset()
    ends: list[TurnEnd] = []
    waiting: list[tuple[float, TurnCheck, str]] = []  # (due on the stream clock, pause, text)
    recognizer_free_s = 0.0

    def take(events: Iterable, now_s: float) -> None:
        nonlocal recognizer_free_s
        for event in events:
            if isinstance(event, TurnCheck):
                text, latency = recognize(event.audio)
                recognizer_free_s = max(now_s, recognizer_free_s) + latency
                waiting.append((recognizer_free_s, event, text))
            elif isinstance(event, SpeechEnd):
                ends.append(TurnEnd(now_s, event.at_s, event.reason))

    for offset in range(0, len(case.audio), FRAME):
        now_s = min(offset + FRAME, len(case.audio)) / ENGINE_RATE
        take(endpointer.process(case.audio[offset:offset + FRAME]), now_s)
        due = [w for w in waiting if w[0] <= now_s]
        for item in due:
            waiting.remove(item)
            take(endpointer.decide(item[1], item[2]), now_s)
    take(endpointer.flush(), len(case.audio) / ENGINE_RATE)
    return CaseResult(case, tuple(ends))


def summarize(results: Iterable[CaseResult]) -> dict:
    """{"n_complete", "n_paused", "mean_wait_ms", "p95_wait_ms", "false_cutoff_rate", "missed_end_rate", …}

    Waits are over complete cases (their final turn end). A missed end is a
    complete case whose turn ended only by the long patience for an unfinished
    sentence, or not at all; a false cut-off a paused case whose turn ended
    in the inserted pause; `false_cutoff_rate_mid_clause` leaves out pauses
    after a comma of the reference."""
    results = list(results)
    complete = [r for r in results if r.case.kind == "complete"]
    paused = [r for r in results if r.case.kind == "paused"]
    mid_clause = [r for r in paused if not r.case.at_comma]
    waits = [r.final.wait_ms for r in complete if r.final is not None]
    missed = sum(1 for r in complete if r.final is None or r.final.reason == "patience")
    reasons: dict[str, int] = {}
    for r in complete:
        if r.final is not None:
            reasons[r.final.reason] = reasons.get(r.final.reason, 0) + 1
    return {
        "n_complete": len(complete),
        "n_paused": len(paused),
        "mean_wait_ms": _round(np.mean(waits)) if waits else None,
        "p95_wait_ms": _round(np.percentile(waits, 95)) if waits else None,
        "false_cutoff_rate": _rate(sum(r.cut_in_pause for r in paused), len(paused)),
        "false_cutoff_rate_mid_clause": _rate(sum(r.cut_in_pause for r in mid_clause), len(mid_clause)),
        "missed_end_rate": _rate(missed, len(complete)),
        "p50_wait_ms": _round(np.median(waits)) if waits else None,
        "split_rate": _rate(sum(r.split_elsewhere for r in results), len(results)),
        # A whole utterance whose turn ended at one of its own pauses, before its end.
        "early_end_rate": _rate(sum(r.split_elsewhere for r in complete), len(complete)),
        "complete_end_reasons": dict(sorted(reasons.items())),
    }


def evaluate(clips: Iterable[Clip], transcriber: Transcriber, policies: dict[str, Endpointer],
             recognition_ms: float | None = None, seed: int = 0,
             progress: Callable[[Iterable[Clip]], Iterable[Clip]] = lambda clips: clips,
             cache: RecognitionCache | None = None) -> dict:
    """Every policy over the cases of every clip; {policy: summary}, plus the recognition latency used.

    With a `cache`, word timestamps and partial transcripts made by an earlier run are reused."""
    recognize = CachedRecognizer(transcriber.partial, recognition_ms, cache)
    rng = np.random.default_rng(seed)
    results: dict[str, list[CaseResult]] = {name: [] for name in policies}
    # Every case ends inside its stream, under the most patient policy too.
    vad = max((endpointer.settings for endpointer in policies.values()), key=lambda v: v.incomplete_silence_ms)
    for clip in progress(clips):
        try:
            audio = load_audio(clip.path)
        except AudioError as err:
            log.warning("skipping clip: %s", err)
            continue
        for case in build_cases(clip, audio, _words(transcriber, audio, cache), vad, rng):
            for name, endpointer in policies.items():
                results[name].append(stream_case(case, endpointer, recognize))
    report = {name: summarize(rs) for name, rs in results.items()}
    latencies = np.array(recognize.latencies_s) * 1000
    report["recognition"] = {
        "latency": "measured compute time" if recognition_ms is None else f"fixed {recognition_ms:g} ms",
        "calls": len(latencies),
        "p50_ms": _round(np.median(latencies)) if len(latencies) else None,
        "p95_ms": _round(np.percentile(latencies, 95)) if len(latencies) else None,
    }
    return report


def _words(transcriber: Transcriber, audio: np.ndarray, cache: RecognitionCache | None) -> list[TimedWord]:
    if cache is None:
        return transcriber.words(audio)
    stored = cache.fetch("words", audio, lambda a: [[w.text, w.start_s, w.end_s] for w in transcriber.words(a)])
    return [TimedWord(text, start_s, end_s) for text, start_s, end_s in stored.value]


def _round(value: float | np.floating) -> float:
    return round(float(value), 1)


def _rate(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None
