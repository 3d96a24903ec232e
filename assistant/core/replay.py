"""A conversation driven from recordings and text in virtual time (scenario runner, tests).

The real controller and the real pipeline run exactly as at the kiosk, but the
clock moves only when the script does: a recording is fed frame by frame at
its own pace, and everything the pipeline computes counts as instant, so a
scenario gives the same turns on a fast and a slow machine. Per-stage compute
time is still measured by the pipeline itself (`Timings`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..audio import ENGINE_RATE
from ..config import VadSettings
from ..stt.queue import RecognitionQueue
from .clock import VirtualClock
from .controller import Controller, TurnPolicy
from .engine import Engine
from .events import Answer, Event, ReplyAudio, ServicesFound, SpeechEnded, State, Timings, Transcript
from .lanes import Lane
from .output import RecordingOutput
from .prompts import KIOSK
from .session import Session

FRAME_S = 0.02
# After a recording, the microphone goes on delivering silence at least this long,
# so the endpointer can end the turn by its own rules.
TRAILING_SILENCE_S = 3.0
# A reply is waited for at most this long in virtual time (longer than any spoken answer).
MAX_REPLY_S = 120.0

# Hands-free at the kiosk, nothing said at once by itself.
REPLAY_POLICY = TurnPolicy(prompts=dataclasses.replace(KIOSK, thinking=None), office_phone="", hands_free=True,
                           listen_prompt_s=None, idle_s=10_000.0, end_on_idle=False, end_after_handoff=False)


@dataclasses.dataclass
class Exchange:
    """One reply turn and what led to it."""

    turn: int
    speech_ended: SpeechEnded | None = None
    transcript: Transcript | None = None
    found: ServicesFound | None = None
    answer: Answer | None = None
    audio: list[ReplyAudio] = dataclasses.field(default_factory=list)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)


class ReplayedConversation:
    """Use as `async with ReplayedConversation(engine) as conversation:`."""

    def __init__(self, engine: Engine, policy: TurnPolicy = REPLAY_POLICY, vad: VadSettings | None = None):
        """`vad`: another channel's endpointing (the phone's), instead of the engine's."""
        self.clock = VirtualClock()
        self.events: list[Event] = []
        # Recognition started early (before a turn has surely ended) is waited
        # for like any other work, so it is never "still running" in virtual time.
        self._recognition = RecognitionQueue("replay-stt")
        self.session = Session(engine, vad=vad, recognition=self._recognition)
        self.controller = Controller(self.session, RecordingOutput(self.clock), self._emit, policy,
                                     clock=self.clock, listen_lane=Lane("replay-listen"),
                                     turn_lane=Lane("replay-turn"))

    async def __aenter__(self) -> ReplayedConversation:
        await self.controller.open()
        await self._settle()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.controller.close()
        self._recognition.close()

    async def _emit(self, event: Event) -> None:
        self.events.append(event)

    async def _settle(self) -> None:
        await self._recognition.drained()
        await self.controller.settled()

    async def ask(self, text: str, *, wait: bool = True) -> list[Exchange]:
        """A typed question; `wait=False` returns as its reply starts, so that the
        resident can speak over it (`listen`, then `say`)."""
        start = len(self.events)
        await self.controller.ask(text)
        await (self._until_replied() if wait else self._settle())
        return self._exchanges(start)

    async def say(self, audio: np.ndarray) -> list[Exchange]:
        """A recording (float32 16 kHz) as a microphone delivers it, then silence."""
        start = len(self.events)
        await self._hear(audio)
        await self.listen(TRAILING_SILENCE_S)
        await self._until_replied()
        return self._exchanges(start)

    async def listen(self, seconds: float) -> None:
        """Time goes by with the microphone open on a quiet room (a reply goes on playing)."""
        await self._hear(np.zeros(int(ENGINE_RATE * seconds), np.float32))

    async def _hear(self, audio: np.ndarray) -> None:
        step = int(ENGINE_RATE * FRAME_S)
        for offset in range(0, len(audio), step):
            self.controller.hear(audio[offset:offset + step], ENGINE_RATE)
            await self._settle()
            await self.clock.advance(FRAME_S)

    async def _until_replied(self) -> None:
        waited = 0.0
        while waited < MAX_REPLY_S:
            await self._settle()
            if not self.controller.replying and self.controller.state in (State.READY, State.LISTENING):
                return
            await self.clock.advance(FRAME_S * 10)
            waited += FRAME_S * 10

    def _exchanges(self, start: int) -> list[Exchange]:
        by_turn: dict[int, Exchange] = {}
        pending: SpeechEnded | None = None
        for event in self.events[start:]:
            if isinstance(event, SpeechEnded):
                pending = event
                continue
            if not event.turn or not isinstance(event, (Transcript, ServicesFound, Answer, ReplyAudio, Timings)):
                continue
            exchange = by_turn.setdefault(event.turn, Exchange(event.turn))
            if isinstance(event, Transcript):
                exchange.speech_ended, pending = pending, None
                exchange.transcript = event
            elif isinstance(event, ServicesFound):
                exchange.found = event
            elif isinstance(event, Answer):
                exchange.answer = event
            elif isinstance(event, ReplyAudio):
                exchange.audio.append(event)
            else:
                exchange.timings = dict(event.ms)
        return [e for e in by_turn.values() if e.answer is not None]
