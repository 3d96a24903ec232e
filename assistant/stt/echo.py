"""Telling the assistant's own voice, coming back through the microphone or the line, from the resident's.

A phone line's hybrid (and a kiosk speaker next to its microphone, where no
browser cancels echo) returns what the assistant says, delayed and quieter.
The voice detector cannot tell that from a resident talking, so without this
every reply would interrupt itself.

The output records what it plays and when (`sent`); each incoming frame is
checked against that (`screen`): the recent incoming audio is matched against
the sent audio over lags of 0 to `max_lag_s` (normalized cross-correlation
finds the lag), a short echo path (a filter `spread_s` either side of that
lag, which covers a line hybrid's dispersion and a loudspeaker's first
reflections) is fitted to it by least squares, and the share of the current
frame's energy that this fitted echo explains decides:

- most of it (`explained`): the frame is the assistant's own voice, and the
  detector gets silence in its place;
- less: something else is there (the resident speaking, even over the echo):
  the frame goes on unchanged.

The echo path is fitted again for every frame, so nothing has to converge: a
call whose echo changes (a handset picked up) is screened as well from its
next frame. Matching runs at 8 kHz, the telephone band, whatever the rates.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import fftconvolve

from ..audio import StreamResampler, to_mono_float

ANALYSIS_RATE = 8000
# Frames of a stream arriving up to this late still continue it; later, the gap is silence.
_LATE_S = 0.03
# Frames of sound the window needs before any of it can be called echo.
_LOUD_FRAMES = 3
# An echo's delay moves this much at most between frames (a jitter buffer's frame, clock error),
# and is remembered this long.
_DELAY_DRIFT = round(0.03 * ANALYSIS_RATE)
_DELAY_MEMORY_S = 2.0
# A new delay is confirmed by two frames in a row agreeing this closely (2 ms).
_DELAY_STEADY = round(0.002 * ANALYSIS_RATE)
# Heard frames whose arrival places the stream on the clock (2 s of 20 ms frames).
_PLACEMENT_FRAMES = 100
# A heard frame this much later than its place in the stream starts the stream anew.
_RESTART_S = 0.5
# Below this level (about -60 dBFS) a frame holds nothing to judge.
_SILENT_POWER = 1e-6


@dataclass(frozen=True)
class EchoSettings:
    # Echo arrives this long after the sound was sent, at most (line, network, room).
    max_lag_s: float = 0.5
    # Clock error between the two streams' timestamps, searched on both sides of the lag range.
    slack_s: float = 0.06
    # Incoming audio the echo path is fitted on, ending with the frame judged.
    window_s: float = 0.12
    # The fitted echo path spreads this far either side of its strongest lag.
    spread_s: float = 0.004
    # A frame whose energy the fitted echo explains at least this share of is echo.
    explained: float = 0.6
    # ... and this share, on the last few frames alone, when no echo was heard lately: the
    # onset of a real echo is explained almost wholly (0.95 and more), while a resident's
    # vowels over a reply that never came back reached 0.6-0.81 by chance.
    explained_new: float = 0.9


class _Timeline:
    """One direction of audio at 8 kHz, placed on the clock.

    What was sent may stop and start again (`gaps`: a later frame leaves silence
    before it). What is heard never stops, so it stays contiguous; frames of it
    may arrive late (a busy machine delivers several at once) but never early,
    so its place on the clock is the earliest the recent arrivals allow."""

    def __init__(self, keep_s: float, *, gaps: bool):
        self._keep = int(keep_s * ANALYSIS_RATE)
        self._gaps = gaps
        self._resampler: StreamResampler | None = None
        self.samples = np.zeros(0, np.float32)
        self.start = 0.0  # clock time of samples[0]
        self._total = 0  # samples ever added
        # Arrival time less stream position, for the last frames: the smallest is the least delayed.
        self._offsets: deque[float] = deque(maxlen=_PLACEMENT_FRAMES)

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / ANALYSIS_RATE

    def add(self, samples: np.ndarray, sample_rate: int, at: float) -> np.ndarray:
        """Append a frame whose first sample is at clock time `at`; returns it at 8 kHz."""
        if self._resampler is None or self._resampler.from_rate != sample_rate:
            self._resampler = StreamResampler(sample_rate, ANALYSIS_RATE, quality="QQ")
        frame = self._resampler(to_mono_float(samples)).astype(np.float32, copy=False)
        if not self._gaps:
            offset = at - self._total / ANALYSIS_RATE
            if self._offsets and offset - min(self._offsets) > _RESTART_S:
                # Not late but restarted: frames were not passed on for a while (push-to-talk).
                self._offsets.clear()
                self.samples = np.zeros(0, np.float32)
            self._offsets.append(offset)
        elif not len(self.samples):
            self.start = at
        elif at > self.end + _LATE_S:  # nothing was played in between
            gap = min(int((at - self.end) * ANALYSIS_RATE), self._keep)
            self.samples = np.concatenate([self.samples, np.zeros(gap, np.float32)])
            self.start = at - len(self.samples) / ANALYSIS_RATE
            self._total += gap
        self._total += len(frame)
        self.samples = np.concatenate([self.samples, frame])
        if not self._gaps:
            self.start = min(self._offsets) + (self._total - len(self.samples)) / ANALYSIS_RATE
        if len(self.samples) > self._keep:
            cut = len(self.samples) - self._keep
            self.samples = self.samples[cut:]
            self.start += cut / ANALYSIS_RATE
        return frame

    def index_at(self, t: float) -> int:
        """The stream's sample number at clock time `t` (counting silence put in for gaps)."""
        return self._total - round((self.end - t) * ANALYSIS_RATE)

    def between(self, start: float, end: float) -> np.ndarray:
        """The audio from `start` to `end` on the clock, silence where there was none."""
        out = np.zeros(max(0, round((end - start) * ANALYSIS_RATE)), np.float32)
        offset = round((self.start - start) * ANALYSIS_RATE)
        lo, hi = max(0, offset), min(len(out), offset + len(self.samples))
        if hi > lo:
            out[lo:hi] = self.samples[lo - offset:hi - offset]
        return out


class EchoGuard:
    """`sent` from the output's side (any thread), `screen` from the listening side (one thread)."""

    def __init__(self, settings: EchoSettings | None = None):
        self.settings = settings or EchoSettings()
        s = self.settings
        self._spread = round(s.spread_s * ANALYSIS_RATE)
        self._window = round(s.window_s * ANALYSIS_RATE)
        self._recent = round(_RECENT_S * ANALYSIS_RATE)
        self._sent = _Timeline(s.max_lag_s + 2 * s.slack_s + s.window_s + 1.0, gaps=True)
        self._heard = _Timeline(s.window_s + 0.1, gaps=False)
        self._lock = threading.Lock()
        # The echo's delay when it was last recognized, and when (clock time).
        self._delay: int | None = None  # in samples: heard sample number less the sent one it echoes
        self._delay_seen = 0.0
        self._candidate: int | None = None  # the delay of the last frame fully explained, unconfirmed
        self.frames_screened = 0  # frames heard while something had been sent
        self.frames_echo = 0  # of those, silenced as echo

    def sent(self, samples: np.ndarray, sample_rate: int, at: float) -> None:
        """The output started playing `samples` at clock time `at`."""
        with self._lock:
            self._sent.add(samples, sample_rate, at)

    def screen(self, samples: np.ndarray, sample_rate: int, at: float) -> np.ndarray:
        """An incoming frame whose last sample arrived at clock time `at`: itself, or
        silence of the same shape when it is the assistant's own voice."""
        duration = len(samples) / sample_rate
        frame = self._heard.add(samples, sample_rate, at - duration)
        if self.is_echo(frame):
            self.frames_echo += 1
            return np.zeros_like(samples)
        return samples

    def is_echo(self, frame: np.ndarray) -> bool:
        s = self.settings
        heard = self._heard.samples[-self._window:]
        if len(heard) < len(frame) or len(frame) == 0 or float(np.mean(frame ** 2)) < _SILENT_POWER:
            return False
        heard_start = self._heard.end - len(heard) / ANALYSIS_RATE
        earliest = heard_start - s.max_lag_s - s.slack_s - self._spread / ANALYSIS_RATE
        latest = self._heard.end + s.slack_s + self._spread / ANALYSIS_RATE
        with self._lock:
            if self._sent.end < earliest:
                return False  # nothing sent recently enough to come back
            reference = self._sent.between(earliest, latest)
            reference_start = self._sent.index_at(earliest)
        if float(np.mean(reference ** 2)) < _SILENT_POWER:
            return False
        self.frames_screened += 1
        step = len(frame)
        loud = sum(float(np.mean(heard[k:k + step] ** 2)) >= _SILENT_POWER for k in range(0, len(heard), step))
        if loud < _LOUD_FRAMES:
            # Too little sound to fit an echo path to: it would explain a first syllable by chance.
            return False
        now = self._heard.end
        known = self._delay is not None and now - self._delay_seen <= _DELAY_MEMORY_S
        fit = _fit(heard, reference, step, self._spread)
        # Which sent sample the heard one echoes, counted in both streams' own samples:
        # unlike a delay on the clock, it does not move when arrivals are late.
        heard_start_index = self._heard.index_at(heard_start)
        delay = heard_start_index - (reference_start + fit.lag)
        # At the delay the echo had a moment ago, the frame alone decides. A new delay is
        # believed only when the frame and the whole window are explained at the same
        # delay as in the frame before: a chance fit to a sustained vowel drifts from frame
        # to frame, an echo's delay does not.
        consistent = known and abs(delay - self._delay) <= _DELAY_DRIFT  # type: ignore[operator]
        steady = self._candidate is not None and abs(delay - self._candidate) <= _DELAY_STEADY
        self._candidate = delay if fit.in_frame >= s.explained and fit.whole >= s.explained else None
        if fit.in_frame >= s.explained and (consistent or (steady and self._candidate is not None)):
            self._delay, self._delay_seen = delay, now
            return True
        if not (consistent or fit.before >= s.explained):
            return False  # no echo just before either: something else is heard
        # Echo until this frame: its delay may have just moved (a jitter buffer dropped
        # or repeated a frame). Fitted on the last few frames alone, with a shorter path
        # so that so few samples cannot explain anything by chance.
        recent = _fit(heard[-self._recent:], reference, step, self._spread // 4)
        recent_delay = heard_start_index + len(heard) - self._recent - (reference_start + recent.lag)
        expected = self._delay if known else delay
        needed = s.explained if known else s.explained_new
        if recent.in_frame >= needed and abs(recent_delay - expected) <= _DELAY_DRIFT:  # type: ignore[operator]
            self._delay, self._delay_seen = recent_delay, now
            return True
        return False


@dataclass(frozen=True)
class _Fit:
    lag: int  # where in the reference the heard audio lines up
    in_frame: float  # the share of the frame's energy the fitted echo explains
    before: float  # the same, for the audio before the frame
    whole: float  # and for all of it


def _fit(heard: np.ndarray, reference: np.ndarray, frame_len: int, spread: int) -> _Fit:
    """One echo of `reference` fitted to `heard`, and how much of its last `frame_len`
    samples, and of those before them, it explains."""
    n = len(heard)
    # Normalized cross-correlation over every lag: where the echo lines up.
    dots = fftconvolve(reference, heard[::-1], mode="valid")
    power = np.concatenate([[0.0], np.cumsum(reference.astype(np.float64) ** 2)])
    # Where nothing was sent the correlation is rounding noise over nothing: the floor keeps it at 0.
    norms = np.sqrt((power[n:] - power[:-n] + n * _SILENT_POWER) * float(heard @ heard))
    usable = slice(spread, len(dots) - spread)  # room for the taps on both sides
    if usable.start >= usable.stop:
        return _Fit(0, 0.0, 0.0, 0.0)
    lag = usable.start + int(np.argmax(np.abs(dots[usable]) / norms[usable]))
    # The echo path around that lag, fitted by least squares on the whole window:
    # column j of the design is the reference shifted by lag - spread + j.
    segment = reference[lag - spread:lag + spread + n].astype(np.float64)
    path = np.linalg.solve(_gram(segment, n, 2 * spread + 1) + _RIDGE * np.eye(2 * spread + 1),
                           dots[lag - spread:lag + spread + 1])
    residual = heard - path @ sliding_window_view(segment, n)  # (taps, n) design, transposed
    return _Fit(lag, _share(heard[-frame_len:], residual[-frame_len:]),
                _share(heard[:-frame_len], residual[:-frame_len]), _share(heard, residual))


def _share(heard: np.ndarray, residual: np.ndarray) -> float:
    energy = float(heard @ heard)
    return 1.0 - float(residual @ residual) / energy if energy > len(heard) * _SILENT_POWER else 0.0


# The second look at a frame the window's echo path does not explain: this much audio, ending with it.
_RECENT_S = 0.04
# Keeps the fit stable when the reference is nearly silent at some lags.
_RIDGE = 1e-6


def _gram(segment: np.ndarray, n: int, taps: int) -> np.ndarray:
    """Inner products of the `taps` shifted windows (length `n`) of `segment`, from
    one running sum per shift difference: taps * n work instead of taps**2 * n."""
    gram = np.empty((taps, taps))
    for d in range(taps):
        running = np.concatenate([[0.0], np.cumsum(segment[:len(segment) - d] * segment[d:])])
        diagonal = running[n:n + taps - d] - running[:taps - d]
        index = np.arange(taps - d)
        gram[index, index + d] = diagonal
        gram[index + d, index] = diagonal
    return gram
