"""The telephony bridge: an asyncio AudioSocket server, one conversation per call.

The event loop only moves bytes and keeps time. Everything that computes
(endpointing, recognition, answers, synthesis) runs on each call's lanes
(see assistant/core/controller.py), so a busy call never delays another
call's audio.
"""

from __future__ import annotations

import asyncio
import logging

from ...config import PhoneSettings
from ...core.engine import Engine
from ...core.events import Event
from ...core.prompts import PHONE
from .call import Observer, PhoneCall, render
from .protocol import parse_address

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0


class PhoneServer:
    """Accepts AudioSocket connections; `observer(call_uuid, event)` sees every
    session event on the event loop (monitoring, tests, benchmarks)."""

    def __init__(self, engine: Engine, settings: PhoneSettings | None = None, observer: Observer | None = None):
        self.engine = engine
        self.settings = settings or engine.settings.phone
        self.human_line = self.settings.human_line or engine.settings.office_phone
        self.observer = observer
        self._prompts: dict[str, list[bytes]] = {}
        self._calls: set[PhoneCall] = set()
        self._connections = 0
        self._handlers: set[asyncio.Task] = set()
        self._server: asyncio.base_events.Server | None = None
        self.stopping = False

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    async def start(self, address: str | None = None) -> tuple[str, int]:
        """Listen (port 0 picks a free one); returns the bound (host, port)."""
        host, port = parse_address(address or self.settings.listen)
        self._server = await asyncio.start_server(self._accept, host, port)
        return self._server.sockets[0].getsockname()[:2]

    async def prepare(self) -> None:
        """Synthesize the fixed prompts (before `start`), so that no call waits for them."""
        sentences = [*PHONE.fixed(), PHONE.handoff_speech(None, self.human_line)]
        await asyncio.to_thread(lambda: [self.engine.prompt_audio(text, self.engine.settings.tts.length_scale)
                                         for text in sentences])
        await self.prompt_frames(PHONE.busy)

    def observe(self, call_id: str, event: Event) -> None:
        if self.observer is not None:
            self.observer(call_id, event)

    async def close(self) -> None:
        """Stop accepting, hang up every call, and wait (briefly) for their handlers."""
        self.stopping = True
        if self._server is not None:
            self._server.close()
        for call in list(self._calls):
            call.end("server shutting down")
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=CLOSE_TIMEOUT_S)

    async def prompt_frames(self, text: str) -> list[bytes]:
        """A notice spoken outside any conversation (busy), as encoded 8 kHz frames, made once."""
        if text not in self._prompts:
            scale = self.engine.settings.tts.length_scale
            chunks = await asyncio.to_thread(self.engine.prompt_audio, text, scale)
            self._prompts[text] = render(list(chunks), self.engine.synthesizer.sample_rate)
        return self._prompts[text]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections += 1
        handler = asyncio.current_task()
        assert handler is not None  # asyncio runs every connection callback in a task
        self._handlers.add(handler)
        try:
            if self._connections > 2 * self.settings.max_calls:
                log.warning("connection refused: %d connections open", self._connections - 1)
                return
            call = PhoneCall(self, reader, writer)
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
