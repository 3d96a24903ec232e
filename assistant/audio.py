"""Audio in and out: decoding files of any format, channel mixing, resampling.

Everything inside the engine is float32 mono at 16 kHz (`ENGINE_RATE`);
conversion happens here once, at the edge.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile
import soxr

with warnings.catch_warnings():
    # G.711 μ-law is exactly what audioop implements; it is deprecated from
    # 3.11 and removed in 3.13 (where the `audioop-lts` package provides it).
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ENGINE_RATE = 16000
# A telephone line's sample rate (G.711).
LINE_RATE = 8000
# soxr's qualities: "HQ" delays a stream by about 66 ms; "QQ" (cubic) by well
# under 1 ms, for a live input where reaction time matters more.
ResampleQuality = Literal["HQ", "QQ"]


class AudioError(ValueError):
    """Input that cannot be used as speech, with a message fit for a person."""


def to_mono_float(samples: np.ndarray) -> np.ndarray:
    """int16/int32/float samples, shape (n,) or (n, channels) -> float32 mono in [-1, 1]."""
    samples = np.asarray(samples)
    if samples.ndim not in (1, 2):
        raise AudioError(f"audio must be 1-D or (frames, channels), got shape {samples.shape}")
    if samples.dtype == np.int16:
        mono = samples.astype(np.float32) / 32768.0
    elif samples.dtype == np.int32:
        mono = samples.astype(np.float32) / 2147483648.0
    elif samples.dtype.kind == "f":
        mono = samples.astype(np.float32, copy=False)
    else:
        raise AudioError(f"unsupported sample type {samples.dtype}")
    return mono.mean(axis=1) if mono.ndim == 2 else mono


def to_int16(samples: np.ndarray) -> np.ndarray:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)


def trim_silence(samples: np.ndarray, sample_rate: int = ENGINE_RATE, floor_db: float = -35.0) -> np.ndarray:
    """Drop leading and trailing 20 ms frames quieter than `floor_db` below the
    loudest one, so that a clip starts and ends where its sound does."""
    step = int(sample_rate * 0.02)
    frames = samples[: len(samples) // step * step].astype(np.float32).reshape(-1, step)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (floor_db / 20))
    return samples[loud[0] * step:(loud[-1] + 1) * step]


def line_audio(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Float mono audio as a phone line carries it: int16 at 8 kHz, through G.711 μ-law
    (Asterisk decodes the line's μ-law to the 16-bit samples AudioSocket carries)."""
    return through_mu_law(to_int16(resample(samples, sample_rate, LINE_RATE)))


def through_mu_law(samples: np.ndarray) -> np.ndarray:
    """int16 samples as a phone line carries them: G.711 μ-law encoded, then decoded again."""
    pcm = np.asarray(samples, dtype="<i2").tobytes()
    return np.frombuffer(audioop.ulaw2lin(audioop.lin2ulaw(pcm, 2), 2), dtype="<i2").astype(np.int16)


def resample(samples: np.ndarray, from_rate: int, to_rate: int = ENGINE_RATE) -> np.ndarray:
    if from_rate == to_rate:
        return samples
    if from_rate <= 0:
        raise AudioError(f"invalid sample rate {from_rate}")
    return soxr.resample(samples, from_rate, to_rate).astype(np.float32, copy=False)


class StreamResampler:
    """Resamples a live stream frame by frame without clicks at frame edges."""

    def __init__(self, from_rate: int, to_rate: int = ENGINE_RATE, quality: ResampleQuality = "HQ"):
        if from_rate <= 0:
            raise AudioError(f"invalid sample rate {from_rate}")
        self.from_rate, self.to_rate = from_rate, to_rate
        self._stream = None if from_rate == to_rate else soxr.ResampleStream(
            from_rate, to_rate, 1, dtype="float32", quality=quality)

    def __call__(self, samples: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return samples
        return self._stream.resample_chunk(samples, last=last)


def load_audio(source: Path | bytes) -> np.ndarray:
    """Decode WAV/FLAC/OGG/MP3/M4A (any rate, any channels) to engine audio.

    libsndfile reads the common formats fast; anything else goes through
    PyAV (FFmpeg), which faster-whisper already depends on.
    """
    name = "audio data" if isinstance(source, bytes) else str(source)
    if isinstance(source, Path):
        if not source.exists():
            raise AudioError(f"{name}: file not found")
        if source.is_dir():
            raise AudioError(f"{name}: a folder, not an audio file")
        if source.stat().st_size == 0:
            raise AudioError(f"{name}: file is empty")
    elif not source:
        raise AudioError("audio data is empty")
    try:
        data, rate = soundfile.read(io.BytesIO(source) if isinstance(source, bytes) else source,
                                    dtype="float32", always_2d=True)
        samples = resample(data.mean(axis=1).astype(np.float32), rate)
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        samples = _decode_with_av(source, name)
    if samples.size == 0:
        raise AudioError(f"{name}: contains no audio samples")
    return samples


def _decode_with_av(source: Path | bytes, name: str) -> np.ndarray:
    import av
    from faster_whisper.audio import decode_audio

    try:
        return decode_audio(io.BytesIO(source) if isinstance(source, bytes) else str(source),
                            sampling_rate=ENGINE_RATE)
    except (av.error.FFmpegError, ValueError, IndexError) as err:
        raise AudioError(f"{name}: not a readable audio file ({type(err).__name__})") from err


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """16-bit PCM; the folder must exist (a mistyped path is an error, never a new folder)."""
    soundfile.write(str(path), samples, sample_rate, subtype="PCM_16")
