"""Helpers that tests and benchmarks share: ports, waiting for a server, and a
peer that speaks the kiosk page's WebSocket protocol (the phone's peer is
`adapters/phone/client.py`). Nothing here runs in production."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .audio import ENGINE_RATE, resample, to_int16
from .config import Settings

if TYPE_CHECKING:
    from .core.engine import Engine

# A kiosk message as the peer sees it: JSON as a dict, audio as bytes.
Message = dict[str, Any] | bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_serving(url: str, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    """Until `url` answers 200; a `process` that exits meanwhile is an error at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f} s")


@contextmanager
def serving(app, host: str = "127.0.0.1") -> Iterator[int]:
    """An ASGI `app` on a free port in this process (sharing a loaded engine), until the block ends."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, proxy_headers=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_serving(f"http://127.0.0.1:{port}")
        yield port
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass
class OpenKiosk:
    """A kiosk server running in this process: where it listens, with what settings and engine."""

    port: int
    settings: Settings
    engine: Engine


# --- the kiosk page's protocol (docs/kiosk.md, "The WebSocket protocol") ---------------------

def kiosk_frames(audio: np.ndarray, rate: int = ENGINE_RATE, frame_s: float = 0.04) -> Iterator[bytes]:
    """16 kHz engine audio as the page sends it: frames of `frame_s` at `rate`, each
    a uint32 LE sample rate and 16-bit LE PCM."""
    pcm = to_int16(resample(audio, ENGINE_RATE, rate)).astype("<i2")
    step = int(rate * frame_s)
    for offset in range(0, len(pcm), step):
        yield rate.to_bytes(4, "little") + pcm[offset:offset + step].tobytes()


def decode(raw: str | bytes) -> Message:
    return json.loads(raw) if isinstance(raw, str) else raw


def of_type(kind: str, **fields: Any) -> Callable[[Message], bool]:
    """A test for a JSON message of `kind` whose `fields` have these values."""
    return lambda m: isinstance(m, dict) and m.get("type") == kind and all(m.get(k) == v for k, v in fields.items())


def receive_until(ws, stop: Callable[[Message], bool], timeout: float = 120) -> list[Message]:
    """Messages up to and including the first for which `stop` is true."""
    received: list[Message] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no matching message; got {[m if isinstance(m, dict) else len(m) for m in received]}")
        received.append(decode(ws.recv(timeout=remaining)))
        if stop(received[-1]):
            return received


def poll(ws) -> str | bytes | None:
    """A message that has already arrived, or None."""
    try:
        return ws.recv(timeout=0)
    except TimeoutError:
        return None
