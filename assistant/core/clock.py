"""Time for the conversation core: the event loop's clock, or a virtual one.

The controller and the outputs never read the time or sleep directly; they ask
a `Clock`. Live adapters use `LoopClock`. Tests and the scenario runner use
`VirtualClock`, where time moves only when the driver says so, so an 8 s idle
prompt or a 90 s reset takes no real time and happens at exactly the same
point of the script on every machine.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """The running event loop's monotonic clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """A clock that stands still until `advance` moves it.

    Sleepers wake in deadline order; after each wake-up the loop runs until
    nothing is ready any more, so everything a timer sets off happens before
    time moves on.
    """

    # Loop iterations run after each wake-up: a chain of awaits (a frame
    # through the listen lane to a reply's first chunk) wakes one link per
    # iteration, and the longest chain here is a few dozen links.
    SETTLE_ROUNDS = 50

    def __init__(self, start: float = 0.0):
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), waiter))
        await waiter

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking each sleeper at its own deadline."""
        target = self._now + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, waiter = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not waiter.done():
                waiter.set_result(None)
            await settle()
        self._now = target
        await settle()

    @property
    def next_deadline(self) -> float | None:
        live = [d for d, _, w in self._sleepers if not w.done()]
        return min(live) if live else None


async def settle(rounds: int = VirtualClock.SETTLE_ROUNDS) -> None:
    """Let the loop run everything that is ready (not what waits on a clock or a thread)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
