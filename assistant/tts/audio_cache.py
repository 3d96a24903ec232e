"""Synthesized audio kept on disk, so a text said before is said again at once.

Keyed by (voice fingerprint, speaking rate, text): one `.npy` file of int16
samples per piece of a reply. Files are written atomically (`files.atomic_write`),
so several sessions and processes can share the folder: a reader sees a whole
file or none. The folder is bounded: when it grows past `max_bytes`, the files
used longest ago go first (a hit refreshes a file's modification time).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from pathlib import Path

import numpy as np

from ..files import atomic_write

log = logging.getLogger(__name__)

# Eviction brings the folder down to this share of its bound, so that it
# does not run again on the very next write.
_EVICT_TO = 0.8


class AudioCache:
    def __init__(self, folder: Path, max_bytes: int):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._bytes: int | None = None  # measured on first write

    @staticmethod
    def key(fingerprint: str, length_scale: float, text: str) -> str:
        return hashlib.sha256(f"{fingerprint}\0{length_scale:.3f}\0{text}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        path = self._path(key)
        try:
            audio = np.load(path, allow_pickle=False)
            os.utime(path)  # most recently used
        except (OSError, ValueError) as err:
            if not isinstance(err, FileNotFoundError):
                log.warning("audio cache: unreadable %s (%s); synthesizing again", path.name, err)
            return None
        return audio if audio.dtype == np.int16 and audio.ndim == 1 else None

    def put(self, key: str, audio: np.ndarray) -> None:
        path = self._path(key)
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(audio, np.int16), allow_pickle=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda f: f.write(buffer.getvalue()))
        except OSError as err:  # a full or read-only disk costs speed, never the reply
            log.warning("audio cache: cannot write %s (%s)", path, err)
            return
        with self._lock:
            if self._bytes is None:
                self._bytes = sum(size for _, size, _ in self._files())
            else:
                self._bytes += buffer.getbuffer().nbytes
            if self._bytes > self.max_bytes:
                self._bytes = self._evict()

    def _files(self) -> list[tuple[float, int, Path]]:
        found = []
        for path in self.folder.glob("*/*.npy"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # evicted by another process meanwhile
                continue
            found.append((stat.st_mtime, stat.st_size, path))
        return found

    def _evict(self) -> int:
        files = sorted(self._files())
        total = sum(size for _, size, _ in files)
        for _, size, path in files:
            if total <= self.max_bytes * _EVICT_TO:
                break
            path.unlink(missing_ok=True)
            total -= size
        return total
