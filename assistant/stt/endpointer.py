"""Deciding when a resident has started and finished speaking, on a live stream.

Silero VAD (the ONNX model faster-whisper ships) scores every 32 ms window of
16 kHz audio. The model is an LSTM: it needs its hidden state and the last 64
samples of the previous window carried from one call to the next, so each
stream keeps its own state while all streams share one ONNX session
(onnxruntime sessions are safe to run from several threads).

Turn-taking rules, tuned for elderly speakers:
- a window scoring at least `threshold` is voiced; speech continues until the
  score falls below `threshold - 0.15` (hysteresis, as in Silero's own splitter);
- a turn ends only after `trailing_silence_ms` of silence, so a pause of
  0.6-0.7 s to find a word does not cut the question in half;
- a run of voiced windows shorter than `min_speech_ms` (a click, a cough, a
  door) never becomes an utterance;
- `preroll_ms` of audio before the first voiced window is kept, because the
  detector reacts a little after a soft first syllable begins;
- a turn reaching `max_turn_s` is ended with reason "max_length".

With a turn-end judge (see turn_end.py) the silence rule depends on what was
said. At `judge_after_ms` of silence a `TurnCheck` hands the caller the audio
so far; the caller recognizes how it ends (the endpointer owns no
recognizer) and passes the text to `decide()`, which emits a `TurnDecision`:
- complete: the turn ends now, or once the tail the turn's audio keeps
  (`preroll_ms`) has been heard (reason "complete");
- incomplete: the turn ends only after `incomplete_silence_ms` of silence
  (reason "patience"), so a resident finding a word is not cut off;
- unsure: today's rule, `trailing_silence_ms`.
While the judgement is awaited the silence rule waits for it, up to
`incomplete_silence_ms`: a slow recognizer delays the end of a turn but
never cuts a paused sentence at the short silence.

The check comes before the early-recognition point (`SpeechPause`, at
`early_transcribe_ms`): the partial transcript needs only how the speech
ended, while the early full transcription must hear the turn's whole audio,
tail included. Judged earlier, a finished turn ends about when its audio is
complete, and the full transcription is not queued behind the partial one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from ..audio import ENGINE_RATE
from ..config import VadSettings
from .turn_end import TurnJudgement

WINDOW = 512  # samples per Silero window at 16 kHz
_CONTEXT = 64  # samples of the previous window the model sees with each window
_HYSTERESIS = 0.15


@dataclass(frozen=True)
class SpeechStart:
    at_s: float  # stream time of the first voiced window


# "silence": the fixed silence rule; "complete": the judge found the turn
# finished; "patience": judged unfinished, and the longer silence ran out;
# "max_length": the turn ran too long.
EndReason = Literal["silence", "complete", "patience", "max_length"]


@dataclass(frozen=True)
class SpeechEnd:
    at_s: float  # stream time where speech stopped
    ended_s: float  # stream time the turn was ended (at_s plus the silence waited)
    audio: np.ndarray = field(repr=False)  # the utterance, pre-roll included, float32 16 kHz
    reason: EndReason = "silence"


@dataclass(frozen=True)
class SpeechPause:
    """Speech stopped `early_transcribe_ms` ago; the turn ends with exactly this
    audio unless the speaker goes on before the trailing silence is over."""

    at_s: float
    audio: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class TurnCheck:
    """Speech stopped `judge_after_ms` ago: is the turn over? The caller recognizes how
    `audio` (the utterance so far) ends and answers with `Endpointer.decide`."""

    at_s: float
    audio: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class TurnDecision:
    """The judge's reading of the pause at `at_s`, and what the endpointer does with it."""

    at_s: float  # where speech stopped
    decided_s: float  # stream time the judgement arrived
    judgement: TurnJudgement
    # The silence, counted from at_s, that now ends the turn; 0 when it ended at once.
    ends_after_ms: int


EndpointEvent = SpeechStart | TurnCheck | SpeechPause | TurnDecision | SpeechEnd


class Judge(Protocol):
    """Reads a partial transcript (and its audio) at a pause."""

    def judge(self, text: str, audio: np.ndarray) -> TurnJudgement: ...


def _vad_session():
    from faster_whisper.vad import get_vad_model

    return get_vad_model().session  # loaded once per process (lru_cache)


class Endpointer:
    def __init__(self, settings: VadSettings, judge: Judge | None = None):
        """Without a judge, every turn ends after `trailing_silence_ms` of silence;
        with one, the caller must answer every `TurnCheck` with `decide()`."""
        self.settings = settings
        self.judge = judge
        self._session = _vad_session()
        self._threshold = settings.threshold
        self._release = max(settings.threshold - _HYSTERESIS, 0.01)
        self._preroll_windows = -(-settings.preroll_ms * ENGINE_RATE // 1000 // WINDOW)
        self._trailing_windows = _windows(settings.trailing_silence_ms / 1000)
        self._patience_windows = max(_windows(settings.incomplete_silence_ms / 1000), self._trailing_windows)
        # No earlier than the pre-roll: the turn's audio keeps that much
        # after speech stops, and the early audio must be the same audio.
        early_ms = max(settings.early_transcribe_ms, settings.preroll_ms) if settings.early_transcribe_ms else 0
        self._early_windows = _windows(early_ms / 1000) if 0 < early_ms < settings.trailing_silence_ms else None
        # The partial transcript needs no tail beyond what the decoder hears of the
        # silence, so the check may come before the pre-roll is complete.
        self._check_windows = _windows(min(settings.judge_after_ms, settings.trailing_silence_ms) / 1000)
        self._min_speech_windows = _windows(settings.min_speech_ms / 1000)
        self._max_turn_windows = _windows(settings.max_turn_s)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: model state, buffered audio and any open utterance."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._windows_seen = 0
        self._recent: deque[np.ndarray] = deque(maxlen=self._preroll_windows)
        self._close_utterance()

    def _close_utterance(self) -> None:
        self._utterance: list[np.ndarray] | None = None  # windows since pre-roll, while one is open
        self._start_window = 0
        self._voiced_windows = 0
        self._confirmed = False
        self._silence_from: int | None = None  # first window of the current silence run
        self._open_silence_run()

    def _open_silence_run(self) -> None:
        # The rule for the current silence: today's, until a judgement changes it.
        self._awaiting_judgement = False
        self._ending_windows = self._trailing_windows
        self._ending_reason: EndReason = "silence"

    @property
    def voiced_s(self) -> float:
        """Voiced time of the utterance now open (pauses inside it not counted); 0 between utterances."""
        return _seconds(self._voiced_windows) if self._utterance is not None else 0.0

    def process(self, frame: np.ndarray) -> list[EndpointEvent]:
        """Feed float32 16 kHz mono samples of any length; returns the events they complete."""
        samples = np.concatenate([self._pending, np.asarray(frame, dtype=np.float32).ravel()])
        usable = len(samples) // WINDOW * WINDOW
        self._pending = samples[usable:]
        if not usable:
            return []
        windows = samples[:usable].reshape(-1, WINDOW)
        events: list[EndpointEvent] = []
        for window, probability in zip(windows, self._speech_probabilities(windows)):
            events.extend(self._step(window, float(probability)))
        return events

    def flush(self) -> list[EndpointEvent]:
        """The stream ended: close an utterance that is still open."""
        events: list[EndpointEvent] = []
        if self._utterance is not None and self._confirmed:
            if self._silence_from is not None:
                events.append(self._end_at(self._silence_from, "silence"))
            else:
                audio = np.concatenate([*self._utterance, self._pending])
                at_s = _seconds(self._windows_seen) + len(self._pending) / ENGINE_RATE
                events.append(SpeechEnd(at_s=at_s, ended_s=at_s, audio=audio, reason="silence"))
        self._pending = np.zeros(0, dtype=np.float32)
        self._close_utterance()
        return events

    def _speech_probabilities(self, windows: np.ndarray) -> np.ndarray:
        contexts = np.vstack([self._context[None], windows[:-1, -_CONTEXT:]])
        self._context = windows[-1, -_CONTEXT:].copy()
        probabilities, self._h, self._c = self._session.run(
            None, {"input": np.hstack([contexts, windows]), "h": self._h, "c": self._c})
        return probabilities.ravel()

    def _step(self, window: np.ndarray, probability: float) -> list[EndpointEvent]:
        index = self._windows_seen
        self._windows_seen += 1
        if self._utterance is None:
            if probability < self._threshold:
                self._recent.append(window)
                return []
            self._utterance = [*self._recent]
            self._recent.clear()
            self._start_window = index
        self._utterance.append(window)

        if probability >= self._threshold:
            if self._silence_from is not None:
                self._open_silence_run()  # the resident went on: any judgement is void
            self._silence_from = None
        elif probability < self._release and self._silence_from is None:
            self._silence_from = index
        if self._silence_from is None:
            self._voiced_windows += 1

        events: list[EndpointEvent] = []
        if not self._confirmed and self._voiced_windows >= self._min_speech_windows:
            self._confirmed = True
            events.append(SpeechStart(at_s=_seconds(self._start_window)))

        silence_from = self._silence_from
        silent_windows = index + 1 - silence_from if silence_from is not None else 0
        if silence_from is not None and self._confirmed and self.judge is not None \
                and silent_windows == self._check_windows:
            events.append(TurnCheck(at_s=_seconds(silence_from), audio=np.concatenate(self._utterance)))
            self._awaiting_judgement = True
        if silence_from is not None and self._confirmed and silent_windows == self._early_windows:
            pause = self._end_at(silence_from, "silence")
            events.append(SpeechPause(at_s=pause.at_s, audio=pause.audio))
        # Awaiting a judgement, wait for it rather than cut a sentence short,
        # but no longer than an unfinished sentence would be waited for.
        ending = self._patience_windows if self._awaiting_judgement else self._ending_windows
        end: int
        reason: EndReason
        if silence_from is not None and silent_windows >= ending:
            end, reason = silence_from, self._ending_reason
        elif index + 1 - self._start_window >= self._max_turn_windows:
            end, reason = index + 1, "max_length"
        else:
            return events
        return events + self._close(end, reason)

    def decide(self, pause: TurnCheck, transcript: str) -> list[EndpointEvent]:
        """The recognizer's text for `pause`: judge it and apply the verdict.

        Returns the `TurnDecision` and, when the turn ends now, its `SpeechEnd`
        (a finished turn judged before its tail was heard ends with the frame
        that completes it). A pause the resident has spoken after (or a closed
        turn) gets nothing: its judgement came too late to matter."""
        silence_from = self._silence_from
        if (self.judge is None or self._utterance is None or silence_from is None
                or _seconds(silence_from) != pause.at_s or not self._awaiting_judgement):
            return []
        judgement = self.judge.judge(transcript, pause.audio)
        self._awaiting_judgement = False
        decided_s = _seconds(self._windows_seen)
        if judgement.verdict == "complete":
            # Not before the tail the turn's audio keeps has been heard.
            self._ending_windows, self._ending_reason = self._preroll_windows, "complete"
        elif judgement.verdict == "incomplete":
            self._ending_windows, self._ending_reason = self._patience_windows, "patience"
        ends_now = self._windows_seen - silence_from >= self._ending_windows
        decision = TurnDecision(pause.at_s, decided_s, judgement, ends_after_ms=0 if ends_now and
                                judgement.verdict == "complete" else round(_seconds(self._ending_windows) * 1000))
        if ends_now:
            # Finished, or unsure and the usual silence already ran out while recognizing.
            return [decision, *self._close(silence_from, self._ending_reason)]
        return [decision]

    def _close(self, end: int, reason: EndReason) -> list[EndpointEvent]:
        events: list[EndpointEvent] = [self._end_at(end, reason)] if self._confirmed else []
        if reason != "max_length" and self._utterance is not None:
            # The silence closing this utterance (or a dropped click) is the
            # next one's pre-roll; after a cut at max length, nothing is repeated.
            self._recent.extend(self._utterance)
        self._close_utterance()
        return events

    def _end_at(self, end_window: int, reason: EndReason) -> SpeechEnd:
        # Keep as much trailing audio as pre-roll: the last syllable fades out
        # below the detector's threshold.
        utterance = self._utterance
        assert utterance is not None, "an utterance ends only while one is open"
        kept = len(utterance) - (self._windows_seen - end_window) + self._preroll_windows
        audio = np.concatenate(utterance[:kept])
        return SpeechEnd(at_s=_seconds(end_window), ended_s=_seconds(self._windows_seen), audio=audio,
                         reason=reason)


def _windows(seconds: float) -> int:
    return max(1, round(seconds * ENGINE_RATE / WINDOW))


def _seconds(window_index: int) -> float:
    return window_index * WINDOW / ENGINE_RATE
