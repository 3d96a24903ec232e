"""Turn-taking for one conversation: who speaks when, for every adapter.

The kiosk, the phone line and the scenario runner each give a `Controller`
their input (microphone frames, typed text, buttons or keys) and an
`AudioOutput`; the controller decides when the resident has finished, starts
and cuts replies, keeps the state a resident sees (듣는 중 / 생각 중 / 말하는 중),
speaks the fixed prompts, and watches the idle time. Adapters keep no turn
state of their own.

Threading contract
- Every method and every piece of state of the controller belongs to one
  asyncio event loop: call it only from that loop (a sound card's thread
  hands frames over with `loop.call_soon_threadsafe(controller.hear, ...)`).
- Blocking work runs on the conversation's two lanes (single threads, see
  `lanes.py`), never on the loop: the listen lane runs endpointing, so a
  resident is heard even while a reply is being made; the turn lane runs
  everything else (recognition of a finished utterance, retrieval, answer,
  synthesis), one step at a time, so the session's memory has one writer.
- A reply is one `SpeechHandle`. Cutting it cancels its task and clears the
  output at once (the resident hears silence now); the step already running
  on the turn lane finishes there and the reply's generator is closed right
  after it, on the same lane, before the next reply's first step.
- Barge-in (hands-free): speech starting over a reply pauses the output at
  once and the reply goes on being made behind the pause; `barge_in.py`
  decides whether it resumes or is cut. A short utterance over a reply is
  recognized on the engine's recognition queue (`Pipeline.recognize`), not on
  the turn lane, where it would wait behind the reply's synthesis; its
  transcript is judged on the listen lane (Kiwi) and, if it is a question,
  answered without being recognized again.
- An `EchoGuard` (stt/echo.py), when the channel has one, screens every
  microphone frame on the listen lane before endpointing, so that the
  assistant's own voice coming back does not count as the resident speaking.
- All timing comes from the `Clock`, so tests and the scenario runner run the
  same code in virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from typing import Any, Protocol

import numpy as np

from ..stt.echo import EchoGuard
from . import barge_in
from .barge_in import BargeInPolicy
from .clock import Clock, LoopClock
from .event_pump import EventPump
from .events import (
    Answer,
    AnswerKind,
    ConversationEnded,
    ConversationReset,
    Event,
    EventStream,
    Handoff,
    Interrupted,
    InterruptReason,
    Notice,
    ReplyAudio,
    ReplyPaused,
    ReplyResumed,
    ResetReason,
    ResumeReason,
    ServiceCard,
    SpeechEnded,
    SpeechStarted,
    State,
    StateChanged,
    Timings,
    Transcript,
)
from .lanes import Lane
from .output import AudioOutput
from .prompts import Prompts

log = logging.getLogger(__name__)

Emit = Callable[[Event], Awaitable[None]]
# How often the idle and listening timers are looked at; far below any of their lengths.
TICK_S = 0.25


class Pipeline(Protocol):
    """What the controller needs of a conversation's pipeline (`Session` in production)."""

    @property
    def has_answer(self) -> bool: ...

    # The listen lane.
    def listen(self, samples: np.ndarray, sample_rate: int) -> list[Event]: ...
    def end_of_audio(self) -> list[Event]: ...
    def reset_listening(self) -> None: ...
    @property
    def voiced_s(self) -> float: ...

    # Any thread: recognition on the shared recognition queue, off the lanes.
    def recognize(self, ended: SpeechEnded) -> Future[Transcript]: ...

    # The turn lane.
    def respond(self, ended: SpeechEnded, heard: Transcript | None = None, *,
                continues: bool = False) -> EventStream: ...
    def ask_text(self, text: str) -> EventStream: ...
    def say(self, text: str, kind: AnswerKind = "notice") -> EventStream: ...
    def replay_or_say(self, text: str) -> EventStream: ...
    def prompt_chunks(self, text: str) -> list[ReplyAudio]: ...
    def slower(self) -> None: ...
    def normal_rate(self) -> None: ...
    def forget(self) -> None: ...


class Command(StrEnum):
    """The buttons (kiosk) and keys (phone) that are not speech."""

    REPLAY = "replay"  # 다시 듣기 / 9
    SLOWER = "slower"  # 천천히 / *
    NORMAL = "normal"  # 보통 빠르기 (the kiosk's 천천히 pressed again)
    RESTART = "restart"  # 처음으로
    HANDOFF = "handoff"  # 상담원 연결 / 0


@dataclass(frozen=True)
class TurnPolicy:
    """How one channel takes turns; `kiosk_policy` and `phone_policy` in the adapters build these."""

    prompts: Prompts
    office_phone: str
    # Listen without a button press (the phone always does).
    hands_free: bool
    # Push-to-talk listening with nothing said this long: ask once, then give up. None: never.
    listen_prompt_s: float | None
    # Nothing at all happened this long: forget the resident (kiosk) or say goodbye and end (phone).
    idle_s: float
    end_on_idle: bool
    # After telling the resident whom to call, end the conversation (the phone hangs up).
    end_after_handoff: bool
    barge_in: BargeInPolicy = field(default_factory=BargeInPolicy)


class SpeechHandle:
    """One reply in progress: its turn number, and how to stop it."""

    def __init__(self, turn: int, output: AudioOutput):
        self.turn = turn
        self._output = output
        self.task: asyncio.Task[None] | None = None
        self.interrupted = False
        self.audible = False  # some of its audio has gone to the output
        # When the resident's utterance it answers ended (None: not a spoken turn).
        self.heard_until: float | None = None

    def interrupt(self) -> None:
        """Stop now: the output goes silent and the reply's work stops at its next step."""
        if self.task is not None and not self.task.done():
            self.interrupted = True
            self.task.cancel()
            self._output.clear()

    def done(self) -> bool:
        return self.task is None or self.task.done()

    async def wait(self) -> None:
        if self.task is not None:
            await asyncio.wait([self.task])


@dataclass
class _Paused:
    """A reply silenced by speech over it, until that speech is judged."""

    reply: SpeechHandle
    since: float
    # The speech began so soon after the reply's own utterance that it goes on with it.
    continues: bool = False
    # One per utterance that ended while the reply was paused, judged in parallel.
    judging: list[asyncio.Task[None]] = field(default_factory=list)


class _Marker(Enum):
    FINISH = "finish"  # the resident says the question is finished (말하기 pressed again)
    DROP = "drop"  # forget a half-heard question (a button was pressed instead)


class Controller:
    def __init__(self, session: Pipeline, output: AudioOutput, emit: Emit, policy: TurnPolicy, *,
                 clock: Clock | None = None, listen_lane: Lane | None = None, turn_lane: Lane | None = None,
                 echo: EchoGuard | None = None):
        self.session = session
        self.output = output
        self.policy = policy
        self.clock = clock or LoopClock()
        self.echo = echo
        self._emit = emit
        self.listen_lane = listen_lane or Lane("listen")
        self.turn_lane = turn_lane or Lane("turn")
        self.state = State.READY
        self.hands_free = policy.hands_free
        self.turn = 0
        self.card: ServiceCard | None = None  # the service being discussed, for 상담원 연결
        # What the last answer offered by number (phone keys 1–8): its follow-up
        # questions, or else the names of the services it asked to choose from.
        self.offers: tuple[str, ...] = ()
        self.ended: str | None = None
        self._reply: SpeechHandle | None = None
        self._paused: _Paused | None = None
        # Microphone frames with the clock time they arrived (for the echo check).
        self._frames: asyncio.Queue[tuple[np.ndarray, int, float] | _Marker] = asyncio.Queue()
        self._speech_open = False
        self._continues = False  # the utterance now open goes on with the last spoken turn
        self._dirty = False  # something of this resident's is on screen or in memory
        self._last_activity = 0.0
        self._listening_since = 0.0
        self._asked_still_there = False
        self._tasks: list[asyncio.Task[None]] = []

    # --- lifecycle ---------------------------------------------------------------
    async def open(self) -> None:
        """Start listening and watching the time; greet when the channel greets."""
        self._touch(dirty=False)
        await self._set_state(State.READY)
        self._tasks = [asyncio.create_task(self._listen_loop(), name="listen"),
                       asyncio.create_task(self._watch_time(), name="timers")]
        if self.policy.prompts.greeting:
            self._say(self.policy.prompts.greeting)

    async def close(self) -> None:
        """The resident left (page closed, caller hung up): stop, and forget them."""
        for task in [*self._tasks, *(self._paused.judging if self._paused is not None else ())]:
            task.cancel()
        await self._interrupt(notify=False)
        # Queued behind whatever step is still running, so nothing is left afterwards.
        self.listen_lane.submit(self.session.reset_listening)
        self.turn_lane.submit(self.session.forget)
        self.listen_lane.shutdown(wait=False)
        self.turn_lane.shutdown(wait=False)

    @property
    def replying(self) -> bool:
        return self._reply is not None and not self._reply.done()

    async def settled(self) -> None:
        """Until nothing is left to do but wait for the clock (scenario runner, tests)."""
        while True:
            await self.listen_lane.drained()
            await self.turn_lane.drained()
            judging = [t for t in self._paused.judging if not t.done()] if self._paused is not None else []
            if judging:
                await asyncio.wait(judging)
            for _ in range(10):
                await asyncio.sleep(0)
            if not self._frames.qsize() and not self.listen_lane._in_flight and not self.turn_lane._in_flight:
                return

    # --- input ---------------------------------------------------------------------
    def hear(self, samples: np.ndarray, sample_rate: int) -> None:
        """A microphone frame (any rate, int16 or float). Dropped unless the conversation listens."""
        if self._accepting():
            self._frames.put_nowait((samples, sample_rate, self.clock.now()))

    async def talk(self) -> None:
        """The 말하기 button: listen; while listening, the question is finished; while replying, cut in."""
        self._touch()
        if self.replying:
            await self._interrupt()
            await self._start_listening()
        elif self.state == State.LISTENING:
            self._frames.put_nowait(_Marker.FINISH)
        else:
            await self._start_listening()

    async def ask(self, text: str) -> None:
        """A typed question (or a touched choice)."""
        self._touch()
        await self._stop_everything()
        self._start_reply(lambda: self.session.ask_text(text))

    async def command(self, command: Command) -> None:
        self._touch()
        prompts = self.policy.prompts
        if command is Command.RESTART:
            await self._wipe("restart")
            return
        if command is Command.NORMAL:  # from the next reply on; the one being heard goes on
            await self.turn_lane.run(self.session.normal_rate)
            return
        await self._stop_everything()
        if command is Command.REPLAY:
            self._start_reply(lambda: self.session.replay_or_say(prompts.nothing_to_replay))
        elif command is Command.SLOWER:
            await self.turn_lane.run(self.session.slower)
            self._start_reply(lambda: self.session.replay_or_say(prompts.slower))
        elif command is Command.HANDOFF:
            await self._handoff()

    async def choose(self, number: int) -> None:
        """A number key: ask what the last answer offered as `number` (1 = first)."""
        if 1 <= number <= len(self.offers):
            await self.ask(self.offers[number - 1])
            return
        self._touch()
        await self._stop_everything()
        self._say(self.policy.prompts.no_such_choice)

    async def announce(self, text: str) -> bool:
        """Say a notice the adapter has (staff are coming), unless the resident is speaking or
        hearing a reply: then it is only shown. True if it is said."""
        if self.replying or self._speech_open or self.state == State.LISTENING or self.ended is not None:
            return False
        self._say(text)
        return True

    async def set_hands_free(self, on: bool) -> None:
        self._touch()
        self.hands_free = on
        if not on and self.state == State.LISTENING and not self._speech_open:
            self._frames.put_nowait(_Marker.DROP)
            await self._set_state(State.READY)
        else:
            await self._set_state(self.state)

    # --- listening -------------------------------------------------------------------
    def _accepting(self) -> bool:
        if self.ended is not None:
            return False
        if self.state == State.LISTENING and not self.replying:
            return True
        # Hands-free, the resident's voice may also cut into a reply (barge-in).
        return self.hands_free

    async def _start_listening(self) -> None:
        self._listening_since = self.clock.now()
        self._asked_still_there = False
        await self._set_state(State.LISTENING)

    async def _listen_loop(self) -> None:
        while True:
            item = await self._frames.get()
            voiced_s = 0.0
            if item is _Marker.FINISH:
                events = await self.listen_lane.run(self.session.end_of_audio)
                if not events and not self.replying:
                    self._say(self.policy.prompts.nothing_heard)
            elif item is _Marker.DROP:
                await self.listen_lane.run(self.session.reset_listening)
                self._speech_open = False
                continue
            elif self._accepting():
                events, voiced_s = await self.listen_lane.run(self._listen, *item)
            else:
                continue
            for event in events:
                await self._on_speech(event)
            if self._paused is not None and self._speech_open and voiced_s >= self.policy.barge_in.confirm_s:
                await self._interrupt(reason="speech")  # talking on: a turn of the resident's own

    def _listen(self, samples: np.ndarray, sample_rate: int, at: float) -> tuple[list[Event], float]:
        """The listen lane's step for one frame: the echo check, endpointing, how long speech has lasted."""
        if self.echo is not None:
            samples = self.echo.screen(samples, sample_rate, at)
        return self.session.listen(samples, sample_rate), self.session.voiced_s

    async def _on_speech(self, event: Event) -> None:
        self._touch()
        if isinstance(event, SpeechStarted):
            self._speech_open = True
            self._continues = self._goes_on_with_last_turn()
            if self.replying and self._paused is None:
                await self._pause_reply()
            await self._set_state(State.LISTENING)
            await self._emit(event)
        elif isinstance(event, SpeechEnded):
            self._speech_open = False
            await self._emit(event)
            paused = self._paused
            if paused is not None:  # short: it went quiet before the confirm time
                paused.judging.append(asyncio.create_task(self._judge(paused, event), name="barge-in"))
            else:
                continues = self._continues
                self._start_reply(lambda: self.session.respond(event, continues=continues), spoken=True,
                                  heard_until=self.clock.now())

    def _goes_on_with_last_turn(self) -> bool:
        reply = self._reply
        return (reply is not None and not reply.done() and reply.heard_until is not None
                and self.clock.now() - reply.heard_until <= self.policy.barge_in.continues_within_s)

    # --- barge-in ------------------------------------------------------------------------
    async def _pause_reply(self) -> None:
        """Speech over a reply: silence it now, keep it, and listen (the reply goes on being made)."""
        reply = self._reply
        assert reply is not None
        self.output.pause()
        self._paused = _Paused(reply, self.clock.now(), continues=self._continues)
        await self._emit(ReplyPaused(reason="speech", turn=reply.turn))

    async def _judge(self, paused: _Paused, ended: SpeechEnded) -> None:
        """A short utterance over a paused reply: resume the reply, or cut it and answer."""
        recognizing: asyncio.Future[Transcript] = asyncio.wrap_future(self.session.recognize(ended))
        patience: asyncio.Future[None] = asyncio.ensure_future(self.clock.sleep(self.policy.barge_in.judge_within_s))
        either: list[asyncio.Future[Any]] = [recognizing, patience]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        patience.cancel()
        if not recognizing.done() and self._may_resume(paused):
            # A busy machine: the resident is not kept waiting in silence. Should it
            # turn out to be a question, it still cuts the reply, then.
            await self._resume(paused, "timeout")
        try:
            heard = await recognizing
            verdict = await self.listen_lane.run(barge_in.judge, heard, self.policy.barge_in)
        except Exception:
            log.exception("barge-in: recognizing the utterance failed; the reply goes on")
            heard, verdict = None, barge_in.Verdict("resume", "not_speech")
        if verdict.reason is None:
            if self._reply is paused.reply and not paused.reply.done():  # paused still, or resumed meanwhile
                await self._interrupt(reason="question")
                self._start_reply(lambda: self.session.respond(ended, heard, continues=paused.continues),
                                  spoken=True, heard_until=self.clock.now())
        elif self._may_resume(paused):
            await self._resume(paused, verdict.reason)

    def _may_resume(self, paused: _Paused) -> bool:
        """Still paused by this speech, the resident silent, and no other utterance of theirs being judged
        (else those words decide)."""
        others = [t for t in paused.judging if t is not asyncio.current_task() and not t.done()]
        return self._paused is paused and not self._speech_open and not others

    async def _resume(self, paused: _Paused, reason: ResumeReason) -> None:
        self._paused = None
        self.output.resume()
        await self._emit(ReplyResumed(reason=reason, paused_s=round(self.clock.now() - paused.since, 3),
                                      turn=paused.reply.turn))
        await self._set_state(State.SPEAKING if paused.reply.audible else State.THINKING)

    # --- replies -----------------------------------------------------------------------
    def _start_reply(self, make_events: Callable[[], EventStream], *, spoken: bool = False,
                     then: State = State.READY, end_reason: str | None = None,
                     heard_until: float | None = None) -> SpeechHandle:
        """Replace the reply in progress (if any) with a new one; `heard_until`: when the
        resident's utterance it answers ended."""
        previous = self._reply
        if previous is not None:
            previous.interrupt()
        self._paused = None
        self._dirty = True
        self.turn += 1
        handle = SpeechHandle(self.turn, self.output)
        handle.heard_until = heard_until
        handle.task = asyncio.create_task(self._run_reply(handle, previous, make_events, spoken, then, end_reason),
                                          name=f"reply-{self.turn}")
        self._reply = handle
        return handle

    def _say(self, text: str, *, then: State = State.READY, end_reason: str | None = None,
             kind: AnswerKind = "notice") -> SpeechHandle:
        return self._start_reply(lambda: self.session.say(text, kind), then=then, end_reason=end_reason)

    async def _run_reply(self, handle: SpeechHandle, previous: SpeechHandle | None,
                         make_events: Callable[[], EventStream], spoken: bool, then: State,
                         end_reason: str | None) -> None:
        if previous is not None:
            await previous.wait()
        pump: EventPump | None = None
        try:
            await self._set_state(State.THINKING)
            if spoken and self.policy.prompts.thinking:
                # Heard at once; the answer follows it as soon as it is ready.
                for chunk in await self.turn_lane.run(self.session.prompt_chunks, self.policy.prompts.thinking):
                    handle.audible = True
                    await self.output.play(replace(chunk, turn=handle.turn))
            pump = EventPump(make_events(), self.turn_lane)
            async for event in pump:
                event = replace(event, turn=handle.turn)
                # While paused the resident is speaking: the screen says 듣는 중 until it resumes.
                if isinstance(event, ReplyAudio) and self.state != State.SPEAKING and self._paused is None:
                    await self._set_state(State.SPEAKING)
                await self._emit(event)
                if isinstance(event, Answer):
                    self.card = event.card or self.card
                    # A notice or a repeat leaves the last answer's offers standing.
                    if event.kind not in ("notice", "repeat", "handoff"):
                        self.offers = event.follow_ups or tuple(choice.name for choice in event.choices)
                if isinstance(event, ReplyAudio):
                    handle.audible = True
                    await self.output.play(event)
                if isinstance(event, Timings):
                    break
            await self.output.wait_played()
        except asyncio.CancelledError:
            raise
        except ConnectionError as err:  # the line or the page went away mid-reply; nobody to tell
            log.info("reply %d: output closed (%s)", handle.turn, type(err).__name__)
        except Exception:
            log.exception("reply %d failed", handle.turn)
            await self._emit(Notice(message=self.policy.prompts.sorry, level="error", turn=handle.turn))
        finally:
            if pump is not None:
                pump.close()
        if self._paused is not None and self._paused.reply is handle:
            self._paused = None  # it ended while paused (the output went away)
        if self._reply is handle:
            self._reply = None
            self._touch()
            if then == State.LISTENING:
                await self._start_listening_again()
            else:
                await self._set_state(then)
        if end_reason is not None:
            await self._end(end_reason)

    async def _start_listening_again(self) -> None:
        # After "말씀하시겠어요?": listen for a second spell, without asking again.
        self._listening_since = self.clock.now()
        await self._set_state(State.LISTENING)

    async def _interrupt(self, notify: bool = True, reason: InterruptReason = "input") -> None:
        handle, self._reply = self._reply, None
        self._paused = None
        if handle is None or handle.done():
            return
        handle.interrupt()
        with contextlib.suppress(asyncio.CancelledError):
            await handle.wait()
        if notify:
            await self._emit(Interrupted(reason=reason, turn=handle.turn))

    async def _stop_everything(self) -> None:
        """A button or a typed question: stop the reply and forget a half-heard question."""
        await self._interrupt()
        if self.state == State.LISTENING or self._speech_open:
            self._frames.put_nowait(_Marker.DROP)

    async def _handoff(self) -> None:
        prompts, card = self.policy.prompts, self.card
        await self._emit(Handoff(service=card.name if card else None, phones=card.phones if card else (),
                                 office_phone=self.policy.office_phone, turn=self.turn + 1))
        self._say(prompts.handoff_speech(card, self.policy.office_phone), kind="handoff",
                  end_reason="handed off to a person" if self.policy.end_after_handoff else None)

    # --- time ----------------------------------------------------------------------------
    def _touch(self, dirty: bool = True) -> None:
        self._last_activity = self.clock.now()
        self._dirty = self._dirty or dirty

    async def _watch_time(self) -> None:
        while True:
            await self.clock.sleep(TICK_S)
            if self.replying or self._speech_open or self.ended is not None:
                continue
            now = self.clock.now()
            listen_prompt = self.policy.listen_prompt_s
            if self.state == State.LISTENING and not self.hands_free and listen_prompt is not None:
                if now - self._listening_since >= listen_prompt:
                    if not self._asked_still_there:
                        self._asked_still_there = True
                        self._frames.put_nowait(_Marker.DROP)
                        self._say(self.policy.prompts.still_there, then=State.LISTENING)
                    else:
                        self._frames.put_nowait(_Marker.FINISH)
                        await self._set_state(State.READY)
                continue
            if (self._dirty or self.policy.end_on_idle) and now - self._last_activity >= self.policy.idle_s:
                await self._on_idle()

    async def _on_idle(self) -> None:
        prompts = self.policy.prompts
        if self.policy.end_on_idle:
            reason = f"silent for {self.policy.idle_s:.0f} s"
            if prompts.goodbye:
                self._say(prompts.goodbye, end_reason=reason)
            else:
                await self._end(reason)
        else:
            await self._wipe("idle")

    async def _wipe(self, reason: ResetReason) -> None:
        await self._interrupt(notify=False)
        while not self._frames.empty():
            self._frames.get_nowait()
        await self.listen_lane.run(self.session.reset_listening)
        await self.turn_lane.run(self.session.forget)
        self.card = None
        self.offers = ()
        self._speech_open = False
        self._dirty = False
        if reason == "idle":  # the next resident starts from the channel's own defaults
            self.hands_free = self.policy.hands_free
        self._touch(dirty=False)
        await self._emit(ConversationReset(reason=reason, hands_free=self.hands_free, turn=self.turn))
        await self._set_state(State.READY)
        log.info("conversation wiped (%s)", reason)

    async def _end(self, reason: str) -> None:
        if self.ended is None:
            self.ended = reason
            await self._emit(ConversationEnded(reason=reason, turn=self.turn))

    async def _set_state(self, state: State) -> None:
        self.state = state
        await self._emit(StateChanged(state=state, hands_free=self.hands_free, turn=self.turn))
