"""Spoken replies: answer text -> int16 audio chunks, the first one as soon as possible.

The text is normalized for speech (numbers, phone numbers, symbols) and cut
into pieces (`clauses.py`): a short first piece, then sentences. Each piece is
synthesized, or read from the audio cache, and yielded before the next is
started, so the first audio plays while the rest is still being made.

Which voice speaks is decided in `voices.py`: a native Korean Piper voice,
else Kokoro-82M with our Korean G2P (the embedded default), else espeak-ng
Korean. A non-Korean voice hands its Hangul pieces to the best Korean voice.

One Synthesizer is loaded per process and shared by all sessions. Synthesis
needs no lock of its own: onnxruntime sessions may run from several threads,
Kiwi calls in the G2P are serialized, and Piper's phonemizer and the espeak-ng
Korean voice serialize their use of espeak-ng on Piper's lock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import onnxruntime
from piper import PiperVoice
from piper.config import PiperConfig, SynthesisConfig

from ..audio import resample, to_int16, to_mono_float
from ..config import TtsSettings
from .audio_cache import AudioCache
from .clauses import speech_pieces
from .espeak_korean import shared_espeak_korean
from .voices import KokoroEntry, VoiceChoice, VoiceEntry, VoiceError, choose_voice, korean_voice, load_manifest

LENGTH_SCALE_RANGE = (0.5, 2.5)
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


class Speaker(Protocol):
    """One voice: a piece of text in, int16 mono audio at `sample_rate` out."""

    name: str
    language: str
    sample_rate: int
    # Everything the audio depends on besides text and rate (model, style, G2P version).
    fingerprint: str

    def speak(self, text: str, length_scale: float = 1.0) -> np.ndarray: ...


@dataclass
class Synthesizer:
    speaker: Speaker
    korean: Speaker | None  # speaks the Hangul pieces of a voice that cannot
    warning: str | None
    length_scale: float
    cache: AudioCache | None = field(default=None, repr=False)

    @property
    def voice_name(self) -> str:
        return self.speaker.name

    @property
    def language(self) -> str:
        return self.speaker.language

    @property
    def sample_rate(self) -> int:
        return self.speaker.sample_rate

    @classmethod
    def load(cls, settings: TtsSettings) -> Synthesizer:
        """Choose, verify and load the voice; raises VoiceError with a remedy if it cannot."""
        _check_length_scale(settings.length_scale)
        choice = choose_voice(settings)
        speaker = _load_speaker(choice, settings)
        korean = None
        if not speaker.language.lower().startswith("ko"):
            fallback = korean_voice(load_manifest(choice.voices_dir))
            korean = _load_speaker(VoiceChoice(fallback, choice.voices_dir), settings)
        cache = AudioCache(settings.cache_dir, settings.cache_max_mb * 1_000_000) if settings.cache_max_mb else None
        return cls(speaker, korean, choice.warning, settings.length_scale, cache)

    def synthesize(self, text: str, length_scale: float | None = None) -> Iterator[np.ndarray]:
        """int16 mono chunks at `sample_rate`, one per piece; length_scale > 1 speaks slower."""
        scale = self.length_scale if length_scale is None else _check_length_scale(length_scale)
        for piece in speech_pieces(text):
            audio = self._piece(piece.text, scale)
            if audio.size:
                yield np.concatenate([audio, np.zeros(round(piece.pause_after_s * scale * self.sample_rate), np.int16)])

    def _piece(self, text: str, scale: float) -> np.ndarray:
        speaker = self.korean if self.korean is not None and _HANGUL.search(text) else self.speaker
        key = AudioCache.key(f"{speaker.fingerprint}@{self.sample_rate}", scale, text)
        if self.cache is not None and (cached := self.cache.get(key)) is not None:
            return cached
        audio = speaker.speak(text, scale)
        if speaker.sample_rate != self.sample_rate:
            audio = to_int16(resample(to_mono_float(audio), speaker.sample_rate, self.sample_rate))
        if self.cache is not None and audio.size:
            self.cache.put(key, audio)
        return audio


def _load_speaker(choice: VoiceChoice, settings: TtsSettings) -> Speaker:
    if choice.entry is None:
        return shared_espeak_korean()
    if isinstance(choice.entry, KokoroEntry):
        from .kokoro import KokoroVoice

        return KokoroVoice(choice.entry, settings.threads)
    return PiperSpeaker(choice, settings.threads)


class PiperSpeaker:
    def __init__(self, choice: VoiceChoice, threads: int):
        assert isinstance(choice.entry, VoiceEntry)
        self.name, self.language = choice.entry.name, choice.entry.language
        self.fingerprint = f"piper:{choice.entry.sha256[:12]}"
        self._voice = _load_piper(choice, threads)
        self.sample_rate = self._voice.config.sample_rate

    def speak(self, text: str, length_scale: float = 1.0) -> np.ndarray:
        config = SynthesisConfig(length_scale=self._voice.config.length_scale * length_scale)
        chunks = [chunk.audio_int16_array for chunk in self._voice.synthesize(text, config)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def _load_piper(choice: VoiceChoice, threads: int) -> PiperVoice:
    assert isinstance(choice.entry, VoiceEntry)
    try:
        config = PiperConfig.from_dict(json.loads(choice.config_path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise VoiceError(f"voice {choice.name}: {choice.config_path} is unreadable "
                         f"({type(err).__name__}: {err}); copy it again") from err
    if config.sample_rate != choice.entry.sample_rate:
        raise VoiceError(f"voice {choice.name}: {choice.config_path} says {config.sample_rate} Hz, "
                         f"the manifest {choice.entry.sample_rate} Hz; fix the manifest entry")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(str(choice.model_path), sess_options=options,
                                               providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own untyped errors for bad models
        raise VoiceError(f"voice {choice.name}: {choice.model_path} is not a loadable ONNX model ({err})") from err
    return PiperVoice(session=session, config=config)


def _check_length_scale(scale: float) -> float:
    low, high = LENGTH_SCALE_RANGE
    if not low <= scale <= high:
        raise ValueError(f"speaking rate (length_scale) must be between {low} and {high}, got {scale}")
    return scale
