"""The conversation core and its first adapter (`assistant ask`) on real models and real speech."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import soundfile
import soxr

from assistant.audio import load_audio
from assistant.core.events import Answer, ReplyAudio, SpeechEnded, SpeechStarted, Timings, Transcript
from assistant.core.recordings import collect_turn, feed_file
from assistant.core.session import Session
from assistant.evaluation.cer import cer
from assistant.evaluation.datasets import SPEECH_DIR

QUESTION = SPEECH_DIR / "emotiontts" / "pma" / "pma00005.flac"  # "특별기내식 신청은 어떻게 해야 하나요?"
QUESTION_TEXT = "특별기내식 신청은 어떻게 해야 하나요?"
needs_speech = pytest.mark.skipif(not QUESTION.exists(), reason=f"{SPEECH_DIR} is absent: no real speech to test on")


def _silence_padded(audio: np.ndarray, seconds: float = 1.0) -> np.ndarray:
    pad = np.zeros(int(16000 * seconds), np.float32)
    return np.concatenate([pad, audio, pad])


def test_typed_question_json_contract(run_assistant):
    result = run_assistant("ask", "기초연금 어떻게 신청해요?", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"query", "services", "confidence", "answer_screen", "answer_speech", "timings_ms"} <= out.keys()
    assert out["query"] == "기초연금 어떻게 신청해요?"
    assert out["services"][0]["name"] == "기초연금제도"
    assert set(out["services"][0]) == {"id", "name", "score"}
    assert 0 <= out["confidence"] <= 1
    assert "주민센터" in out["answer_speech"] and "129" in out["answer_speech"]
    assert "출처" in out["answer_screen"]
    assert {"retrieval", "answer", "total"} <= out["timings_ms"].keys()
    assert "WARNING" not in result.stderr  # no voice speaks, so nothing about voices is said


@pytest.mark.e2e  # two voices loaded
def test_a_voice_warning_is_logged_once_per_process(test_settings, caplog):
    """Every engine of a process (one per scenario group in run-script) loads its own voice."""
    from assistant.core import engine as engine_module
    from assistant.core.engine import Engine

    engine_module._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="assistant.core.engine"):
        voices = [Engine(test_settings).synthesizer for _ in range(2)]
    warned = [r.getMessage() for r in caplog.records if r.name == "assistant.core.engine"]
    assert warned == ([voices[0].warning] if voices[0].warning else [])


@needs_speech
def test_recorded_question_json_contract_and_reply_audio(run_assistant, tmp_path):
    reply = tmp_path / "reply.wav"
    result = run_assistant("ask", "--audio", str(QUESTION), "--out", str(reply), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert cer(QUESTION_TEXT, out["transcript"]) < 0.3, out["transcript"]
    assert out["query"] == out["transcript"]
    assert {"endpoint", "stt", "retrieval", "answer", "tts_first_audio", "first_audio", "total"} <= out["timings_ms"].keys()
    info = soundfile.info(reply)
    assert info.samplerate in (16000, 24000) and info.channels == 1 and info.duration > 1.0  # Kokoro: 24 kHz


@needs_speech
@pytest.mark.parametrize("rate,channels", [(44100, 2), (8000, 1), (48000, 1)])
def test_frames_of_any_rate_and_channel_count_are_understood(engine, rate, channels):
    audio = _silence_padded(load_audio(QUESTION))
    resampled = soxr.resample(audio, 16000, rate)
    frames = (np.clip(resampled, -1, 1) * 32767).astype(np.int16)
    if channels == 2:
        frames = np.stack([frames, frames], axis=1)
    session = Session(engine, speak=False)
    step = rate // 50
    events = [e for i in range(0, len(frames), step) for e in session.feed_audio(frames[i:i + step], rate)]
    events += list(session.finish_audio())
    kinds = [type(e) for e in events]
    assert kinds.index(SpeechStarted) < kinds.index(SpeechEnded) < kinds.index(Transcript) < kinds.index(Answer)
    transcript = next(e for e in events if isinstance(e, Transcript))
    assert cer(QUESTION_TEXT, transcript.text) < 0.35, transcript.text


def test_silence_gives_no_turn_and_noise_never_answers_a_service(engine):
    session = Session(engine, speak=False)
    silence = np.zeros(16000 * 5, np.float32)
    assert list(feed_file(session, silence)) == []
    noise = np.random.default_rng(1).normal(0, 0.3, 16000 * 5).astype(np.float32)
    answers = [e for e in feed_file(session, noise) if isinstance(e, Answer)]
    assert all(a.kind == "repeat" for a in answers)
    # The session goes on serving after bad input.
    assert collect_turn(session.ask_text("기초연금 얼마 받아요"))["answer"].kind == "answer"


def test_rejected_speech_is_asked_again_politely(engine):
    session = Session(engine, speak=True)
    ended = SpeechEnded(at_s=1.0, duration_s=1.0, audio=np.zeros(16000, np.float32))
    events = list(session.respond(ended))
    transcript = next(e for e in events if isinstance(e, Transcript))
    answer = next(e for e in events if isinstance(e, Answer))
    assert transcript.rejected and answer.kind == "repeat" and "다시 말씀해" in answer.speech
    assert any(isinstance(e, ReplyAudio) for e in events) and isinstance(events[-1], Timings)


def test_reply_streams_sentence_by_sentence_and_replay_slower_is_longer(engine):
    session = Session(engine)
    first = collect_turn(session.ask_text("기초연금 어떻게 신청해요?"))
    assert len(first["audio"]) >= 2
    assert {"tts_first_audio", "first_audio"} <= first["timings"].keys()
    session.slower()
    again = collect_turn(session.replay())
    assert again["answer"].speech == first["answer"].speech
    duration = lambda turn: sum(len(a.samples) / a.sample_rate for a in turn["audio"])
    assert duration(again) > duration(first) * 1.1


def test_follow_up_question_stays_on_the_service(engine):
    session = Session(engine, speak=False)
    collect_turn(session.ask_text("기초연금 어떻게 신청해요?"))
    follow = collect_turn(session.ask_text("그건 얼마 받아요?"))
    assert "33만 4,810원" in follow["answer"].speech
    session.reset()
    assert collect_turn(session.ask_text(""))["answer"].kind == "repeat"


def test_personal_numbers_never_reach_the_log(engine, caplog):
    session = Session(engine, speak=False)
    ended = SpeechEnded(at_s=1.0, duration_s=1.0, audio=load_audio(QUESTION)) if QUESTION.exists() else None
    with caplog.at_level(logging.DEBUG):
        collect_turn(session.ask_text("제 주민번호는 900101-1234567이고 전화는 010-1234-5678이에요"))
        if ended is not None:
            collect_turn(session.respond(ended))
    # The question does reach the debug log, masked: without masking its numbers would be there.
    assert "asked: 제 주민번호는 ******-*******이고 전화는 ***-****-****이에요" in caplog.messages
    assert "1234567" not in caplog.text and "5678" not in caplog.text
    # Above DEBUG, no resident's words at all (docs/architecture.md, "Privacy").
    above_debug = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    assert not [m for m in above_debug if "주민번호" in m or "특별기내식" in m or "asked" in m or "heard" in m]


@pytest.mark.parametrize("content,message", [(b"", "empty"), (b"this is not audio at all" * 50, "not a readable audio")])
def test_bad_files_get_a_clear_message(run_assistant, tmp_path, content, message):
    path = tmp_path / "q.wav"
    path.write_bytes(content)
    result = run_assistant("ask", "--audio", str(path), "--json")
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_silent_recording_says_no_speech(run_assistant, tmp_path):
    path = tmp_path / "silence.wav"
    soundfile.write(path, np.zeros(16000 * 3, np.int16), 16000)
    result = run_assistant("ask", "--audio", str(path))
    assert result.returncode == 1 and "no speech" in result.stderr


@needs_speech
def test_five_minute_recording_is_cut_politely(engine):
    clips = sorted(SPEECH_DIR.glob("emotiontts/*/*.flac"))[:80]
    long = np.concatenate([load_audio(c) for c in clips])
    long = np.tile(long, int(np.ceil(300 * 16000 / len(long))))[: 300 * 16000]
    settings = engine.settings.vad.model_copy(update={"trailing_silence_ms": 3000})
    turn = collect_turn(feed_file(Session(engine, speak=False, vad=settings), long))
    assert turn["speech_ended"].reason == "max_length"
    assert turn["speech_ended"].duration_s <= engine.settings.vad.max_turn_s + 1
    assert turn["answer"].speech.startswith("말씀이 길어서") or turn["answer"].kind == "repeat"


def test_an_utterance_that_goes_on_is_answered_together_with_the_one_before(text_engine):
    """The controller says an utterance goes on with the last (its turn ended too soon)."""
    from assistant.core.events import ServicesFound

    session = Session(text_engine, speak=False)
    ended = SpeechEnded(at_s=1.0, duration_s=1.0)

    def asked(text: str, continues: bool) -> tuple[str, str]:
        events = list(session.respond(ended, Transcript(text=text, confidence=0.9), continues=continues))
        transcript = next(e for e in events if isinstance(e, Transcript))
        return transcript.text, next(e for e in events if isinstance(e, ServicesFound)).query

    asked("딸이 다음 달에 출산해요", False)
    joined = "딸이 다음 달에 출산해요 도움 받을 거 있나요"
    assert asked("도움 받을 거 있나요", True) == (joined, joined)
    assert asked("기초연금 얼마예요", False) == ("기초연금 얼마예요", "기초연금 얼마예요")
    session.forget()  # a new resident: nothing to go on with
    assert asked("얼마예요", True) == ("얼마예요", "얼마예요")


def test_the_phone_session_says_each_answers_menu_and_the_kiosk_session_does_not(text_engine):
    def answer(speak_menu: bool) -> Answer:
        events = Session(text_engine, speak=False, speak_menu=speak_menu).ask_text("기초연금 어디서 신청해요")
        return next(e for e in events if isinstance(e, Answer))

    phone, kiosk = answer(True), answer(False)
    assert phone.menu and phone.menu.endswith("누르세요.") and phone.speech == f"{kiosk.speech} {phone.menu}"
    assert phone.menu not in kiosk.speech
