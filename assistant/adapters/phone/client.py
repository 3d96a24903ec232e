"""An AudioSocket peer that behaves like Asterisk's AudioSocket() application.

It sends the call UUID first, then a 20 ms frame of 8 kHz audio on a
real-time clock for as long as the call lasts (silence between utterances, as
a phone line does), DTMF frames when keys are pressed, and a hangup frame at
the end. Everything the bridge sends back is recorded with its arrival time.
With a `LineEcho` the caller's line also sends back what it heard, later and
quieter, over line noise, as a telephone hybrid does.

Tests and the phone benchmark drive it; by hand it checks a bridge without a PBX:

    python -m assistant.adapters.phone.client 127.0.0.1:9092 question.flac --out reply.wav
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...audio import line_audio, load_audio, trim_silence
from .protocol import (
    FRAME_BYTES,
    FRAME_S,
    HANGUP,
    PHONE_RATE,
    Frame,
    Kind,
    audio_frames,
    dtmf_frame,
    parse_address,
    read_frame,
    uuid_frame,
)

SILENCE = next(audio_frames(np.zeros(FRAME_BYTES // 2, np.int16)))


def phone_audio(path: Path) -> np.ndarray:
    """A recording as a phone line carries it (see `line_audio`)."""
    return line_audio(load_audio(path), 16000)


@dataclass(frozen=True)
class LineEcho:
    """The echo a line returns: what the caller hears, `delay_s` later, `loss_db` quieter,
    with line noise `noise_db` below full scale on every frame sent."""

    delay_s: float = 0.12
    loss_db: float = 12.0
    noise_db: float = -55.0


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() on arrival
    frame: Frame


@dataclass
class Caller:
    """One call. Create with `await Caller.connect(host, port)`."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    call_id: uuid.UUID
    received: list[Received] = field(default_factory=list)
    hung_up_by_peer: bool = False
    _outgoing: deque = field(default_factory=deque)
    _tasks: list = field(default_factory=list)
    _closed: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    echo: LineEcho | None = None
    # Heard frames waiting to come back as echo: (when, samples), oldest first.
    _echoes: deque = field(default_factory=deque)
    _noise: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    @classmethod
    async def connect(cls, host: str, port: int, call_id: uuid.UUID | None = None,
                      echo: LineEcho | None = None) -> Caller:
        reader, writer = await asyncio.open_connection(host, port)
        caller = cls(reader, writer, call_id or uuid.uuid4(), echo=echo)
        writer.write(uuid_frame(caller.call_id))
        caller._tasks = [asyncio.create_task(caller._send_clock()), asyncio.create_task(caller._receive())]
        return caller

    # --- what the caller does ----------------------------------------------------------
    async def say(self, samples: np.ndarray) -> tuple[float, float]:
        """Speak int16 8 kHz samples in real time; returns when the first frame and
        the last went out (time.monotonic()): the caller's start and end of speech
        for a clip without leading or trailing silence."""
        loop = asyncio.get_running_loop()
        started, ended = loop.create_future(), loop.create_future()
        self._outgoing.extend([started, *audio_frames(samples), ended])
        return await started, await ended

    def press(self, key: str) -> float:
        """A DTMF key, sent at once between audio frames as Asterisk does."""
        self.writer.write(dtmf_frame(key))
        return time.monotonic()

    async def hang_up(self) -> None:
        if not self.writer.is_closing():
            self.writer.write(HANGUP)
            with contextlib.suppress(ConnectionError):
                await self.writer.drain()
        await self.close()

    async def close(self) -> None:
        """Drop the connection without a hangup frame (or after one)."""
        for task in self._tasks:
            task.cancel()
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

    # --- what the caller hears -----------------------------------------------------------
    @property
    def closed_by_peer(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), timeout)
        return self._closed.is_set()

    def audio(self, since: float = 0.0, until: float = float("inf")) -> list[Received]:
        return [r for r in self.received if r.frame.is_audio and since <= r.at < until]

    async def wait_audio(self, since: float, timeout: float) -> float | None:
        """Arrival time of the first audio frame at or after `since`; None if none came."""
        deadline = time.monotonic() + timeout
        while True:
            frames = self.audio(since)
            if frames:
                return frames[0].at
            if self._closed.is_set() or time.monotonic() >= deadline:
                return None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), deadline - time.monotonic())

    async def wait_quiet(self, quiet_s: float, timeout: float) -> float | None:
        """Wait until no audio has arrived for `quiet_s`; returns the last frame's arrival time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._closed.is_set():
            frames = self.audio()
            last = frames[-1].at if frames else 0.0
            if time.monotonic() - last >= quiet_s:
                return last or None
            await asyncio.sleep(0.05)
        frames = self.audio()
        return frames[-1].at if frames and self._closed.is_set() else None

    def stopped_after(self, since: float, gap_s: float = 0.15) -> float:
        """How long after `since` the bridge's audio stopped: its last frame before a gap
        longer than `gap_s` (or its last frame at all)."""
        frames = self.audio(since)
        for this, after in zip(frames, frames[1:]):
            if after.at - this.at > gap_s:
                return this.at - since
        return (frames[-1].at - since) if frames else 0.0

    def recording(self, since: float = 0.0, until: float = float("inf")) -> np.ndarray:
        """What was heard as int16 8 kHz samples."""
        return np.concatenate([r.frame.samples for r in self.audio(since, until)] or [np.zeros(0, np.int16)])

    # --- the line ---------------------------------------------------------------------------
    async def _send_clock(self) -> None:
        next_at = time.monotonic()
        with contextlib.suppress(ConnectionError):
            while not self.writer.is_closing():
                item = self._outgoing.popleft() if self._outgoing else SILENCE
                if isinstance(item, asyncio.Future):  # a marker: when the frames around it were sent
                    item.set_result(time.monotonic())
                    continue
                self.writer.write(self._with_echo(item) if self.echo is not None else item)
                await self.writer.drain()
                next_at += FRAME_S
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def _with_echo(self, frame: bytes) -> bytes:
        """The frame as the line carries it: with the echo now due (one heard frame
        per frame sent, as a jitter buffer plays them) and line noise."""
        assert self.echo is not None
        samples = np.frombuffer(frame, "<i2", offset=3).astype(np.float32)
        if self._echoes and self._echoes[0][0] <= time.monotonic():
            samples += self._echoes.popleft()[1] * 10 ** (-self.echo.loss_db / 20)
        samples += self._noise.normal(0, 32768 * 10 ** (self.echo.noise_db / 20), len(samples))
        return next(audio_frames(np.clip(samples, -32768, 32767).astype(np.int16)))

    async def _receive(self) -> None:
        try:
            while (frame := await read_frame(self.reader)) is not None:
                now = time.monotonic()
                self.received.append(Received(now, frame))
                if self.echo is not None and frame.is_audio:
                    self._echoes.append((now + self.echo.delay_s, frame.samples.astype(np.float32)))
                self._arrived.set()
                if frame.kind == Kind.HANGUP:
                    self.hung_up_by_peer = True
                    break
        except (ConnectionError, ValueError):
            pass
        finally:
            self._closed.set()
            self._arrived.set()


@dataclass(frozen=True)
class Target:
    """One bridge as a dialplan lists it."""

    audio: str  # host:port of its AudioSocket listener
    health: str | None = None  # host:port of its health check (`assistant phone --health`)


async def health(address: str, timeout: float = 2.0) -> dict | None:
    """A bridge's health report (docs/phone.md), or None when nothing answers there."""
    def get() -> dict | None:
        try:
            with urllib.request.urlopen(f"http://{address}/health", timeout=timeout) as reply:
                return json.load(reply)
        except urllib.error.HTTPError as err:  # 503: full or stopping, with the same report
            return json.load(err)
        except (OSError, ValueError):
            return None

    return await asyncio.to_thread(get)


async def dial(targets: Sequence[Target], call_id: uuid.UUID | None = None) -> tuple[Caller, Target]:
    """What the dialplan in docs/phone.md ("More calls") does: the first bridge, in order,
    whose health check says it takes a call and that accepts the connection.
    ConnectionRefusedError when none does (the dialplan plays its busy message)."""
    for target in targets:
        if target.health is not None:
            report = await health(target.health)
            if report is None or report.get("status") != "accepting":
                continue
        try:
            return await Caller.connect(*parse_address(target.audio), call_id), target
        except OSError:  # down since its health check: the next one
            continue
    raise ConnectionRefusedError("no bridge takes the call")


async def _call(address: str, clip: Path, out: Path | None) -> None:
    from ...audio import write_wav
    host, port = parse_address(address)
    caller = await Caller.connect(host, port)
    start = time.monotonic()
    greeting = await caller.wait_audio(start, timeout=30)
    print(f"greeting after {greeting - start:.2f} s" if greeting else "no greeting")
    await caller.wait_quiet(1.0, timeout=60)
    _, spoken = await caller.say(trim_silence(phone_audio(clip), PHONE_RATE))
    first = await caller.wait_audio(spoken, timeout=30)
    print(f"first reply audio {first - spoken:.2f} s after the end of speech" if first else "no reply")
    await caller.wait_quiet(1.5, timeout=120)
    await caller.hang_up()
    if out is not None:
        write_wav(out, caller.recording(), PHONE_RATE)
        print(f"wrote {out}")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Call an AudioSocket bridge and ask one recorded question.")
    parser.add_argument("address", help="host:port of the bridge")
    parser.add_argument("clip", type=Path, help="a recorded question (any format, any rate)")
    parser.add_argument("--out", type=Path, help="write everything heard to this WAV file (8 kHz)")
    args = parser.parse_args()
    asyncio.run(_call(args.address, args.clip, args.out))


if __name__ == "__main__":
    main()
