"""The telephony bridge: an asyncio AudioSocket server, one conversation session per call.

The event loop only moves bytes and keeps time. Everything that computes
(endpointing, recognition, answers, synthesis) runs in thread pools, so a
busy call never delays another call's audio. Reply audio goes out as 20 ms
frames on a real-time clock: Asterisk plays frames as they arrive, so pacing
here is what the caller hears, and stopping the sender stops the voice at once
(barge-in).

Logs name a call by its UUID only: never audio, transcripts or digits pressed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator

import numpy as np

from ...audio import ENGINE_RATE, StreamResampler, to_int16, to_mono_float
from ...config import PhoneSettings
from ...core.engine import Engine
from ...core.event_pump import EventPump
from ...core.events import Answer, Event, ReplyAudio, SpeechEnded, SpeechStarted, Timings
from ...core.session import Session
from ...privacy import mask_personal
from . import prompts
from .protocol import (
    FRAME_BYTES,
    FRAME_S,
    HANGUP,
    PHONE_RATE,
    Frame,
    Kind,
    ProtocolError,
    audio_frames,
    parse_address,
    read_frame,
)

log = logging.getLogger(__name__)

UUID_TIMEOUT_S = 5.0  # Asterisk sends the UUID as soon as it connects
CLOSE_TIMEOUT_S = 5.0
MAX_UNREAD_BYTES = 64 * 1024  # about 4 s of audio the peer has not read: it is gone
BAD_FRAMES_LOGGED = 3  # per call; more are counted, not logged

Observer = Callable[[str, Event], None]


class PhoneServer:
    """Accepts AudioSocket connections; `observer(call_uuid, event)` sees every
    session event on the event loop (monitoring, tests, benchmarks)."""

    def __init__(self, engine: Engine, settings: PhoneSettings | None = None, observer: Observer | None = None):
        self.engine = engine
        self.settings = settings or engine.settings.phone
        self.human_line = self.settings.human_line or engine.settings.office_phone
        self.observer = observer
        calls = self.settings.max_calls
        # Endpointing has its own pool so that barge-in is heard even while
        # every turn thread is busy. A cut turn keeps its thread until its
        # current step ends, hence two turn threads per call.
        self.listen_pool = concurrent.futures.ThreadPoolExecutor(calls, thread_name_prefix="phone-listen")
        self.turn_pool = concurrent.futures.ThreadPoolExecutor(2 * calls, thread_name_prefix="phone-turn")
        self._prompts: dict[tuple[str, float], list[bytes]] = {}
        self._calls: set[Call] = set()
        self._connections = 0
        self._handlers: set[asyncio.Task] = set()
        self._server: asyncio.base_events.Server | None = None

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    async def start(self, address: str | None = None) -> tuple[str, int]:
        """Listen (port 0 picks a free one); returns the bound (host, port)."""
        host, port = parse_address(address or self.settings.listen)
        self._server = await asyncio.start_server(self._accept, host, port)
        return self._server.sockets[0].getsockname()[:2]

    async def prepare(self) -> None:
        """Render the fixed notices (before `start`), so that no call waits for them."""
        scale = self.engine.settings.tts.length_scale
        for text in (prompts.GREETING, prompts.GOODBYE, prompts.BUSY, prompts.SORRY,
                     prompts.transfer(self.human_line)):
            await self.prompt_frames(text, scale)

    async def close(self) -> None:
        """Stop accepting, hang up every call, and wait (briefly) for their handlers."""
        if self._server is not None:
            self._server.close()
        for call in list(self._calls):
            call.end("server shutting down")
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=CLOSE_TIMEOUT_S)
        self.listen_pool.shutdown(wait=False, cancel_futures=True)
        self.turn_pool.shutdown(wait=False, cancel_futures=True)

    async def prompt_frames(self, text: str, length_scale: float) -> list[bytes]:
        """A fixed notice as encoded 8 kHz frames, synthesized once per speaking rate."""
        key = (text, length_scale)
        if key not in self._prompts:
            session = Session(self.engine, length_scale=length_scale, vad=self.settings.vad)
            loop = asyncio.get_running_loop()
            self._prompts[key] = await loop.run_in_executor(self.turn_pool, _render, session.say(text))
        return self._prompts[key]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections += 1
        handler = asyncio.current_task()
        self._handlers.add(handler)
        try:
            if self._connections > 2 * self.settings.max_calls:
                log.warning("connection refused: %d connections open", self._connections - 1)
                return
            call = Call(self, reader, writer)
            busy = self.active_calls >= self.settings.max_calls
            if not busy:
                self._calls.add(call)
            try:
                await call.run(busy=busy)
            finally:
                self._calls.discard(call)
        except Exception:  # a bug in one call must never take the server down
            log.exception("connection handler failed")
        finally:
            self._connections -= 1
            self._handlers.discard(handler)
            writer.close()
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await writer.wait_closed()
            except Exception:  # a peer that stopped reading keeps a closing socket open
                writer.transport.abort()


def _render(events: Iterator[Event]) -> list[bytes]:
    encoder = _PhoneEncoder()
    frames = [frame for event in events if isinstance(event, ReplyAudio) for frame in encoder(event)]
    return frames + encoder.flush()


class _PhoneEncoder:
    """Reply audio chunks (int16, synthesizer rate) -> 20 ms 8 kHz frames, one
    continuous stream per reply: only its very end is padded to a whole frame."""

    def __init__(self):
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
        return list(audio_frames(tail))


class Call:
    """One AudioSocket connection: its session, its reply and its idle clock."""

    def __init__(self, server: PhoneServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.server, self._reader, self._writer = server, reader, writer
        self.id = "-"  # the call UUID, once received
        self.session: Session | None = None
        self._loop = asyncio.get_running_loop()
        self._reply: asyncio.Task | None = None
        self._last_activity = self._loop.time()
        self._end_reason: str | None = None
        self._bad_frames = 0
        self._resampler: StreamResampler | None = None

    # --- lifecycle ----------------------------------------------------------------
    async def run(self, busy: bool = False) -> None:
        started = self._loop.time()
        try:
            async with asyncio.timeout(UUID_TIMEOUT_S):
                first = await read_frame(self._reader)
            if first is None:
                return self._log_end("closed before sending a UUID", started)
            if first.check().kind != Kind.UUID:
                raise ProtocolError(f"first frame is kind 0x{first.kind:02x}, not the call UUID")
        except (ProtocolError, TimeoutError, ConnectionError) as err:
            log.warning("connection dropped: %s", str(err) or "no UUID in time")
            return
        self.id = str(first.call_id)
        if busy:
            log.warning("call %s: refused, %d calls already active", self.id, self.server.active_calls)
            await self._refuse()
            return self._log_end("busy", started)
        log.info("call %s: connected", self.id)
        self.session = Session(self.server.engine, vad=self.server.settings.vad)
        self._speak_notice(prompts.GREETING)
        idle = asyncio.create_task(self._watch_idle())
        try:
            await self._read_frames()
        except ProtocolError as err:  # the stream broke off inside a frame
            self._end_reason = self._end_reason or str(err)
        except ConnectionError as err:
            self._end_reason = self._end_reason or f"connection lost: {type(err).__name__}"
        except Exception as err:
            log.exception("call %s: failed", self.id)
            self.end(f"internal error: {type(err).__name__}")
        finally:
            idle.cancel()
            self._cut()
            self._log_end(self._end_reason or "caller closed the connection", started)

    def end(self, reason: str) -> None:
        """Hang up from this side: Asterisk returns from AudioSocket() and the dialplan goes on."""
        if self._end_reason is None:
            self._end_reason = reason
            self._cut()
            if not self._writer.is_closing():
                self._writer.write(HANGUP)
                self._writer.close()

    def _log_end(self, reason: str, started: float) -> None:
        log.info("call %s: ended (%s) after %.1f s", self.id, reason, self._loop.time() - started)

    async def _refuse(self) -> None:
        frames = await self.server.prompt_frames(prompts.BUSY, self.server.engine.settings.tts.length_scale)
        with contextlib.suppress(ConnectionError):
            await self._send(frames)
            self._writer.write(HANGUP)

    # --- caller to us ---------------------------------------------------------------
    async def _read_frames(self) -> None:
        while self._end_reason is None and (frame := await read_frame(self._reader)) is not None:
            try:
                frame.check()
            except ProtocolError as err:
                self._drop(err)
                continue
            if frame.kind == Kind.HANGUP:
                self._end_reason = "caller hung up"
            elif frame.kind == Kind.ERROR:
                self._end_reason = f"Asterisk reported error code {frame.error_code}"
            elif frame.kind == Kind.DTMF:
                self._key(frame.digit)
            elif frame.is_audio:
                await self._hear(frame)
            # A repeated UUID carries nothing new.

    def _drop(self, err: ProtocolError) -> None:
        # The length field still delimits the frame, so the stream stays in step
        # and the call can go on without it.
        self._bad_frames += 1
        if self._bad_frames <= BAD_FRAMES_LOGGED:
            log.warning("call %s: frame dropped: %s", self.id, err)
        elif self._bad_frames == BAD_FRAMES_LOGGED + 1:
            log.warning("call %s: further bad frames are dropped without a log line", self.id)

    async def _hear(self, frame: Frame) -> None:
        events = await self._loop.run_in_executor(self.server.listen_pool, self._listen, frame)
        for event in events:
            self._observe(event)
            self._touch()
            if isinstance(event, SpeechStarted):
                self._cut()  # barge-in: the caller talks, the line listens
            elif isinstance(event, SpeechEnded):
                self._start_reply(self.session.respond(event))

    def _listen(self, frame: Frame) -> list[Event]:
        # Narrowband audio has nothing above 4 kHz for a sharp filter to keep,
        # and the default filter would make barge-in 66 ms later; downsampling
        # (from Asterisk's wideband kinds) keeps it, against aliasing.
        if self._resampler is None or self._resampler.from_rate != frame.sample_rate:
            quality = "QQ" if frame.sample_rate < ENGINE_RATE else "HQ"
            self._resampler = StreamResampler(frame.sample_rate, ENGINE_RATE, quality=quality)
        return self.session.listen(self._resampler(to_mono_float(frame.samples)), ENGINE_RATE)

    def _key(self, digit: str) -> None:
        self._touch()
        if digit == "0":
            log.info("call %s: transfer requested", self.id)
            stay = self.server.settings.transfer_action == "stay"
            self._speak_notice(prompts.transfer(self.server.human_line),
                               hang_up=None if stay else "transferred to the human line")
        elif digit == "9":
            self._start_reply(self._replay_or(prompts.NOTHING_TO_REPEAT))
        elif digit == "*":
            self.session.slower()
            self._start_reply(self._replay_or(prompts.SLOWER))
        else:
            log.debug("call %s: key without an action", self.id)

    def _replay_or(self, notice: str) -> Iterator[Event]:
        replayed = False
        for event in self.session.replay():
            replayed = True
            yield event
        if not replayed:
            yield from self.session.say(notice)

    # --- us to caller ---------------------------------------------------------------
    def _start_reply(self, events: Iterator[Event]) -> None:
        """A session turn, streamed; a failure is excused and the call goes on."""
        self._start(lambda: self._stream(events), on_error=lambda: self._speak_notice(prompts.SORRY))

    def _speak_notice(self, text: str, hang_up: str | None = None) -> None:
        """A fixed notice from the server's cache (only its first use synthesizes);
        `hang_up` ends the call after it with that reason."""
        async def speak() -> None:
            frames = await self.server.prompt_frames(text, self.session.length_scale)
            self._observe(Answer(screen=text, speech=text, kind="notice"))
            await self._send(frames)

        self._start(speak, on_error=lambda: self.end("could not speak"), hang_up=hang_up)

    def _start(self, body: Callable[[], Awaitable], on_error: Callable[[], None], hang_up: str | None = None) -> None:
        """Replace the current reply with `body`, once the current one has stopped."""
        if self._end_reason is None:
            previous = self._cut()
            self._reply = asyncio.create_task(self._turn(previous, body, on_error, hang_up))

    def _cut(self) -> asyncio.Task | None:
        """Stop the reply being spoken or prepared; returns it until it has stopped."""
        reply, self._reply = self._reply, None
        if reply is None or reply.done() or reply is asyncio.current_task():
            return None
        reply.cancel()
        return reply

    async def _turn(self, previous: asyncio.Task | None, body: Callable[[], Awaitable],
                    on_error: Callable[[], None], hang_up: str | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its sender must stop before ours starts
        try:
            await body()
        except ConnectionError as err:
            self.end(f"connection lost while speaking: {type(err).__name__}")
            return
        except Exception as err:
            log.error("call %s: turn failed: %s: %s", self.id, type(err).__name__, mask_personal(str(err)))
            on_error()
            return
        self._touch()
        if hang_up:
            self.end(hang_up)

    async def _stream(self, events: Iterator[Event]) -> None:
        """Play a session turn while it is still being computed: the first
        sentence sounds while the next is synthesized."""
        pump = EventPump(events, self.server.turn_pool)
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        sender = asyncio.create_task(self._send_queue(queue))
        encoder = _PhoneEncoder()
        try:
            async for event in pump:
                self._observe(event)
                if isinstance(event, ReplyAudio):
                    for frame in encoder(event):
                        queue.put_nowait(frame)
                elif isinstance(event, Timings):
                    log.info("call %s: turn %s", self.id, " ".join(f"{k}={v:.0f}ms" for k, v in event.ms.items()))
            for frame in encoder.flush():
                queue.put_nowait(frame)
            queue.put_nowait(None)
            await sender
        finally:
            sender.cancel()
            pump.close()

    async def _send(self, frames: list[bytes]) -> None:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        for frame in frames:
            queue.put_nowait(frame)
        queue.put_nowait(None)
        await self._send_queue(queue)

    async def _send_queue(self, queue: asyncio.Queue) -> None:
        """One frame per 20 ms on the loop's clock; after an underrun the clock restarts
        rather than bursting frames Asterisk would play late."""
        deadline = None
        while (frame := await queue.get()) is not None:
            now = self._loop.time()
            if deadline is None or now > deadline + FRAME_S:
                deadline = now
            elif deadline > now:
                await asyncio.sleep(deadline - now)
            if self._writer.is_closing():
                raise ConnectionResetError("socket closed")
            # No drain(): a paced writer only queues if the peer stops reading,
            # and that is better caught by size than by awaiting (in Python 3.11
            # a wait_for() around drain() can swallow the cancel of a barge-in).
            if self._writer.transport.get_write_buffer_size() > MAX_UNREAD_BYTES:
                raise ConnectionAbortedError("peer stopped reading")
            self._writer.write(frame)
            deadline += FRAME_S

    # --- idle -----------------------------------------------------------------------------
    def _touch(self) -> None:
        self._last_activity = self._loop.time()

    async def _watch_idle(self) -> None:
        timeout = self.server.settings.idle_timeout_s
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            replying = self._reply is not None and not self._reply.done()
            if not replying and self._loop.time() - self._last_activity >= timeout:
                log.info("call %s: silent for %.0f s, saying goodbye", self.id, timeout)
                self._speak_notice(prompts.GOODBYE, hang_up=f"silent for {timeout:.0f} s")
                return

    def _observe(self, event: Event) -> None:
        if self.server.observer is not None:
            self.server.observer(self.id, event)
