"""The echo check on real speech: the project's own voice comes back on a simulated line,
a real recorded question is spoken over it, and the real voice detector listens to what
the check lets through."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio import load_audio, resample
from assistant.config import PhoneVadSettings, Settings
from assistant.evaluation.datasets import SPEECH_DIR
from assistant.stt.echo import EchoGuard
from assistant.stt.endpointer import Endpointer, SpeechStart

QUESTION = SPEECH_DIR / "emotiontts/pmb/pmb00018.flac"  # 그러시면 수업 끝나고 학교 앞에서 만날까요?
REPLY = "기초연금은 만 65세 이상 어르신 가운데 소득이 적은 분께 드려요. 주민센터에서 신청하실 수 있어요."
RATE = 8000
FRAME = 160  # 20 ms
QUESTION_AT_S = 1.5

# Every test speaks over a reply in the assistant's own voice (Kokoro, loaded by `reply`): e2e.
pytestmark = [pytest.mark.skipif(not QUESTION.exists(), reason=f"speech clips not found at {SPEECH_DIR}"),
              pytest.mark.e2e]


@pytest.fixture(scope="module")
def reply(test_settings: Settings) -> np.ndarray:
    """A reply in the assistant's own voice, as the line carries it (8 kHz)."""
    from assistant.tts.synthesizer import Synthesizer

    synthesizer = Synthesizer.load(test_settings.tts)
    audio = np.concatenate(list(synthesizer.synthesize(REPLY, 1.0))).astype(np.float32) / 32768
    return resample(audio, synthesizer.sample_rate, RATE)[: 4 * RATE]


@pytest.fixture(scope="module")
def question() -> np.ndarray:
    return resample(load_audio(QUESTION), 16000, RATE)


def line_echo(sent: np.ndarray, delay_s: float, loss_db: float, path: np.ndarray | None = None) -> np.ndarray:
    """What a line sends back of `sent`: through a short echo path, `loss_db` quieter, `delay_s` later."""
    echo = np.convolve(sent, path)[: len(sent)] if path is not None else sent
    return np.pad(echo, (round(delay_s * RATE), 0)) * 10 ** (-loss_db / 20)


def call(reply: np.ndarray, incoming: np.ndarray, guard: EchoGuard | None, jitter_s: float = 0.005,
         burst: int = 1) -> np.ndarray:
    """Sends `reply` frame by frame on a 20 ms clock while `incoming` arrives (a little late,
    as frames do; with `burst`, that many frames at once, as from a busy machine), each
    incoming frame screened by `guard`; returns what the detector gets."""
    rng = np.random.default_rng(7)
    out = []
    for k in range(len(incoming) // FRAME):
        now = k * FRAME / RATE
        frame = incoming[k * FRAME:(k + 1) * FRAME]
        if guard is None:
            out.append(frame)
            continue
        if k * FRAME < len(reply):
            guard.sent(reply[k * FRAME:(k + 1) * FRAME], RATE, now)
        arrived = (k // burst + 1) * burst * FRAME / RATE + rng.uniform(0, jitter_s)
        out.append(guard.screen(frame, RATE, arrived))
    return np.concatenate(out)


def speech_starts(audio: np.ndarray) -> list[float]:
    """Where the phone's endpointer hears speech start, in seconds."""
    endpointer = Endpointer(PhoneVadSettings())
    upsampled = resample(audio.astype(np.float32), RATE, 16000)
    events = [e for k in range(0, len(upsampled), 320) for e in endpointer.process(upsampled[k:k + 320])]
    return [e.at_s for e in events if isinstance(e, SpeechStart)]


def noise(n: int, level_db: float) -> np.ndarray:
    return np.random.default_rng(3).normal(0, 10 ** (level_db / 20), n).astype(np.float32)


# An echo path that spreads over a few milliseconds, as a line hybrid's does.
DISPERSED = np.array([0.7, 0.35, -0.2, 0.1, 0.05, 0, 0, -0.05])


@pytest.mark.parametrize("delay_s,loss_db,path,noise_db", [
    (0.12, 12, None, -50),
    (0.02, 6, None, -45),   # the least loss a line is allowed (ITU-T G.168)
    (0.45, 20, None, -50),  # late and faint
    (0.12, 12, DISPERSED, -50),
])
def test_the_assistants_own_voice_coming_back_is_not_taken_for_speech(reply, delay_s, loss_db, path, noise_db):
    incoming = line_echo(reply, delay_s, loss_db, path)
    incoming = incoming + noise(len(incoming), noise_db)
    assert speech_starts(call(reply, incoming, None)), "unscreened, the echo is heard as speech"
    guard = EchoGuard()
    assert speech_starts(call(reply, incoming, guard)) == []
    assert guard.frames_echo > 0.5 * len(reply) / FRAME


def test_echo_whose_delay_jumps_by_a_frame_is_still_recognized(reply):
    """A jitter buffer on the line drops or repeats a 20 ms frame now and then."""
    rng = np.random.default_rng(5)
    frames = [reply[k:k + FRAME] for k in range(0, len(reply) - FRAME + 1, FRAME)]
    delay, echoed = 6, []
    for j in range(len(frames) + 10):
        if j % 25 == 0:  # one frame more or less, within 100-160 ms
            delay = int(np.clip(delay + rng.choice([-1, 1]), 5, 8))
        echoed.append(frames[j - delay] if 0 <= j - delay < len(frames) else np.zeros(FRAME, np.float32))
    incoming = np.concatenate(echoed) * 10 ** (-12 / 20)
    incoming = incoming + noise(len(incoming), -50)
    assert speech_starts(call(reply, incoming, EchoGuard())) == []


def test_echo_arriving_in_bursts_from_a_busy_machine_is_still_recognized(reply):
    incoming = line_echo(reply, 0.12, 12)
    incoming = incoming + noise(len(incoming), -50)
    assert speech_starts(call(reply, incoming, EchoGuard(), jitter_s=0.03, burst=5)) == []


@pytest.mark.parametrize("path", [None, DISPERSED])
def test_a_question_over_the_echo_is_heard_as_soon_as_without_it(reply, question, path):
    start = round(QUESTION_AT_S * RATE)
    echo = line_echo(reply, 0.12, 12, path)
    incoming = np.zeros(start + len(question), np.float32)
    incoming[:len(echo)] += echo[:len(incoming)]
    incoming[start:] += question
    alone = np.zeros_like(incoming)
    alone[start:] = question
    heard = speech_starts(call(reply, incoming, EchoGuard()))
    assert heard and heard[0] >= QUESTION_AT_S
    assert heard[0] - speech_starts(alone)[0] <= 0.04  # at most two frames later than on a quiet line


def test_a_resident_speaking_over_a_reply_on_a_line_without_echo_loses_nothing(reply, question):
    """The reply is being sent, but nothing of it comes back: none of the speech may be silenced."""
    guard = EchoGuard()
    incoming = np.concatenate([question, noise(RATE, -55)])
    kept = call(np.tile(reply, 2), incoming, guard)
    voiced = [k for k in range(len(incoming) // FRAME) if np.sqrt(np.mean(incoming[k * FRAME:(k + 1) * FRAME] ** 2)) > 0.01]
    lost = [k for k in voiced if not kept[k * FRAME:(k + 1) * FRAME].any()]
    assert guard.frames_screened >= len(voiced) and not lost  # every voiced frame was looked at, none lost


def test_without_anything_sent_recently_every_frame_goes_through(reply, question):
    guard = EchoGuard()
    guard.sent(reply[:RATE], RATE, 0.0)
    later = 10.0  # far past the longest echo
    frame = question[RATE:RATE + FRAME]
    assert guard.screen(frame, RATE, later) is frame
    assert guard.frames_screened == 0


def test_the_assistants_voice_is_recognized_at_another_rate_than_it_was_sent(reply):
    """The kiosk's speaker plays 48 kHz and its microphone hears 16 kHz."""
    sent_48k = resample(reply, RATE, 48000)
    heard_16k = resample(line_echo(reply, 0.03, 10), RATE, 16000)
    guard = EchoGuard()
    kept = []
    for k in range(len(heard_16k) // 320):
        now = k * 0.02
        if k * 960 < len(sent_48k):
            guard.sent(sent_48k[k * 960:(k + 1) * 960], 48000, now)
        kept.append(guard.screen(heard_16k[k * 320:(k + 1) * 320], 16000, now + 0.02))
    assert speech_starts(resample(np.concatenate(kept), 16000, RATE)) == []
