"""The phone line as an `AudioOutput`: reply chunks -> 20 ms 8 kHz frames, paced in real time.

Asterisk plays frames as they arrive, so the pace here is what the caller
hears, and dropping the queue silences the caller's earpiece at once
(barge-in). One sender runs for the whole call.
"""

from __future__ import annotations

import asyncio
import contextlib

import numpy as np

from ...audio import StreamResampler, to_int16, to_mono_float
from ...core.clock import Clock
from ...core.events import ReplyAudio
from .protocol import FRAME_BYTES, FRAME_S, PHONE_RATE, audio_frames

MAX_UNREAD_BYTES = 64 * 1024  # about 4 s of audio the peer has not read: it is gone


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
    restarts rather than bursting frames Asterisk would play late."""

    def __init__(self, writer: asyncio.StreamWriter, clock: Clock):
        self._writer = writer
        self._clock = clock
        self._queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
        self._encoder = PhoneEncoder()
        self._turn = -1
        self._generation = 0  # bumped by clear(): frames queued before it are not sent
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

    def clear(self) -> None:
        self._generation += 1
        while not self._queue.empty():
            self._queue.get_nowait()
        self._encoder = PhoneEncoder()
        self._drained.set()

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
        for frame in frames:
            self._queue.put_nowait((self._generation, frame))
        if frames:
            self._drained.clear()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    async def _send_loop(self) -> None:
        deadline: float | None = None
        try:
            while True:
                generation, frame = await self._queue.get()
                now = self._clock.now()
                if deadline is None or now > deadline + FRAME_S:
                    deadline = now
                elif deadline > now:
                    await self._clock.sleep(deadline - now)
                if generation == self._generation:
                    self._write(frame)
                    deadline += FRAME_S
                if self._queue.empty():
                    self._drained.set()
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
