"""A recording handled as a whole: streamed through a session as a microphone
would deliver it, and its first turn's events gathered in one place.

Used by adapters that take files rather than a live stream (`assistant ask
--audio`, the tester script runner, benchmarks).
"""

from __future__ import annotations

import numpy as np

from .events import Answer, ReplyAudio, ServicesFound, SpeechEnded, Timings, Transcript

FRAME_S = 0.02


def feed_file(session, audio: np.ndarray, rate: int = 16000):
    """Stream a recording through the session in 20 ms frames, as a microphone would."""
    step = int(rate * FRAME_S)
    for i in range(0, len(audio), step):
        yield from session.feed_audio(audio[i:i + step], rate)
    yield from session.finish_audio()


def collect_turn(events) -> dict:
    """The first complete turn's events, folded into the `ask --json` contract."""
    turn: dict = {"audio": []}
    for event in events:
        if isinstance(event, SpeechEnded):
            turn["speech_ended"] = event
        elif isinstance(event, Transcript):
            turn["transcript"] = event
        elif isinstance(event, ServicesFound):
            turn["found"] = event
        elif isinstance(event, Answer):
            turn["answer"] = event
        elif isinstance(event, ReplyAudio):
            turn["audio"].append(event)
        elif isinstance(event, Timings):
            turn["timings"] = event.ms
            break
    return turn
