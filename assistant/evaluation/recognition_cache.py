"""Recognitions of evaluation audio kept on disk, so that re-running an evaluation is fast.

An endpointing run recognizes every clip once for its word timestamps and
every pause for a partial transcript: about 40 minutes on this 2-core
machine under load, for figures that change only when the recognizer does.
Each result is stored under the hash of its audio and of the recognizer:
the model file's hash, the settings that change what it writes, and the
source of the transcriber module (a change there may change every result).
A cached result keeps the compute time measured when it was made, so a
re-run reports the latencies of the first one.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from ..checksum import sha256_file
from ..config import PROJECT_ROOT
from ..stt import transcriber as transcriber_module
from ..stt.transcriber import Transcriber

DEFAULT_DIR = PROJECT_ROOT / ".cache" / "recognition"


def recognizer_key(transcriber: Transcriber) -> str:
    """What a recognition result depends on besides its audio."""
    settings = transcriber.settings
    parts = [sha256_file(Path(settings.model_dir) / "model.bin"), settings.compute_type, str(settings.beam_size),
             settings.language, inspect.getsource(transcriber_module)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Timed:
    value: Any  # JSON: what the call returned
    elapsed_s: float  # its compute time when it was made


class RecognitionCache:
    """`fetch(kind, audio, compute)`: a stored result for this audio and recognizer, or `compute(audio)`'s."""

    def __init__(self, directory: Path, recognizer: str):
        self._dir = Path(directory) / recognizer

    @classmethod
    def for_transcriber(cls, transcriber: Transcriber, directory: Path = DEFAULT_DIR) -> RecognitionCache:
        return cls(directory, recognizer_key(transcriber))

    def fetch(self, kind: str, audio: np.ndarray, compute: Callable[[np.ndarray], Any]) -> Timed:
        digest = hashlib.sha1(np.ascontiguousarray(audio, dtype=np.float32).tobytes()).hexdigest()
        path = self._dir / kind / digest[:2] / f"{digest}.json"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return Timed(stored["value"], stored["elapsed_s"])
        except (OSError, ValueError, KeyError):
            pass  # not there yet (or cut short by an interrupted run): recognize again
        started = perf_counter()
        value = compute(audio)
        timed = Timed(value, perf_counter() - started)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: an interrupted run leaves no half entry.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"value": value, "elapsed_s": timed.elapsed_s}, ensure_ascii=False),
                           encoding="utf-8")
        partial.replace(path)
        return timed
