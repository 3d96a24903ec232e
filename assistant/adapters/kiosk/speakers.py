"""Where reply audio is heard: the page's own speaker, or the kiosk's audio device.

Both tell the conversation when a turn's audio has finished playing, so that
"말하는 중" lasts as long as the resident hears speech.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from assistant.core.events import ReplyAudio

from .audio_device import AudioDevice
from .protocol import encode_audio

# Playback may start late (a busy page, a device buffer); past this margin a
# turn counts as heard even if the page never reported it.
PLAYBACK_MARGIN_S = 3.0


class BrowserSpeaker:
    """Sends each sentence to the page, which plays it and reports the turn played."""

    def __init__(self, send: Callable[[bytes], Awaitable[None]]):
        self._send = send
        self._played_turn = 0
        self._changed = asyncio.Event()

    async def play(self, audio: ReplyAudio, turn: int) -> None:
        await self._send(encode_audio(audio.samples, audio.sample_rate, turn))

    def played(self, turn: int) -> None:
        self._played_turn = max(self._played_turn, turn)
        self._changed.set()

    def stop(self) -> None:
        """The page stops its own playback on `interrupted`."""

    async def finished(self, turn: int, audio_s: float) -> None:
        async def reported() -> None:
            while self._played_turn < turn:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(reported(), audio_s + PLAYBACK_MARGIN_S)
        except TimeoutError:
            pass


class DeviceSpeaker:
    """Plays on the kiosk's own speaker."""

    POLL_S = 0.05

    def __init__(self, device: AudioDevice):
        self._device = device

    async def play(self, audio: ReplyAudio, turn: int) -> None:
        self._device.play(audio.samples, audio.sample_rate)

    def played(self, turn: int) -> None:
        """The device knows by itself."""

    def stop(self) -> None:
        self._device.stop()

    async def finished(self, turn: int, audio_s: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + audio_s + PLAYBACK_MARGIN_S
        while self._device.playing and loop.time() < deadline:
            await asyncio.sleep(self.POLL_S)
