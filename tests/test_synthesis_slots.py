"""Synthesis slots: a few pieces at once, the piece due first first."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.tts.slots import SynthesisSlots


def test_the_piece_due_first_gets_the_next_slot():
    slots = SynthesisSlots(1)
    order: list[str] = []
    release = threading.Event()

    def piece(name: str, deadline: float, hold: bool = False) -> None:
        with slots.slot(deadline):
            order.append(name)
            if hold:
                release.wait(10)

    now = time.monotonic()
    playing = threading.Thread(target=piece, args=("playing", now, True))
    playing.start()
    while not order:
        time.sleep(0.01)
    # The slot is taken: a later piece due in 3 s, a first piece due now, one due in 1 s.
    waiters = []
    for args in (("later piece", now + 3.0), ("first piece", now), ("next piece", now + 1.0)):
        waiters.append(threading.Thread(target=piece, args=args))
        waiters[-1].start()
        while slots.waiting < len(waiters):
            time.sleep(0.01)
    release.set()
    for thread in [playing, *waiters]:
        thread.join(10)
    assert order == ["playing", "first piece", "next piece", "later piece"]
    assert slots.waiting == 0


def test_no_more_pieces_than_slots_run_at_once():
    slots = SynthesisSlots(2)
    running, peak = [0], [0]
    lock = threading.Lock()

    def piece() -> None:
        with slots.slot(time.monotonic()):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=piece) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert peak[0] == 2


def test_a_failing_piece_gives_its_slot_back():
    slots = SynthesisSlots(1)
    with pytest.raises(RuntimeError), slots.slot(time.monotonic()):
        raise RuntimeError("voice failed")
    done = threading.Event()

    def next_piece() -> None:
        with slots.slot(time.monotonic()):
            done.set()

    threading.Thread(target=next_piece).start()
    assert done.wait(5)


def test_no_slots_is_refused():
    with pytest.raises(ValueError):
        SynthesisSlots(0)
