"""Where reply audio goes: the one interface every adapter's speaker implements.

The controller hands an output each synthesized chunk as soon as it exists
(`play`), stops it at once when the resident cuts in (`clear`), and waits
until the resident has heard everything (`wait_played`) before it says the
turn is over. The kiosk's page and sound device, the phone line's paced
20 ms frames and the scenario runner's recorder are the implementations.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .clock import Clock
from .events import ReplyAudio


class AudioOutput(Protocol):
    async def play(self, chunk: ReplyAudio) -> None:
        """Queue a chunk behind what is already playing; returns once it is queued."""

    def clear(self) -> None:
        """Stop now and drop everything queued (barge-in, a button, a reset)."""

    async def wait_played(self) -> None:
        """Return when everything queued has been heard, or has been cleared."""


class RecordingOutput:
    """Keeps what would have been heard, and 'plays' it on a clock.

    Used by the scenario runner and tests: with a virtual clock, hearing a
    reply takes its duration in virtual time and no real time.
    """

    def __init__(self, clock: Clock):
        self._clock = clock
        self.chunks: list[ReplyAudio] = []
        self._ends_at = 0.0
        self.cleared = 0

    async def play(self, chunk: ReplyAudio) -> None:
        self.chunks.append(chunk)
        start = max(self._clock.now(), self._ends_at)
        self._ends_at = start + len(chunk.samples) / chunk.sample_rate

    def clear(self) -> None:
        self.cleared += 1
        self._ends_at = self._clock.now()

    async def wait_played(self) -> None:
        while (left := self._ends_at - self._clock.now()) > 1e-9:
            await self._clock.sleep(left)

    def audio_of(self, turn: int) -> tuple[np.ndarray, int] | None:
        """The audio queued for one turn, joined (int16, its sample rate)."""
        chunks = [c for c in self.chunks if c.turn == turn]
        if not chunks:
            return None
        return np.concatenate([c.samples for c in chunks]), chunks[0].sample_rate
