"""One AudioSocket connection = one conversation: frames and keys in, the line's voice out.

Turn-taking (barge-in, prompts, idle goodbye, 상담원 연결) and the echo
check are the core's; this module only translates AudioSocket frames to controller
input and the controller's end of a conversation to a hang-up.

Logs name a call by its UUID only: never audio, transcripts or digits pressed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ...core.clock import LoopClock
from ...core.controller import Command, Controller, TurnPolicy
from ...core.events import ConversationEnded, Event, Interrupted, ReplyPaused, ReplyResumed, Timings
from ...core.prompts import PHONE
from ...core.session import Session
from ...stt.echo import EchoGuard
from .line import LineOutput, PhoneEncoder
from .protocol import HANGUP, Kind, ProtocolError, read_frame

if TYPE_CHECKING:
    from .server import PhoneServer

log = logging.getLogger(__name__)

UUID_TIMEOUT_S = 5.0  # Asterisk sends the UUID as soon as it connects
BAD_FRAMES_LOGGED = 3  # per call; more are counted, not logged
KEYS = {"0": Command.HANDOFF, "9": Command.REPLAY, "*": Command.SLOWER}
# 1–8 pick what the last answer offered by number (its spoken menu).
CHOICE_KEYS = frozenset("12345678")

Observer = Callable[[str, Event], None]


def phone_policy(server: PhoneServer) -> TurnPolicy:
    settings = server.settings
    return TurnPolicy(prompts=PHONE, office_phone=server.human_line, hands_free=True, listen_prompt_s=None,
                      idle_s=settings.idle_timeout_s, end_on_idle=True,
                      end_after_handoff=settings.transfer_action == "hangup")


class PhoneCall:
    def __init__(self, server: PhoneServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.server, self._reader, self._writer = server, reader, writer
        self.id = "-"  # the call UUID, once received
        self._loop = asyncio.get_running_loop()
        self._end_reason: str | None = None
        self._bad_frames = 0
        # The caller's line may send the assistant's voice back (a hybrid's echo).
        self.line = LineOutput(writer, LoopClock(), echo=EchoGuard() if server.settings.echo_guard else None)
        self.controller: Controller | None = None

    async def run(self, busy: bool = False) -> None:
        started = self._loop.time()
        try:
            if not await self._read_uuid():
                return
            if busy:
                log.warning("call %s: refused, %d calls already active", self.id, self.server.active_calls)
                await self._refuse()
                return self._log_end("busy", started)
            log.info("call %s: connected", self.id)
            # Narrowband audio has nothing above 4 kHz for a sharp filter to keep,
            # and the default filter would make barge-in 66 ms later.
            session = Session(self.server.engine, vad=self.server.settings.vad, resample_quality="QQ",
                              speak_menu=True)
            self.controller = Controller(session, self.line, self._on_event, phone_policy(self.server),
                                         echo=self.line.echo)
            await self.controller.open()
            await self._read_frames()
        except ProtocolError as err:  # the stream broke off inside a frame
            self._end_reason = self._end_reason or str(err)
        except ConnectionError as err:
            self._end_reason = self._end_reason or f"connection lost: {type(err).__name__}"
        except Exception as err:
            log.exception("call %s: failed", self.id)
            self.end(f"internal error: {type(err).__name__}")
        finally:
            if self.controller is not None:
                await self.controller.close()
            self.line.close()
            if self.id != "-":
                self._log_end(self._end_reason or "caller closed the connection", started)

    async def _read_uuid(self) -> bool:
        try:
            async with asyncio.timeout(UUID_TIMEOUT_S):
                first = await read_frame(self._reader)
            if first is None:
                log.warning("connection dropped: closed before sending a UUID")
                return False
            if first.check().kind != Kind.UUID:
                raise ProtocolError(f"first frame is kind 0x{first.kind:02x}, not the call UUID")
        except (ProtocolError, TimeoutError, ConnectionError) as err:
            log.warning("connection dropped: %s", str(err) or "no UUID in time")
            return False
        self.id = str(first.call_id)
        return True

    def end(self, reason: str) -> None:
        """Hang up from this side: Asterisk returns from AudioSocket() and the dialplan goes on."""
        if self._end_reason is None:
            self._end_reason = reason
            self.line.clear()
            if not self._writer.is_closing():
                self._writer.write(HANGUP)
                self._writer.close()

    def _log_end(self, reason: str, started: float) -> None:
        log.info("call %s: ended (%s) after %.1f s", self.id, reason, self._loop.time() - started)

    async def _refuse(self) -> None:
        frames = await self.server.prompt_frames(PHONE.busy)
        try:
            await self.line.send_now(frames)
            self._writer.write(HANGUP)
        except ConnectionError:
            pass

    # --- caller to us ---------------------------------------------------------------
    async def _read_frames(self) -> None:
        assert self.controller is not None
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
                await self._key(frame.digit)
            elif frame.is_audio:
                self.controller.hear(frame.samples, frame.sample_rate)
            # A repeated UUID carries nothing new.

    def _drop(self, err: ProtocolError) -> None:
        # The length field still delimits the frame, so the stream stays in step
        # and the call can go on without it.
        self._bad_frames += 1
        if self._bad_frames <= BAD_FRAMES_LOGGED:
            log.warning("call %s: frame dropped: %s", self.id, err)
        elif self._bad_frames == BAD_FRAMES_LOGGED + 1:
            log.warning("call %s: further bad frames are dropped without a log line", self.id)

    async def _key(self, digit: str) -> None:
        assert self.controller is not None
        if digit in CHOICE_KEYS:
            await self.controller.choose(int(digit))
            return
        command = KEYS.get(digit)
        if command is None:
            log.debug("call %s: key without an action", self.id)
            return
        if command is Command.HANDOFF:
            log.info("call %s: transfer requested", self.id)
        await self.controller.command(command)

    # --- us to the caller -------------------------------------------------------------
    async def _on_event(self, event: Event) -> None:
        self.server.observe(self.id, event)
        if isinstance(event, Timings):
            log.info("call %s: turn %d %s", self.id, event.turn,
                     " ".join(f"{k}={v:.0f}ms" for k, v in event.ms.items()))
        elif isinstance(event, ReplyPaused):
            log.info("call %s: reply %d paused (%s)", self.id, event.turn, event.reason)
        elif isinstance(event, ReplyResumed):
            log.info("call %s: reply %d resumed (%s) after %.2f s", self.id, event.turn, event.reason, event.paused_s)
        elif isinstance(event, Interrupted):
            log.info("call %s: reply %d cut (%s)", self.id, event.turn, event.reason)
        elif isinstance(event, ConversationEnded):
            self.end(event.reason)


def render(chunks: list[np.ndarray], sample_rate: int) -> list[bytes]:
    """Whole audio (a fixed notice) as 20 ms 8 kHz frames."""
    from ...core.events import ReplyAudio

    encoder = PhoneEncoder()
    frames = [f for samples in chunks for f in encoder(ReplyAudio(samples=samples, sample_rate=sample_rate))]
    return frames + encoder.flush()
