"""Where a conversation's blocking work runs: ordered lanes, one call at a time each.

Pipeline stages block (recognition, synthesis); the event loop must not. A
lane is a single worker thread: calls run in the order submitted, never two at
once, so the state a lane's calls touch needs no lock of its own. An inline
lane runs each call at once on the caller's thread, for tests whose stages are
scripted and instant.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Lane(concurrent.futures.Executor):
    def __init__(self, name: str, *, inline: bool = False):
        self.name = name
        self._pool = None if inline else concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name)
        self._in_flight: set[concurrent.futures.Future[Any]] = set()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        if self._pool is not None:
            future = self._pool.submit(fn, *args, **kwargs)
        else:
            future = concurrent.futures.Future()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as err:  # delivered to whoever awaits it, as a thread would
                future.set_exception(err)
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self.submit(fn, *args))

    async def drained(self) -> None:
        """Until everything submitted so far has finished (the scenario runner's clock waits on this)."""
        while self._in_flight:
            await asyncio.wait([asyncio.wrap_future(f) for f in list(self._in_flight)])

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
