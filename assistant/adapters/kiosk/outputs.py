"""Where the kiosk's reply audio is heard: the page's own speaker, or the kiosk's sound device.

Both are `AudioOutput`s (assistant/core/output.py): the controller hands them
chunks, pauses them when the resident starts speaking over a reply, resumes or
clears them once it knows what that was, and waits until the resident has
heard everything, so that "말하는 중" lasts exactly as long as the voice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ...core.events import ReplyAudio
from .audio_device import AudioDevice
from .protocol import encode_audio

# Playback may start late (a busy page, a device buffer); past this margin a
# reply counts as heard even if the page never reported it.
PLAYBACK_MARGIN_S = 3.0


class BrowserOutput:
    """Sends each chunk to the page, which plays the chunks in order and reports
    each turn played to the end (`played`). The page pauses, resumes and stops its
    own playback when the controller says a turn was paused, resumed or
    interrupted (`ReplyPaused`, `ReplyResumed`, `interrupted`), or the
    conversation was reset; this side only keeps count, so that a pause does not
    count against the time a reply may take to be reported played."""

    def __init__(self, send: Callable[[bytes], Awaitable[None]]):
        self._send = send
        self._queued_turn = 0
        self._queued_s = 0.0
        self._played_turn = 0
        self._paused_since: float | None = None
        self._paused_s = 0.0  # paused time of the turn being played
        self._changed = asyncio.Event()

    async def play(self, chunk: ReplyAudio) -> None:
        if chunk.turn != self._queued_turn:
            self._queued_turn, self._queued_s, self._paused_s = chunk.turn, 0.0, 0.0
        self._queued_s += len(chunk.samples) / chunk.sample_rate
        await self._send(encode_audio(chunk.samples, chunk.sample_rate, chunk.turn))

    def played(self, turn: int) -> None:
        self._played_turn = max(self._played_turn, turn)
        self._changed.set()

    def pause(self) -> None:
        if self._paused_since is None:
            self._paused_since = asyncio.get_running_loop().time()
            self._changed.set()

    def resume(self) -> None:
        if self._paused_since is not None:
            self._paused_s += asyncio.get_running_loop().time() - self._paused_since
            self._paused_since = None
            self._changed.set()

    def clear(self) -> None:
        # Nothing of the cleared turn is waited for any more.
        self._paused_since = None
        self.played(self._queued_turn)

    async def wait_played(self) -> None:
        turn = self._queued_turn
        loop = asyncio.get_running_loop()
        started = loop.time()
        while self._played_turn < turn:
            self._changed.clear()
            timeout = None
            if self._paused_since is None:
                timeout = started + self._queued_s + self._paused_s + PLAYBACK_MARGIN_S - loop.time()
                if timeout <= 0:
                    return
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                return


class DeviceOutput:
    """Plays on the kiosk's own speaker."""

    POLL_S = 0.05

    def __init__(self, device: AudioDevice):
        self._device = device
        self._queued_s = 0.0

    @property
    def volume(self) -> float:
        return self._device.volume

    @volume.setter
    def volume(self, level: float) -> None:
        """소리 크게/작게 on the page, applied on the kiosk's own speaker."""
        self._device.volume = level

    async def play(self, chunk: ReplyAudio) -> None:
        if not self._device.playing:
            self._queued_s = 0.0
        self._queued_s += len(chunk.samples) / chunk.sample_rate
        self._device.play(chunk.samples, chunk.sample_rate)

    def pause(self) -> None:
        self._device.pause()

    def resume(self) -> None:
        self._device.resume()

    def clear(self) -> None:
        self._device.stop()

    async def wait_played(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._queued_s + PLAYBACK_MARGIN_S
        while self._device.playing and loop.time() < deadline:
            if self._device.paused:  # a pause does not use up the time the reply may take
                deadline += self.POLL_S
            await asyncio.sleep(self.POLL_S)
