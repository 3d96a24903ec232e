"""Audio for the HTML report: compact Ogg/Opus, embedded as data URIs.

Opus keeps speech clear at a few kilobytes per second, so a page with every
recording and every reply stays small enough to mail or attach to a CI run.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import soundfile

from ..audio import resample, to_mono_float

# Opus encodes only these rates; anything else (a 22.05 kHz voice) is resampled.
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
_FALLBACK_RATE = 24000


def to_ogg_opus(samples: np.ndarray, sample_rate: int) -> bytes:
    audio = to_mono_float(samples)
    if sample_rate not in _OPUS_RATES:
        audio, sample_rate = resample(audio, sample_rate, _FALLBACK_RATE), _FALLBACK_RATE
    out = io.BytesIO()
    soundfile.write(out, audio, sample_rate, format="OGG", subtype="OPUS")
    return out.getvalue()


def data_uri(ogg: bytes) -> str:
    return "data:audio/ogg;codecs=opus;base64," + base64.b64encode(ogg).decode("ascii")
