"""The recognition queue: finished turns first, early guesses only in spare time, stale ones dropped;
and a session's use of it on real speech with the real recognizer."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.audio import load_audio
from assistant.config import Settings, VadSettings
from assistant.core.engine import Engine
from assistant.core.events import SpeechEnded, Transcript
from assistant.core.session import Session
from assistant.evaluation.cer import cer
from assistant.evaluation.datasets import SPEECH_DIR
from assistant.stt.queue import RecognitionQueue, Urgency

QUESTION = SPEECH_DIR / "emotiontts" / "pma" / "pma00005.flac"
QUESTION_TEXT = "특별기내식 신청은 어떻게 해야 하나요?"
FOLLOW_UP = SPEECH_DIR / "emotiontts" / "pfa" / "pfa00001.flac"
FOLLOW_UP_TEXT = "그럼 이번 주말에 우리 미술관 갈까요?"


class Recorder:
    """Jobs for a queue: each notes when it ran; the first one can be held until released."""

    def __init__(self):
        self.ran: list[str] = []
        self.release = threading.Event()

    def hold(self) -> str:
        self.release.wait(10)
        self.ran.append("held")
        return "held"

    def job(self, name: str) -> str:
        self.ran.append(name)
        return name


@pytest.fixture
def queue():
    queue = RecognitionQueue("test-recognition")
    yield queue
    queue.close()


def _busy(queue: RecognitionQueue, recorder: Recorder):
    held = queue.submit(Urgency.TURN_ENDED, recorder.hold)
    deadline = time.monotonic() + 5
    while queue.waiting and time.monotonic() < deadline:  # the worker has taken it
        time.sleep(0.01)
    return held


def test_finished_turns_go_first_in_the_order_they_ended(queue):
    recorder = Recorder()
    held = _busy(queue, recorder)
    early_a = queue.submit(Urgency.EARLY, recorder.job, "early a")
    early_b = queue.submit(Urgency.EARLY, recorder.job, "early b")
    ended_first = queue.submit(Urgency.TURN_ENDED, recorder.job, "ended first")
    early_b.promote()  # b's turn ends now: behind the turn that ended before, ahead of early a
    ended_last = queue.submit(Urgency.TURN_ENDED, recorder.job, "ended last")
    assert queue.waiting == 4
    recorder.release.set()
    for job in (held, early_a, early_b, ended_first, ended_last):
        job.result(10)
    assert recorder.ran == ["held", "ended first", "early b", "ended last", "early a"]


def test_an_early_guess_dropped_before_it_starts_costs_nothing(queue):
    recorder = Recorder()
    held = _busy(queue, recorder)
    stale = queue.submit(Urgency.EARLY, recorder.job, "stale")
    assert stale.cancel()
    kept = queue.submit(Urgency.EARLY, recorder.job, "kept")
    recorder.release.set()
    held.result(10)
    assert kept.result(10) == "kept"
    assert recorder.ran == ["held", "kept"] and stale.cancelled()
    # A job that has started runs to its end; cancelling it does nothing.
    assert not held.cancel()


def test_a_failing_job_reports_to_its_waiter_and_the_queue_goes_on(queue):
    def fail() -> None:
        raise ValueError("bad audio")

    failed = queue.submit(Urgency.TURN_ENDED, fail)
    with pytest.raises(ValueError, match="bad audio"):
        failed.result(10)
    assert queue.submit(Urgency.EARLY, lambda: 7).result(10) == 7


def test_closing_cancels_what_waits():
    queue = RecognitionQueue("closing")
    recorder = Recorder()
    held = _busy(queue, recorder)
    waiting = queue.submit(Urgency.TURN_ENDED, recorder.job, "never")
    queue.close()
    recorder.release.set()
    assert held.result(10) == "held" and waiting.cancelled()
    with pytest.raises(RuntimeError):
        queue.submit(Urgency.EARLY, recorder.job, "after close")


class CountingQueue(RecognitionQueue):
    """The real queue, noting the urgency of every job a session gives it."""

    def __init__(self):
        super().__init__("counting")
        self.urgencies: list[Urgency] = []

    def submit(self, urgency, fn, /, *args):
        self.urgencies.append(urgency)
        return super().submit(urgency, fn, *args)


@pytest.fixture(scope="module")
def engine():
    engine = Engine.load(Settings())
    engine.warm_up(background=False, tts=False)
    return engine


def _speech_only(audio: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > 0.05 * np.abs(audio).max())
    return audio[loud[0]:loud[-1]]  # a clip's own silence would end the turn


@pytest.mark.skipif(not QUESTION.exists(), reason=f"{SPEECH_DIR} is absent: no real speech to test on")
def test_a_session_recognizes_each_turn_once_using_its_early_guess(engine):
    first, then = (_speech_only(load_audio(clip)) for clip in (QUESTION, FOLLOW_UP))
    pause, tail = np.zeros(8000, np.float32), np.zeros(16000, np.float32)  # 0.5 s inside, 1 s after
    recognition = CountingQueue()
    # The silence rule alone: audio fed faster than live would outrun the turn-end
    # judge's partial transcripts, which the endpointer waits for.
    session = Session(engine, speak=False, recognition=recognition, vad=VadSettings(judge_turn_end=False))
    events = []
    # The resident pauses for half a second (long enough for an early guess, too
    # short to end the turn) and goes on: the first guess is of audio the turn
    # does not end with, so it is dropped; the second is the turn's.
    audio = np.concatenate([first, pause, then, tail])
    for i in range(0, len(audio), 320):
        events += list(session.feed_audio(audio[i:i + 320], 16000))
    recognition.close()
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    heard = [e for e in events if isinstance(e, Transcript)]
    assert len(ended) == 1 and len(heard) == 1
    assert cer(f"{QUESTION_TEXT} {FOLLOW_UP_TEXT}", heard[0].text) < 0.3, heard[0].text
    # Two early guesses, no recognition after the turn ended: the second guess was it.
    assert recognition.urgencies == [Urgency.EARLY, Urgency.EARLY]


@pytest.mark.skipif(not QUESTION.exists(), reason=f"{SPEECH_DIR} is absent: no real speech to test on")
def test_a_pause_is_judged_from_a_partial_queued_as_urgent_as_a_finished_turn(engine):
    audio = np.concatenate([_speech_only(load_audio(QUESTION)), np.zeros(16000, np.float32)])
    recognition = CountingQueue()
    session = Session(engine, speak=False, recognition=recognition)  # the shipped turn-end judge
    events = []
    for i in range(0, len(audio), 320):
        events += list(session.feed_audio(audio[i:i + 320], 16000))
    events += list(session.finish_audio())
    recognition.close()
    # The endpointer holds the turn's end for the judgement: its partial goes first, at a
    # finished turn's urgency; the early guess of the same audio after it.
    assert recognition.urgencies[:2] == [Urgency.TURN_ENDED, Urgency.EARLY]
    assert len([e for e in events if isinstance(e, Transcript)]) == 1
