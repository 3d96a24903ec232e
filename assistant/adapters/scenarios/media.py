"""Audio for the HTML report: compact MP3, embedded as data URIs.

Every browser plays MP3 (Ogg/Opus is smaller but not everywhere), and at
speech rates it takes about 4 KB per second, so a page with every recording
and every reply stays small enough to mail or attach to a CI run. Encoding is
fast (about 2 % of the audio's duration), which matters for long runs.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import soundfile

from ...audio import resample, to_mono_float

# Sample rates MPEG audio defines; anything else is resampled.
_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
_FALLBACK_RATE = 22050
# libsndfile's 0..1 scale: 0.5 keeps voices clear at about 33 kbit/s.
_COMPRESSION = 0.5


def to_mp3(samples: np.ndarray, sample_rate: int) -> bytes:
    audio = to_mono_float(samples)
    if sample_rate not in _MP3_RATES:
        audio, sample_rate = resample(audio, sample_rate, _FALLBACK_RATE), _FALLBACK_RATE
    out = io.BytesIO()
    soundfile.write(out, audio, sample_rate, format="MP3", subtype="MPEG_LAYER_III", compression_level=_COMPRESSION)
    return out.getvalue()


def data_uri(mp3: bytes) -> str:
    return "data:audio/mpeg;base64," + base64.b64encode(mp3).decode("ascii")
