"""Korean speech from espeak-ng, the formant synthesizer inside piper-tts.

The stand-in for a Korean Piper voice: robotic, but Korean. An English Piper
voice cannot say Korean in any form we tried: its audio, transcribed by Whisper
base, lost more of the text (character error rate 0.98 given romanized text,
worse given Hangul or Korean phonemes) than this voice's (0.80) on the same
corpus sentences (docs/voice.md).

piper-tts links libespeak-ng into its `espeakbridge` extension to phonemize;
the library's synthesis functions are exported there as well and are called
through ctypes, so nothing beyond piper-tts is installed.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np
from piper import espeakbridge
from piper.phonemize_espeak import ESPEAK_DATA_DIR

# espeak-ng keeps one global state (voice, callback); Piper's phonemizer holds
# this lock while using it, and so must every synthesis call here.
from piper.voice import _ESPEAK_PHONEMIZER_LOCK as _ESPEAK_LOCK

from .voices import VoiceError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_POSITION_CHARACTER = 1
_RATE, _WORD_GAP = 1, 7
_DEFAULT_RATE = 175
# Slower than espeak's default 175 words a minute, with 20 ms between words:
# clearer on ten typical answers (error rate 0.67 against 1.10).
WORDS_PER_MINUTE = 140
WORD_GAP_10MS = 2

_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@functools.cache
def shared_espeak_korean() -> EspeakKorean:
    """The process's one instance: espeak-ng is a global, initialized once."""
    return EspeakKorean()


class EspeakKorean:
    """Thread-safe through the lock it shares with Piper's phonemizer."""

    name = "espeak-ng-ko"
    language = "ko"
    fingerprint = f"espeak-ng-ko:{WORDS_PER_MINUTE}:{WORD_GAP_10MS}"

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakbridge.__file__)
        self._chunks: list[np.ndarray] = []
        # Kept on the instance: ctypes callbacks must outlive every call into C.
        self._callback = _Callback(self._collect)
        with _ESPEAK_LOCK:
            rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(ESPEAK_DATA_DIR).encode(), 0)
            if rate <= 0 or self._lib.espeak_SetVoiceByName(b"ko") != 0:
                raise VoiceError(f"espeak-ng inside piper-tts could not load its Korean voice from {ESPEAK_DATA_DIR}; "
                                 "reinstall piper-tts")
        self.sample_rate = rate

    def speak(self, sentence: str, length_scale: float = 1.0) -> np.ndarray:
        """int16 mono audio of one sentence at `self.sample_rate`."""
        text = sentence.encode("utf-8")
        with _ESPEAK_LOCK:
            self._chunks.clear()
            self._lib.espeak_SetSynthCallback(self._callback)
            self._lib.espeak_SetVoiceByName(b"ko")
            self._lib.espeak_SetParameter(_RATE, max(80, round(WORDS_PER_MINUTE / length_scale)), 0)
            self._lib.espeak_SetParameter(_WORD_GAP, WORD_GAP_10MS, 0)
            try:
                self._lib.espeak_Synth(text, len(text) + 1, 0, _POSITION_CHARACTER, 0, _CHARS_UTF8, None, None)
            finally:
                # Leave espeak-ng as Piper's phonemizer expects it.
                self._lib.espeak_SetParameter(_RATE, _DEFAULT_RATE, 0)
                self._lib.espeak_SetParameter(_WORD_GAP, 0, 0)
            chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)

    def _collect(self, samples, count: int, _events) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0  # go on synthesizing
