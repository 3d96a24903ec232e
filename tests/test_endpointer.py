"""Endpointing on real speech from ../shared/eval/speech, streamed as a microphone would."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.audio import load_audio
from assistant.config import VadSettings
from assistant.evaluation.datasets import SPEECH_DIR
from assistant.evaluation.endpointing import CachedRecognizer, Case, build_cases, stream_case
from assistant.evaluation.speech import Clip, telephone_channel
from assistant.stt.endpointer import Endpointer, SpeechEnd, SpeechPause, SpeechStart, TurnCheck, TurnDecision
from assistant.stt.turn_end import TurnJudge, TurnJudgement, TurnReason

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


# --- the turn-end judge's verdict applied (see also test_turn_end.py) ----------

class Verdict:
    """A judge that always says the same: the policy's table, whatever was heard."""

    def __init__(self, verdict):
        self.verdict = verdict

    def judge(self, text, audio):
        return TurnJudgement(self.verdict, TurnReason.OTHER)


def turn_ends(audio, judge, recognition_ms):
    case = Case(Clip(CLIP, "", ()), "complete", audio)
    return stream_case(case, Endpointer(VadSettings(), judge), CachedRecognizer(lambda a: "", recognition_ms)).ends


JUDGE_MS, TRAILING_MS, PATIENCE_MS = (VadSettings().judge_after_ms, VadSettings().trailing_silence_ms,
                                      VadSettings().incomplete_silence_ms)
# A finished turn ends no sooner than the tail its audio keeps has been heard (whole 32 ms windows).
TAIL_MS = -(-VadSettings().preroll_ms // 32) * 32


@pytest.mark.parametrize("verdict, recognition_ms, reason, wait_ms", [
    # complete: the turn ends as soon as the judgement is in and the turn's tail has been heard.
    ("complete", 0, "complete", max(JUDGE_MS, TAIL_MS)),
    ("complete", 300, "complete", JUDGE_MS + 300),
    # incomplete: the longer patience.
    ("incomplete", 0, "patience", PATIENCE_MS),
    # unsure: today's silence rule; a judgement arriving after it ran out ends the turn at once.
    ("unsure", 0, "silence", TRAILING_MS),
    ("unsure", 1000, "silence", JUDGE_MS + 1000),
    # No judgement in time: waited for up to the patience, never cut at the short silence.
    ("complete", 2500, "silence", PATIENCE_MS),
    # No judge at all: today's rule.
    (None, 0, "silence", TRAILING_MS),
])
def test_policy_turns_the_verdict_into_the_silence_waited(clip, verdict, recognition_ms, reason, wait_ms):
    judge = Verdict(verdict) if verdict else None
    ends = turn_ends(np.concatenate([silence(1.0), clip, silence(3.0)]), judge, recognition_ms)
    final = ends[-1]
    assert final.reason == reason
    assert final.wait_ms == pytest.approx(wait_ms, abs=50)
    assert final.at_s == pytest.approx(1.0 + OFFSET_S, abs=TOLERANCE_S)
    assert len(ends) == 1


def test_a_judgement_after_the_resident_went_on_is_ignored(clip):
    endpointer = Endpointer(VadSettings(), Verdict("complete"))
    cut = int(1.5 * RATE)
    audio = np.concatenate([silence(1.0), clip[:cut], silence(0.7), clip[cut:], silence(2.0)])
    events = []
    for i in range(0, int(3.5 * RATE), 320):  # past the pause, into the rest of the sentence
        events += endpointer.process(audio[i:i + 320])
    checks = [e for e in events if isinstance(e, TurnCheck)]
    assert len(checks) == 1 and checks[0].at_s == pytest.approx(2.5, abs=TOLERANCE_S)
    assert endpointer.decide(checks[0], "") == []
    events += endpointer.process(audio[int(3.5 * RATE):]) + endpointer.flush()
    assert [type(e) for e in events if not isinstance(e, (SpeechPause, TurnCheck))] == [SpeechStart, SpeechEnd]


def test_decisions_are_events_with_their_reason(clip):
    endpointer = Endpointer(VadSettings(), Verdict("incomplete"))
    audio = np.concatenate([silence(1.0), clip, silence(3.0)])
    decisions = []
    for i in range(0, len(audio), 320):
        for event in endpointer.process(audio[i:i + 320]):
            if isinstance(event, TurnCheck):
                decisions += endpointer.decide(event, "")
    assert decisions and all(isinstance(d, TurnDecision) for d in decisions)
    assert {d.judgement.verdict for d in decisions} == {"incomplete"}
    assert all(d.ends_after_ms == pytest.approx(PATIENCE_MS, abs=32) for d in decisions)  # whole windows
    assert all(d.decided_s >= d.at_s + JUDGE_MS / 1000 - 0.04 for d in decisions)


# --- real clips, real Whisper partials, real Kiwi ------------------------------

QUESTION = SPEECH_DIR / "emotiontts" / "pfl" / "pfl00030.flac"


@pytest.fixture(scope="module")
def turn_judge(corpus) -> TurnJudge:
    return TurnJudge(service.name for service in corpus.services)


@pytest.mark.parametrize("path", [CLIP, QUESTION])
def test_a_finished_utterance_ends_early_and_a_paused_one_waits(path, transcriber, turn_judge):
    audio = load_audio(path)
    clip = Clip(path, "", ())
    complete, paused = build_cases(clip, audio, transcriber.words(audio), VadSettings(), np.random.default_rng(1))
    assert paused.pause_s is not None and paused.pause_s[1] - paused.pause_s[0] >= 1.0
    # A fixed recognition time keeps the stream clock the same on a busy machine.
    recognize = CachedRecognizer(transcriber.partial, recognition_ms=200)
    endpointer = Endpointer(VadSettings(), turn_judge)

    finished = stream_case(complete, endpointer, recognize)
    assert [e.reason for e in finished.ends] == ["complete"]
    assert finished.ends[0].wait_ms < TRAILING_MS - 150

    cut = stream_case(paused, endpointer, recognize)
    assert not cut.cut_in_pause
    assert len(cut.ends) == 1 and cut.ends[0].at_s > paused.pause_s[1]
    # Today's rule cuts the same pause.
    assert stream_case(paused, Endpointer(VadSettings()), recognize).cut_in_pause


@pytest.mark.e2e  # the command loads the speech model
def test_eval_endpointing_cli_json_compares_policies(tmp_path):
    args = ["eval", "endpointing", "--manifest", str(SPEECH_DIR / "manifest.jsonl"), "--limit", "2",
            "--policy", "fixed", "--policy", "grammar", "--recognition-ms", "150", "--no-cache", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"fixed", "grammar", "recognition"}
    for summary in (report["fixed"], report["grammar"]):
        assert {"n_complete", "n_paused", "mean_wait_ms", "p95_wait_ms", "false_cutoff_rate",
                "missed_end_rate"} <= set(summary)
        assert summary["n_complete"] == 2
    assert report["fixed"]["mean_wait_ms"] == pytest.approx(TRAILING_MS, abs=40)
    assert report["grammar"]["mean_wait_ms"] < report["fixed"]["mean_wait_ms"]
    assert report["recognition"]["latency"] == "fixed 150 ms"

    bad = tmp_path / "manifest.jsonl"
    bad.write_text('{"text": "no path"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "endpointing", "--manifest", str(bad), "--json"])
    assert result.exit_code != 0 and "not a clip line" in result.output


# --- the same rule live: the real conversation (session, controller) in virtual time ----------

def test_a_conversation_answers_a_finished_question_early_and_waits_out_a_pause(engine, transcriber):
    import asyncio

    from assistant.core.replay import ReplayedConversation

    audio = load_audio(QUESTION)
    complete, paused = build_cases(Clip(QUESTION, "", ()), audio, transcriber.words(audio), VadSettings(),
                                   np.random.default_rng(1))

    async def exchanges(case_audio):
        async with ReplayedConversation(engine) as conversation:
            return await conversation.say(case_audio)

    finished = asyncio.run(exchanges(complete.audio))
    assert [e.speech_ended.reason for e in finished] == ["complete"]
    assert finished[0].speech_ended.waited_ms < TRAILING_MS
    assert finished[0].timings["endpoint"] == finished[0].speech_ended.waited_ms
    waited = asyncio.run(exchanges(paused.audio))
    assert len(waited) == 1, "the pause inside the question ended the turn"
    assert waited[0].speech_ended.at_s > paused.pause_s[1]
