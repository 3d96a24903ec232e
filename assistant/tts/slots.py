"""Synthesis shared by every conversation: a few pieces at a time, the one needed soonest first.

Each conversation synthesizes its reply piece by piece on its own lane, and a
piece played while the next is made hides the next one's cost. With several
conversations speaking at once, that many synthesis threads would share the
cores evenly, and a new answer's first piece (which the resident is waiting
for in silence) would crawl beside other replies' later pieces (whose audio
is not due for seconds). So a piece first asks for a slot with its deadline,
the moment its audio must start playing to leave no gap:

- a reply's first piece: now (someone is waiting);
- a later piece: when the audio before it will have finished playing.

At most `slots` pieces are synthesized at once (one per core by default:
each voice runs on one thread); when a slot frees, the waiting piece with the
earliest deadline takes it. A piece that has started runs to its end.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections.abc import Iterator


class SynthesisSlots:
    def __init__(self, slots: int):
        if slots < 1:
            raise ValueError(f"synthesis needs at least one slot, got {slots}")
        self.slots = slots
        self._busy = 0
        self._waiting: list[tuple[float, int, threading.Event]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, deadline: float) -> Iterator[None]:
        """Hold a slot for one piece; `deadline` in `time.monotonic()` seconds."""
        turn = threading.Event()
        with self._lock:
            if self._busy < self.slots and not self._waiting:
                self._busy += 1
                turn.set()
            else:
                heapq.heappush(self._waiting, (deadline, next(self._order), turn))
        turn.wait()
        try:
            yield
        finally:
            with self._lock:
                if self._waiting:  # the slot passes straight to the most urgent piece
                    heapq.heappop(self._waiting)[2].set()
                else:
                    self._busy -= 1

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)
