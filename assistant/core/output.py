"""Where reply audio goes: the one interface every adapter's speaker implements.

The controller hands an output each synthesized chunk as soon as it exists
(`play`), silences it at once when the resident starts speaking over it
(`pause`), lets it go on from where it stopped when that was only a "네" or a
cough (`resume`), drops it when the resident really cut in (`clear`), and
waits until the resident has heard everything (`wait_played`) before it says
the turn is over. The kiosk's page and sound device, the phone line's paced
20 ms frames and the scenario runner's recorder are the implementations.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import numpy as np

from .clock import Clock
from .events import ReplyAudio


class AudioOutput(Protocol):
    async def play(self, chunk: ReplyAudio) -> None:
        """Queue a chunk behind what is already playing (or paused); returns once it is queued."""

    def pause(self) -> None:
        """Go silent now, keeping everything not yet heard, the rest of the sentence included."""

    def resume(self) -> None:
        """Play on from where `pause` stopped; nothing when not paused."""

    def clear(self) -> None:
        """Stop now and drop everything queued, paused or not (barge-in, a button, a reset)."""

    async def wait_played(self) -> None:
        """Return when everything queued has been heard, or has been cleared; a paused
        output is not done: this waits through the pause."""


class RecordingOutput:
    """Keeps what would have been heard, and 'plays' it on a clock.

    Used by the scenario runner and tests: with a virtual clock, hearing a
    reply takes its duration in virtual time and no real time.
    """

    def __init__(self, clock: Clock):
        self._clock = clock
        self.chunks: list[ReplyAudio] = []
        self._ends_at = 0.0
        self._paused_left: float | None = None  # audio still to hear, while paused
        self._changed = asyncio.Event()
        self.cleared = 0
        self.pauses = 0

    @property
    def paused(self) -> bool:
        return self._paused_left is not None

    async def play(self, chunk: ReplyAudio) -> None:
        self.chunks.append(chunk)
        seconds = len(chunk.samples) / chunk.sample_rate
        if self._paused_left is not None:
            self._paused_left += seconds
            return
        start = max(self._clock.now(), self._ends_at)
        self._ends_at = start + seconds

    def pause(self) -> None:
        if self._paused_left is None:
            self.pauses += 1
            self._paused_left = max(0.0, self._ends_at - self._clock.now())

    def resume(self) -> None:
        if self._paused_left is not None:
            self._ends_at = self._clock.now() + self._paused_left
            self._paused_left = None
            self._changed.set()

    def clear(self) -> None:
        self.cleared += 1
        self._paused_left = None
        self._ends_at = self._clock.now()
        self._changed.set()

    async def wait_played(self) -> None:
        while True:
            if self._paused_left is not None:
                self._changed.clear()
                await self._changed.wait()
            elif (left := self._ends_at - self._clock.now()) > 1e-9:
                await self._clock.sleep(left)
            else:
                return

    def audio_of(self, turn: int) -> tuple[np.ndarray, int] | None:
        """The audio queued for one turn, joined (int16, its sample rate)."""
        chunks = [c for c in self.chunks if c.turn == turn]
        if not chunks:
            return None
        return np.concatenate([c.samples for c in chunks]), chunks[0].sample_rate
