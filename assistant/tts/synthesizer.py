"""Spoken replies: answer text -> int16 audio, one chunk per sentence as soon as it is ready.

The text is normalized for speech first (numbers, phone numbers, symbols), then
cut into sentences; each sentence is synthesized and yielded before the next
is started, so the first audio plays while the rest is still being made.

One Synthesizer is loaded per process and shared by all sessions. Synthesis
needs no lock of its own: onnxruntime sessions may run from several threads,
and Piper's phonemizer and the espeak-ng Korean voice serialize their use of
espeak-ng on Piper's lock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import onnxruntime
from piper import PiperVoice
from piper.config import PiperConfig, SynthesisConfig

from ..audio import resample, to_int16, to_mono_float
from ..config import TtsSettings
from .espeak_korean import EspeakKorean, shared_espeak_korean
from .speech_normalize import speech_sentences
from .voices import VoiceChoice, VoiceError, choose_voice

# One thread per synthesis: on a 2-core machine a second thread only fights the
# speech recognizer and other sessions (measured: real-time factor 0.09 with
# one thread, 0.24 with two, while the machine was busy).
ONNX_THREADS = 1
LENGTH_SCALE_RANGE = (0.5, 2.5)
SENTENCE_PAUSE_S = 0.25
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


@dataclass
class Synthesizer:
    voice_name: str
    language: str
    sample_rate: int
    warning: str | None
    length_scale: float
    _piper: PiperVoice | None = field(repr=False)
    _espeak: EspeakKorean | None = field(repr=False)

    @classmethod
    def load(cls, settings: TtsSettings) -> Synthesizer:
        """Choose, verify and load the voice; raises VoiceError with a remedy if it cannot."""
        _check_length_scale(settings.length_scale)
        choice = choose_voice(settings)
        if choice.entry is None:
            espeak = shared_espeak_korean()
            return cls(choice.name, "ko", espeak.sample_rate, choice.warning, settings.length_scale, None, espeak)
        piper = _load_piper(choice)
        # A voice that cannot say Korean hands Korean sentences to espeak-ng.
        espeak = None if choice.entry.is_korean else shared_espeak_korean()
        return cls(choice.name, choice.entry.language, piper.config.sample_rate, choice.warning,
                   settings.length_scale, piper, espeak)

    def synthesize(self, text: str, length_scale: float | None = None) -> Iterator[np.ndarray]:
        """int16 mono chunks at `sample_rate`, one per sentence; length_scale > 1 speaks slower."""
        scale = self.length_scale if length_scale is None else _check_length_scale(length_scale)
        pause = np.zeros(round(SENTENCE_PAUSE_S * scale * self.sample_rate), np.int16)
        for sentence in speech_sentences(text):
            audio = self._speak(sentence, scale)
            if audio.size:
                yield np.concatenate([audio, pause])

    def _speak(self, sentence: str, scale: float) -> np.ndarray:
        if self._piper is None or (self._espeak is not None and _HANGUL.search(sentence)):
            audio = self._espeak.synthesize(sentence, scale)
            if self._espeak.sample_rate == self.sample_rate:
                return audio
            return to_int16(resample(to_mono_float(audio), self._espeak.sample_rate, self.sample_rate))
        config = SynthesisConfig(length_scale=self._piper.config.length_scale * scale)
        chunks = [chunk.audio_int16_array for chunk in self._piper.synthesize(sentence, config)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def _load_piper(choice: VoiceChoice) -> PiperVoice:
    try:
        config = PiperConfig.from_dict(json.loads(choice.config_path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise VoiceError(f"voice {choice.name}: {choice.config_path} is unreadable "
                         f"({type(err).__name__}: {err}); copy it again") from err
    if config.sample_rate != choice.entry.sample_rate:
        raise VoiceError(f"voice {choice.name}: {choice.config_path} says {config.sample_rate} Hz, "
                         f"the manifest {choice.entry.sample_rate} Hz; fix the manifest entry")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = ONNX_THREADS
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
