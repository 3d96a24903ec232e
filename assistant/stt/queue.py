"""One recognition queue for every conversation of a process, the most urgent utterance first.

The recognizer is one model on one worker (see transcriber.py): two
utterances never run at once, so the order they run in is what decides how
long each resident waits. Jobs run by urgency, then in the order they became
that urgent:

- `TURN_ENDED`: a resident has finished speaking and waits for the answer.
  Among these, the turn that ended first is served first. A pause's partial
  transcript for the turn-end judge waits at this urgency too: the endpointer
  holds the turn's end until the judgement arrives, so the resident waits on it.
- `EARLY`: speculative recognition during the trailing silence (see
  `Session`); the resident may still go on. Such a job never starts while a
  finished turn waits. When its turn does end with the same audio, the
  session `promote`s it (a job already running is simply awaited); when the
  resident goes on, the session `cancel`s it, and a job that has not started
  is dropped without costing anything.

A job that has started runs to its end: a CTranslate2 call cannot be
interrupted, and with windows fitted to the utterance one job lasts a few
hundred milliseconds.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from enum import IntEnum
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Urgency(IntEnum):
    TURN_ENDED = 0
    EARLY = 1


class RecognitionJob(Future, Generic[T]):
    """The result of one queued call; `cancel()` drops it if it has not started."""

    def __init__(self, queue: RecognitionQueue, urgency: Urgency, call: Callable[[], T]):
        super().__init__()
        self._queue = queue
        self.urgency = urgency
        self._call = call

    def promote(self) -> None:
        """Its turn has ended: from now on it waits as a finished turn (no-op once started)."""
        self._queue._promote(self)


class RecognitionQueue:
    """A single worker thread running recognition calls by urgency (see the module doc)."""

    def __init__(self, name: str = "recognition"):
        self._heap: list[tuple[int, int, RecognitionJob[Any]]] = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._running: RecognitionJob[Any] | None = None
        self._closed = False
        self._in_flight: set[RecognitionJob[Any]] = set()
        self._worker = threading.Thread(target=self._work, name=name, daemon=True)
        self._worker.start()

    def submit(self, urgency: Urgency, fn: Callable[..., T], /, *args: Any) -> RecognitionJob[T]:
        job: RecognitionJob[T] = RecognitionJob(self, urgency, lambda: fn(*args))
        with self._ready:
            if self._closed:
                raise RuntimeError("the recognition queue is closed")
            heapq.heappush(self._heap, (urgency, next(self._order), job))
            self._in_flight.add(job)
            self._ready.notify()
        job.add_done_callback(self._in_flight.discard)
        return job

    @property
    def waiting(self) -> int:
        """Jobs queued and not started (the health check reports it)."""
        with self._ready:
            return sum(1 for _, _, job in self._heap if not job.cancelled())

    async def drained(self) -> None:
        """Until every job submitted so far has finished (the scenario runner's clock waits on this)."""
        while self._in_flight:
            await asyncio.wait([asyncio.wrap_future(job) for job in list(self._in_flight)])

    def close(self) -> None:
        """Cancel what has not started; the worker ends after the job it is running."""
        with self._ready:
            self._closed = True
            pending, self._heap = self._heap, []
            self._ready.notify()
        for _, _, job in pending:
            job.cancel()

    def _promote(self, job: RecognitionJob[Any]) -> None:
        with self._ready:
            if job.urgency == Urgency.TURN_ENDED or job is self._running or job.done():
                return
            for i, (_, _, queued) in enumerate(self._heap):
                if queued is job:
                    job.urgency = Urgency.TURN_ENDED
                    # Its turn ended now: it goes behind the turns that ended before it.
                    self._heap[i] = (Urgency.TURN_ENDED, next(self._order), job)
                    heapq.heapify(self._heap)
                    return

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._heap and not self._closed:
                    self._ready.wait()
                if not self._heap:
                    return
                _, _, job = heapq.heappop(self._heap)
                if not job.set_running_or_notify_cancel():
                    continue  # cancelled while it waited: dropped, nothing was spent on it
                self._running = job
            try:
                result = job._call()
            except BaseException as err:  # delivered to whoever waits for the job
                job.set_exception(err)
            else:
                job.set_result(result)
            finally:
                with self._ready:
                    self._running = None
