"""Endpointing on real speech from ../shared/eval/speech, streamed as a microphone would."""

import numpy as np
import pytest

from assistant.audio import load_audio
from assistant.config import PROJECT_ROOT, VadSettings
from assistant.evaluation.speech import telephone_channel
from assistant.stt.endpointer import Endpointer, SpeechEnd, SpeechPause, SpeechStart

SPEECH_DIR = PROJECT_ROOT.parent / "shared" / "eval" / "speech"
# A speaker aged 50+; speech runs from about 0.48 s to 5.32 s of the clip
# (20 ms frames above 5 % of the peak level), with a short pause inside.
CLIP = SPEECH_DIR / "emotiontts" / "pfl" / "pfl00002.flac"
ONSET_S, OFFSET_S = 0.48, 5.32
RATE = 16000
TOLERANCE_S = 0.2

pytestmark = pytest.mark.skipif(not CLIP.exists(), reason=f"speech clips not found at {SPEECH_DIR}")


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return load_audio(CLIP)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def stream(audio: np.ndarray, settings: VadSettings | None = None, frame: int = 320, pauses: bool = False) -> list:
    """The turn events; `pauses` also keeps the early-recognition pauses."""
    endpointer = Endpointer(settings or VadSettings())
    events = []
    for i in range(0, len(audio), frame):
        events += endpointer.process(audio[i:i + frame])
    return [e for e in events + endpointer.flush() if pauses or not isinstance(e, SpeechPause)]


def test_an_early_pause_carries_exactly_the_audio_the_turn_ends_with(clip):
    events = stream(np.concatenate([silence(1.0), clip, silence(2.0)]), pauses=True)
    pauses, end = [e for e in events if isinstance(e, SpeechPause)], events[-1]
    assert isinstance(end, SpeechEnd) and pauses
    # Pauses inside the sentence were followed by more speech; the last one was not.
    assert np.array_equal(pauses[-1].audio, end.audio) and pauses[-1].at_s == end.at_s
    assert all(len(p.audio) < len(end.audio) for p in pauses[:-1])


def test_early_recognition_can_be_switched_off(clip):
    off = VadSettings(early_transcribe_ms=0)
    events = stream(np.concatenate([silence(1.0), clip, silence(2.0)]), off, pauses=True)
    assert not any(isinstance(e, SpeechPause) for e in events)


def test_one_utterance_with_start_and_end_times(clip):
    events = stream(np.concatenate([silence(1.0), clip, silence(2.0)]))
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd]
    start, end = events
    assert start.at_s == pytest.approx(1.0 + ONSET_S, abs=TOLERANCE_S)
    assert end.at_s == pytest.approx(1.0 + OFFSET_S, abs=TOLERANCE_S)
    assert end.reason == "silence"
    # Pre-roll before the onset and a tail after the offset are kept.
    preroll_s = VadSettings().preroll_ms / 1000
    assert len(end.audio) / RATE >= end.at_s - start.at_s + preroll_s


def test_first_syllable_kept_by_preroll(clip):
    events = stream(np.concatenate([silence(1.0), clip, silence(2.0)]))
    audio = events[-1].audio
    # The utterance starts in the quiet before the first syllable, not on it.
    first_loud = np.argmax(np.abs(audio) > 0.05 * np.abs(clip).max())
    assert first_loud / RATE > 0.1
    assert np.abs(audio[: int(0.1 * RATE)]).max() < 0.05 * np.abs(clip).max()


def test_pause_of_700_ms_inside_a_sentence_does_not_end_the_turn(clip):
    cut = int(1.5 * RATE)  # inside a word run (the speaker's own pause is near 2.9 s)
    paused = np.concatenate([silence(1.0), clip[:cut], silence(0.7), clip[cut:], silence(2.0)])
    events = stream(paused)
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd]
    assert events[1].at_s == pytest.approx(1.0 + OFFSET_S + 0.7, abs=TOLERANCE_S)
    # The same pause does split the turn when the trailing silence is shorter.
    impatient = stream(paused, VadSettings(trailing_silence_ms=500))
    assert [type(e) for e in impatient] == [SpeechStart, SpeechEnd, SpeechStart, SpeechEnd]


def test_trailing_silence_ends_the_turn_and_a_second_turn_follows(clip):
    events = stream(np.concatenate([silence(0.5), clip, silence(1.5), clip, silence(1.0)]))
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd, SpeechStart, SpeechEnd]


def test_clicks_and_noise_bursts_are_not_speech():
    rng = np.random.default_rng(7)
    audio = silence(4.0)
    for k in range(6):  # 5 ms clicks and 100 ms bursts of noise
        at = int((0.5 + 0.5 * k) * RATE)
        length = 80 if k % 2 else 1600
        audio[at:at + length] = rng.uniform(-0.8, 0.8, length)
    assert stream(audio) == []


def test_long_turn_ends_with_max_length(clip):
    settings = VadSettings(max_turn_s=3.0)
    events = stream(np.concatenate([silence(0.5), clip, silence(1.0)]), settings)
    first_end = next(e for e in events if isinstance(e, SpeechEnd))
    assert first_end.reason == "max_length"
    assert first_end.at_s == pytest.approx(0.5 + ONSET_S + 3.0, abs=TOLERANCE_S)
    assert len(first_end.audio) / RATE <= 3.0 + settings.preroll_ms / 1000 + 0.05


def test_frame_size_does_not_change_the_result(clip):
    audio = np.concatenate([silence(1.0), clip, silence(2.0)])
    by_frames = stream(audio, frame=160)
    at_once = stream(audio, frame=len(audio))
    assert [(type(e), e.at_s) for e in by_frames] == [(type(e), e.at_s) for e in at_once]
    assert np.array_equal(by_frames[-1].audio, at_once[-1].audio)


def test_telephone_audio_is_endpointed(clip):
    phone = telephone_channel(np.concatenate([silence(1.0), clip, silence(2.0)]))
    events = stream(phone)
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd]
    assert events[0].at_s == pytest.approx(1.0 + ONSET_S, abs=TOLERANCE_S)


def test_flush_closes_an_open_utterance_and_reset_forgets_it(clip):
    endpointer = Endpointer(VadSettings())
    events = endpointer.process(np.concatenate([silence(0.5), clip[: 3 * RATE]]))
    assert [type(e) for e in events] == [SpeechStart]
    end = endpointer.flush()
    assert len(end) == 1 and end[0].reason == "silence"
    assert len(end[0].audio) / RATE == pytest.approx(3.0 - ONSET_S + 0.3, abs=TOLERANCE_S)

    endpointer.process(np.concatenate([silence(0.5), clip[: 3 * RATE]]))
    endpointer.reset()
    assert endpointer.flush() == []
