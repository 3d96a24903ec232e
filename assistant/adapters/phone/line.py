"""The phone line as an `AudioOutput`: reply chunks -> 20 ms 8 kHz frames, paced in real time.

Asterisk plays frames as they arrive, so the pace here is what the caller
hears, and holding or dropping the queue silences the caller's earpiece at
once (barge-in). One sender runs for the whole call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

import numpy as np

from ...audio import StreamResampler, to_int16, to_mono_float
from ...core.clock import Clock
from ...core.events import ReplyAudio
from ...stt.echo import EchoGuard
from .protocol import FRAME_BYTES, FRAME_S, HEADER, PHONE_RATE, audio_frames

MAX_UNREAD_BYTES = 64 * 1024  # about 4 s of audio the peer has not read: it is gone
# A frame due this soon is sent now: the event loop wakes a sleeper about this early anyway.
_EARLY_S = 0.001


class PhoneEncoder:
    """Reply audio chunks (int16, any rate) -> 20 ms 8 kHz frames, one continuous
    stream per reply: only its very end is padded to a whole frame."""

    def __init__(self) -> None:
        self._resampler: StreamResampler | None = None
        self._pending = np.zeros(0, np.int16)

    def __call__(self, chunk: ReplyAudio) -> list[bytes]:
        if self._resampler is None or self._resampler.from_rate != chunk.sample_rate:
            self._resampler = StreamResampler(chunk.sample_rate, PHONE_RATE)
        samples = np.concatenate([self._pending, to_int16(self._resampler(to_mono_float(chunk.samples)))])
        whole = len(samples) - len(samples) % (FRAME_BYTES // 2)
        self._pending = samples[whole:]
        return list(audio_frames(samples[:whole]))

    def flush(self) -> list[bytes]:
        tail = self._pending
        if self._resampler is not None:
            tail = np.concatenate([tail, to_int16(self._resampler(np.zeros(0, np.float32), last=True))])
        self._pending = np.zeros(0, np.int16)
        self._resampler = None
        return list(audio_frames(tail))


class LineOutput:
    """Frames to Asterisk, one per 20 ms on the clock; after an underrun the pace
    restarts rather than bursting frames Asterisk would play late.

    Paused, it holds its queue and sends nothing (the caller hears silence within
    a frame); resumed, it goes on with the next unsent frame. Every frame sent is
    told to the `echo` guard with the time it went out, so that the call's
    listening can recognize it when the line sends it back."""

    def __init__(self, writer: asyncio.StreamWriter, clock: Clock, echo: EchoGuard | None = None):
        self._writer = writer
        self._clock = clock
        self.echo = echo
        self._frames: deque[bytes] = deque()
        self._encoder = PhoneEncoder()
        self._turn = -1
        self._paused = False
        self._wake = asyncio.Event()  # frames queued, resumed or cleared
        self._drained = asyncio.Event()
        self._drained.set()
        self._error: ConnectionError | None = None
        self._sender = asyncio.create_task(self._send_loop(), name="phone-line")

    async def play(self, chunk: ReplyAudio) -> None:
        self._check()
        if chunk.turn != self._turn:
            self._queue_frames(self._encoder.flush())
            self._turn = chunk.turn
        self._queue_frames(self._encoder(chunk))

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._wake.set()

    def clear(self) -> None:
        self._frames.clear()
        self._paused = False
        self._encoder = PhoneEncoder()
        self._drained.set()
        self._wake.set()

    async def wait_played(self) -> None:
        self._queue_frames(self._encoder.flush())
        await self._drained.wait()
        self._check()

    async def send_now(self, frames: list[bytes]) -> None:
        """Frames outside any conversation (the busy notice), played to the end."""
        self._queue_frames(frames)
        await self.wait_played()

    def close(self) -> None:
        self._sender.cancel()

    def _queue_frames(self, frames: list[bytes]) -> None:
        self._frames.extend(frames)
        if frames:
            self._drained.clear()
            self._wake.set()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    async def _send_loop(self) -> None:
        deadline: float | None = None
        try:
            while True:
                if not self._frames or self._paused:
                    if not self._frames:
                        self._drained.set()
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                now = self._clock.now()
                if deadline is None or now > deadline + FRAME_S:
                    deadline = now
                elif deadline > now + _EARLY_S:
                    # Pause, resume and clear act on the frame this sleep is waiting to send.
                    await self._clock.sleep(deadline - now)
                    continue
                self._write(self._frames.popleft())
                deadline += FRAME_S
        except ConnectionError as err:
            self._error = err
            self._drained.set()

    def _write(self, frame: bytes) -> None:
        if self._writer.is_closing():
            raise ConnectionResetError("socket closed")
        # No drain(): a paced writer only queues if the peer stops reading, and
        # that is better caught by size than by awaiting.
        if self._writer.transport.get_write_buffer_size() > MAX_UNREAD_BYTES:
            raise ConnectionAbortedError("peer stopped reading")
        with contextlib.suppress(RuntimeError):  # the transport closed under us: caught next frame
            self._writer.write(frame)
        if self.echo is not None:
            self.echo.sent(np.frombuffer(frame, "<i2", offset=HEADER.size), PHONE_RATE, self._clock.now())
