"""What a resident may say over a playing reply, for the barge-in tests and benchmark.

- Backchannels are cut from real recordings of the speech set: utterances whose
  reference text starts with an acknowledging word and a pause ("네, 쓰겠습니다.",
  "예. 좋아합니더."), cut where the recognizer's word timestamps end that word.
  Real voices, several speakers, never the assistant's own; which words count
  is barge_in.is_backchannel's general rule, not a list of clips.
- Questions are the set's recordings tagged "question".
- Coughs are synthesized: the speech set holds no non-speech sounds, and no
  package in reach ships any. Each is one or two bursts of glottal pulses and
  breath noise through two vocal-tract resonances, with a cough's sharp onset
  and 0.1-0.3 s decay: voiced enough that the phone's voice detector opens on
  most of them (it never opens on an unvoiced burst, nor does the kiosk's,
  which waits for 250 ms of voice), so that what the recognizer makes of them
  is what decides.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.signal import lfilter

from ..audio import ENGINE_RATE, load_audio, resample, to_mono_float, trim_silence
from ..config import VadSettings
from ..core.barge_in import is_backchannel
from ..stt.endpointer import Endpointer, SpeechStart
from ..stt.transcriber import Transcriber

Kind = Literal["backchannel", "cough", "question"]
# A first word followed by a comma, a full stop or an exclamation: said on its own.
_FIRST_WORD = re.compile(r"^(\S+?)[,.!]\s")
_FADE_S = 0.02


@dataclass(frozen=True)
class Interjection:
    name: str
    kind: Kind
    audio: np.ndarray  # float32 mono 16 kHz, from its first sound to its last

    @property
    def should_cut(self) -> bool:
        """Whether a reply it is said over should stop for good (and answer it)."""
        return self.kind == "question"


def manifest_rows(manifest: Path) -> list[dict]:
    return [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]


def backchannels(manifest: Path, transcriber: Transcriber) -> list[Interjection]:
    """The acknowledging first words of recordings, cut out on their own."""
    found = []
    for row in manifest_rows(manifest):
        match = _FIRST_WORD.match(row["text"])
        if not match or not is_backchannel(match.group(1)):
            continue
        audio = load_audio(manifest.parent / row["path"])
        words = transcriber.words(audio)
        # Only where the recognizer found that same first word and a next one to stop before.
        if len(words) < 2 or _letters(words[0].text) != _letters(match.group(1)):
            continue
        end = min(words[0].end_s + 0.05, words[1].start_s)
        found.append(Interjection(f"{row['path']}:{match.group(1)}", "backchannel",
                                  _fade_out(trim_silence(audio[: int(end * ENGINE_RATE)]))))
    return found


def questions(manifest: Path, count: int) -> list[Interjection]:
    rows = [r for r in manifest_rows(manifest) if "question" in r["tags"]]
    return [Interjection(r["path"], "question", trim_silence(load_audio(manifest.parent / r["path"])))
            for r in rows[:count]]


def coughs(count: int, seed: int = 0) -> list[Interjection]:
    rng = np.random.default_rng(seed)
    return [Interjection(f"cough-{k}", "cough", _cough(rng, bursts=1 + k % 2)) for k in range(count)]


def _cough(rng: np.random.Generator, bursts: int) -> np.ndarray:
    """One or two coughs: glottal pulses and breath noise, through two vocal-tract
    resonances, each with a sharp onset and a quick decay."""
    parts = []
    for _ in range(bursts):
        t = np.arange(int(rng.uniform(0.2, 0.35) * ENGINE_RATE)) / ENGINE_RATE
        envelope = (1 - np.exp(-t / 0.005)) * np.exp(-t / rng.uniform(0.07, 0.14))
        pitch = rng.uniform(100, 220) * (1 - 0.3 * t)  # falling, as a cough's does
        pulses = (np.diff(np.floor(np.cumsum(pitch) / ENGINE_RATE), prepend=0) > 0).astype(np.float64)
        source = _VOICING * 20 * pulses + (1 - 0.7 * _VOICING) * rng.normal(0, 1, len(t))
        tract = (_resonance(source, rng.uniform(500, 800), 120) + 0.6 * _resonance(source, rng.uniform(1000, 1600), 150)
                 + 0.3 * _resonance(source, 2600, 250))
        burst = tract * envelope
        parts += [burst / np.abs(burst).max(), np.zeros(int(rng.uniform(0.12, 0.2) * ENGINE_RATE))]
    audio = np.concatenate(parts[:-1])
    return (0.5 * audio / np.abs(audio).max()).astype(np.float32)


# How much of a cough is voiced rather than breath: a throat-clearing cough, on which
# the phone's voice detector opens (it hardly ever opens on a breathy one).
_VOICING = 0.9


def _resonance(signal: np.ndarray, frequency: float, bandwidth: float) -> np.ndarray:
    radius = np.exp(-np.pi * bandwidth / ENGINE_RATE)
    angle = 2 * np.pi * frequency / ENGINE_RATE
    return lfilter([1 - radius], [1, -2 * radius * np.cos(angle), radius ** 2], signal)


def _fade_out(audio: np.ndarray) -> np.ndarray:
    fade = min(len(audio), int(_FADE_S * ENGINE_RATE))
    out = audio.copy()
    out[len(out) - fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    return out


def _letters(text: str) -> str:
    return re.sub(r"\W", "", text)


def heard_as_speech(audio: np.ndarray, vad: VadSettings, sample_rate: int = ENGINE_RATE) -> bool:
    """Whether the voice detector, with these settings, opens on `audio` at all."""
    endpointer = Endpointer(vad)
    samples = resample(to_mono_float(audio), sample_rate)
    # After a quiet second, as in a conversation, and followed by one.
    quiet = np.zeros(ENGINE_RATE, np.float32)
    padded = np.concatenate([quiet, samples, quiet])
    step = int(ENGINE_RATE * 0.02)
    return any(isinstance(event, SpeechStart) for k in range(0, len(padded), step)
               for event in endpointer.process(padded[k:k + step]))
