"""A real phone bridge for the phone tests: the session's engine (tests/conftest.py), real TCP
on 127.0.0.1, run on its own event loop in a background thread, shared by the test modules."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections import defaultdict

from assistant.adapters.phone.server import PhoneServer
from assistant.core.engine import Engine
from assistant.core.events import Event
from assistant.evaluation.datasets import SPEECH_MANIFEST


class BridgeThread:
    """PhoneServers on one event loop in a daemon thread; `events[call_uuid]`
    records (time.monotonic(), event) for everything each call's session emitted."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.events: dict[str, list[tuple[float, Event]]] = defaultdict(list)
        threading.Thread(target=self.loop.run_forever, name="phone-bridge", daemon=True).start()

    def serve(self, engine: Engine, **overrides) -> tuple[PhoneServer, tuple[str, int]]:
        settings = engine.settings.phone.model_copy(update=overrides)

        def observe(call: str, event: Event) -> None:
            self.events[call].append((time.monotonic(), event))

        server = PhoneServer(engine, settings, observer=observe)

        async def start():
            await server.prepare()
            return await server.start("127.0.0.1:0")

        return server, self.run(start())

    def run(self, coroutine, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@functools.cache
def bridge() -> BridgeThread:
    return BridgeThread()


@functools.cache
def main_server(engine: Engine) -> tuple[PhoneServer, tuple[str, int]]:
    """The bridge most tests call: default settings, an idle timeout no test reaches."""
    return bridge().serve(engine, idle_timeout_s=300.0)


@functools.cache
def backchannel_clips(engine: Engine) -> list:
    """Real backchannels cut from the speech set (assistant/evaluation/barge_in.py)."""
    from assistant.evaluation.barge_in import backchannels

    return backchannels(SPEECH_MANIFEST, engine.transcriber)
