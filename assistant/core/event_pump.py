"""Driving a session's blocking event generator from asyncio.

Adapters on an event loop (the kiosk, the phone bridge) must never run a
pipeline stage on the loop itself; this steps the generator in an executor,
one event per await, and can stop it (cutting a reply) from the loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib

from .events import Event, EventStream


class EventPump:
    """Steps a blocking event generator in a thread pool, one event per await."""

    _DONE = object()

    def __init__(self, events: EventStream, pool: concurrent.futures.Executor):
        self._events, self._pool = events, pool
        self._step: concurrent.futures.Future | None = None

    def __aiter__(self) -> EventPump:
        return self

    async def __anext__(self) -> Event:
        self._step = self._pool.submit(next, self._events, self._DONE)
        event = await asyncio.wrap_future(self._step)
        if event is self._DONE:
            raise StopAsyncIteration
        return event

    def close(self) -> None:
        """Stop the generator (stopping iteration cuts a reply); a step already
        running in its thread finishes first, since a thread cannot be interrupted."""
        step = self._step
        if step is not None and not step.done() and not step.cancel():
            step.add_done_callback(lambda _: self._submit_close())
        else:
            self._submit_close()

    def _submit_close(self) -> None:
        with contextlib.suppress(RuntimeError):  # the pool is already shut down
            self._pool.submit(self._events.close)
