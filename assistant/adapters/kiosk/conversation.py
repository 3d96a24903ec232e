"""One kiosk conversation: a core `Session` driven by one page, its visible state, and its wipe.

States: ready (waiting; in hands-free mode the microphone is open) -> listening
(듣는 중) -> thinking (생각 중) -> speaking (말하는 중) -> ready.

All Session calls run one at a time on this conversation's own worker thread,
never on the event loop: endpointing frame by frame, and each turn's blocking
generator event by event. Interrupting a turn stops taking its events; the step
already running finishes on the worker and the generator is closed right after,
so the session is never used by two threads at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import asdict
from time import monotonic

import numpy as np

from assistant.config import Settings
from assistant.core.engine import Engine
from assistant.core.event_pump import EventPump
from assistant.core.events import Answer, Event, Notice, ReplyAudio, ServiceCard, SpeechEnded, SpeechStarted, Timings
from assistant.core.session import Session

from .cues import Cues
from .protocol import Command

log = logging.getLogger(__name__)

READY, LISTENING, THINKING, SPEAKING = "ready", "listening", "thinking", "speaking"
NOTHING_HEARD = "말씀이 들리지 않았어요. 말하기를 누르고 다시 말씀해 주세요."
SORRY = "죄송해요, 잠시 문제가 생겼어요. 다시 말씀해 주세요."
SILENT = "지금은 소리를 낼 수 없어요. 화면의 글을 읽어 주세요."
_FINISH, _DROP = object(), object()  # markers in the frame queue, kept in order with the audio


class Conversation:
    def __init__(self, engine: Engine, settings: Settings, send: Callable[[dict], Awaitable[None]], speaker,
                 cues: Cues):
        self.engine = engine
        self.settings = settings
        self.session = Session(engine)
        self.speaker = speaker
        self.cues = cues
        self.state = READY
        self.hands_free = settings.kiosk.hands_free
        self.turn = 0
        self._send = send
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-session")
        self._frames: asyncio.Queue = asyncio.Queue()
        self._turn_task: asyncio.Task | None = None
        self._speech_open = False
        self._card: ServiceCard | None = None  # the last service answered, for 상담원 연결
        self._dirty = False  # something of this resident's is on screen or in memory
        self._last_activity = monotonic()
        self._tasks: list[asyncio.Task] = []

    async def open(self, hello: dict) -> None:
        await self._send({"type": "hello", **hello, "hands_free": self.hands_free,
                          "office_phone": self.settings.office_phone,
                          "idle_reset_s": self.settings.kiosk.idle_reset_s})
        await self._set_state(READY)
        self._tasks = [asyncio.create_task(self._listen_loop()), asyncio.create_task(self._idle_loop())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self._interrupt(notify=False)
        # Nothing of this resident stays in memory once the page is gone.
        self._worker.submit(self.session.reset)
        self._worker.shutdown(wait=False)

    # --- input ---------------------------------------------------------------
    def hear(self, samples: np.ndarray, sample_rate: int) -> None:
        """A microphone frame (page or device). Dropped unless the kiosk is listening."""
        if self._accepting():
            self._frames.put_nowait((samples, sample_rate))

    async def command(self, command: Command) -> None:
        if command.type == "played":
            self.speaker.played(command.turn)
            return
        self._touch()
        match command.type:
            case "talk":
                await self._talk()
            case "ask":
                await self._stop_everything()
                self._start_turn(lambda: self.session.ask_text(command.text))
            case "replay":
                await self._stop_everything()
                self._start_turn(self.session.replay)
            case "slower":
                await self._stop_everything()
                await self._run(self.session.slower)
                self._start_turn(self.session.replay)
            case "restart":
                await self._wipe("restart")
            case "agent":
                await self._stop_everything()
                await self._agent()
            case "hands_free":
                self.hands_free = command.on
                if self.state == LISTENING and not self._speech_open:
                    self._frames.put_nowait(_DROP)
                    await self._set_state(READY)
                else:
                    await self._set_state(self.state)

    async def _talk(self) -> None:
        if self._turn_task is not None:  # pressing 말하기 during a reply interrupts it
            await self._interrupt()
            await self._set_state(LISTENING)
        elif self.state == LISTENING:
            self._frames.put_nowait(_FINISH)
        else:
            await self._set_state(LISTENING)

    # --- listening -----------------------------------------------------------
    def _accepting(self) -> bool:
        return self._turn_task is None and (self.state == LISTENING or (self.state == READY and self.hands_free))

    async def _listen_loop(self) -> None:
        while True:
            item = await self._frames.get()
            if item is _FINISH:
                events = await self._run(self.session.end_of_audio)
                if not events and self._turn_task is None:
                    await self._send(Notice(message=NOTHING_HEARD).to_json())
                    await self._set_state(READY)
            elif item is _DROP:
                await self._run(self.session.end_of_audio)
                self._speech_open = False
                continue
            elif self._accepting():
                events = await self._run(self.session.listen, *item)
            else:
                continue
            for event in events:
                await self._on_speech(event)

    async def _on_speech(self, event: Event) -> None:
        if self._turn_task is not None:  # a typed question or a button got there first
            return
        self._touch()
        if isinstance(event, SpeechStarted):
            self._speech_open = True
            await self._set_state(LISTENING)
            await self._send(event.to_json())
        elif isinstance(event, SpeechEnded):
            self._speech_open = False
            await self._send(event.to_json())
            self._start_turn(lambda: self.session.respond(event), spoken=True)

    # --- turns ---------------------------------------------------------------
    def _start_turn(self, make_events: Callable[[], Iterator[Event]], spoken: bool = False) -> None:
        self._dirty = True
        self.turn += 1
        self._turn_task = asyncio.create_task(self._run_turn(make_events(), self.turn, spoken))

    async def _run_turn(self, events: Iterator[Event], turn: int, spoken: bool) -> None:
        audio_s, answered = 0.0, False
        pump = EventPump(events, self._worker)
        try:
            await self._set_state(THINKING)
            if spoken and self.cues.thinking is not None:  # "생각 중", heard; the answer plays after it
                await self.speaker.play(self.cues.thinking, turn)
                audio_s += len(self.cues.thinking.samples) / self.cues.thinking.sample_rate
            async for event in pump:
                if isinstance(event, ReplyAudio) and self.state != SPEAKING:
                    await self._set_state(SPEAKING)
                await self._send(self._message(event, turn))
                answered = answered or isinstance(event, Answer)
                if isinstance(event, ReplyAudio):
                    audio_s += len(event.samples) / event.sample_rate
                    await self.speaker.play(event, turn)
                if isinstance(event, Timings):
                    log.info("turn %d: %s", turn, event.ms)
                    break
            if audio_s:
                await self.speaker.finished(turn, audio_s)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("turn %d failed", turn)
            await self._send({**Notice(message=SILENT if answered else SORRY, level="error").to_json(), "turn": turn})
        finally:
            pump.close()
        if self._turn_task is asyncio.current_task():
            self._turn_task = None
            self._touch()
            await self._set_state(READY)

    def _message(self, event: Event, turn: int) -> dict:
        if isinstance(event, Answer) and event.card is not None:
            self._card = event.card
        return {**event.to_json(), "turn": turn}

    async def _interrupt(self, notify: bool = True) -> None:
        task, self._turn_task = self._turn_task, None
        if task is None:
            return
        task.cancel()
        self.speaker.stop()
        with suppress(asyncio.CancelledError):
            await task
        if notify:
            await self._send({"type": "interrupted", "turn": self.turn})

    async def _stop_everything(self) -> None:
        """A button was pressed: stop the reply and forget a half-heard question."""
        await self._interrupt()
        if self.state == LISTENING:
            self._frames.put_nowait(_DROP)

    async def _agent(self) -> None:
        office = self.settings.office_phone
        card = self._card
        phones = [asdict(p) for p in card.phones] if card else []
        await self._send({"type": "agent", "service": card.name if card else None,
                          "phones": phones, "office_phone": office})
        speech = f"주민센터 전화번호는 {office}번입니다."
        if card and card.phones:
            speech = f"{card.name} 문의는 {card.phones[0].number}번, " + speech
        self._start_turn(lambda: self.session.say(speech + " 화면의 번호로 전화하시면 상담원과 이야기하실 수 있어요."))

    # --- privacy -------------------------------------------------------------
    def _touch(self) -> None:
        self._last_activity = monotonic()
        self._dirty = True

    async def _wipe(self, reason: str) -> None:
        await self._interrupt(notify=False)
        while not self._frames.empty():
            self._frames.get_nowait()
        await self._run(self.session.reset)
        self._card = None
        self._speech_open = False
        self._dirty = False
        if reason == "idle":  # the next resident starts from the kiosk's own defaults
            self.hands_free = self.settings.kiosk.hands_free
        await self._send({"type": "reset", "reason": reason, "hands_free": self.hands_free})
        await self._set_state(READY)
        log.info("conversation wiped (%s)", reason)

    async def _idle_loop(self) -> None:
        idle_s = self.settings.kiosk.idle_reset_s
        while True:
            await asyncio.sleep(min(1.0, idle_s / 4))
            # Never while the resident is speaking or hearing a reply, however long that takes.
            if (self._dirty and self._turn_task is None and not self._speech_open
                    and monotonic() - self._last_activity >= idle_s):
                await self._wipe("idle")

    # --- plumbing --------------------------------------------------------------
    async def _set_state(self, state: str) -> None:
        self.state = state
        await self._send({"type": "state", "state": state, "hands_free": self.hands_free, "turn": self.turn})

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)
