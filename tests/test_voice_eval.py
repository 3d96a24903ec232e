"""The voice understood: Kokoro's Korean through the real recognizer (Whisper base),
plain and through the telephone channel, against the espeak-ng voice it replaces."""

import json

import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import SttSettings
from assistant.evaluation.voice import load_sentences
from assistant.evaluation.voice_sentences import DEV_FILE
from assistant.tts.voices import ESPEAK_KOREAN

SENTENCES = [
    "기초연금은 주소지 주민센터에서 신청하실 수 있어요.",
    "소득이 적은 어르신께 매달 연금을 드려요.",
    "궁금한 점은 보건복지상담센터에 전화해 주세요.",
]
# Whisper base on human speech of this kind scores about 0.08; espeak-ng Korean about 0.99.
CER_BOUND = 0.25

needs_whisper = pytest.mark.skipif(not (SttSettings().model_dir / "model.bin").exists(),
                                   reason="the embedded Whisper model is not installed (make install)")


def _eval(tmp_path, *args):
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "voice", "--sentences", str(sentences), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.e2e  # Kokoro and Whisper, loaded by `assistant eval voice` in this process
@needs_whisper
def test_kokoro_is_understood_and_espeak_is_not(tmp_path):
    kokoro = _eval(tmp_path)
    assert kokoro["voice"] == "kokoro-ko-jm_kumo" and kokoro["n"] == len(SENTENCES)
    assert kokoro["cer"] <= CER_BOUND, kokoro
    assert 0 < kokoro["rtf"] < 5
    espeak = _eval(tmp_path, "--voice", ESPEAK_KOREAN)
    assert espeak["voice"] == ESPEAK_KOREAN and espeak["cer"] > CER_BOUND, espeak


@pytest.mark.e2e  # Kokoro and Whisper, loaded by `assistant eval voice` in this process
@needs_whisper
def test_kokoro_is_understood_through_the_telephone_channel(tmp_path):
    phone = _eval(tmp_path, "--telephone")
    assert phone["cer"] <= CER_BOUND, phone


def test_the_development_sentences_are_the_answerers_spoken_sentences():
    from assistant.config import Settings
    from assistant.evaluation.voice_sentences import spoken_sentences

    assert load_sentences(DEV_FILE) == spoken_sentences(Settings()), \
        "voice_dev.txt is stale: python -m assistant.evaluation.voice_sentences"


def test_a_sentence_file_without_sentences_is_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    result = CliRunner().invoke(main, ["eval", "voice", "--sentences", str(empty)])
    assert result.exit_code == 1 and "no sentences" in result.output
