"""The turn-end judge on real Kiwi: finished utterances, paused ones, dialect endings."""

import pytest

from assistant.config import Settings
from assistant.corpus.store import load_corpus
from assistant.stt.turn_end import TurnJudge, TurnReason


@pytest.fixture(scope="module")
def judge() -> TurnJudge:
    return TurnJudge(service.name for service in load_corpus(Settings().corpus.dir).services)


COMPLETE = [
    # Standard sentence-final endings (EF).
    ("노인 일자리는 어떻게 신청해요", TurnReason.FINAL_ENDING),
    ("저도 받을 수 있나요?", TurnReason.FINAL_ENDING),
    ("주민센터에 가면 됩니까", TurnReason.FINAL_ENDING),
    ("혼자 사는 노인입니다.", TurnReason.FINAL_ENDING),
    ("서류를 좀 알려 주세요", TurnReason.FINAL_ENDING),
    ("그건 얼마 받을까", TurnReason.FINAL_ENDING),
    # An elliptical polite turn closed by 요.
    ("병원비는요", TurnReason.POLITE_YO),
    ("저기요", TurnReason.POLITE_YO),
    # Short complete replies and a bare service name (a real corpus record).
    ("네", TurnReason.SHORT_REPLY),
    ("아니요.", TurnReason.SHORT_REPLY),
    ("예", TurnReason.SHORT_REPLY),
    ("응", TurnReason.SHORT_REPLY),
    ("아동수당", TurnReason.SERVICE_NAME),
    ("기초연금", TurnReason.SERVICE_NAME),  # 기초연금제도, named without its generic tail
    # Gyeongsang: the polite 예, the plain 데이, the formal 니더, questions in 능교 / 나 / 노.
    ("밥은 묵었어예", TurnReason.POLITE_YO),
    ("그거 하지 마라예", TurnReason.POLITE_YO),
    ("내일 다시 올게예", TurnReason.POLITE_YO),
    ("고맙습니데이", TurnReason.DIALECT_FINAL_ENDING),
    ("다리가 아픕니더", TurnReason.DIALECT_FINAL_ENDING),
    ("이거 얼마능교", TurnReason.DIALECT_FINAL_ENDING),
    ("돈은 언제 나오능교", TurnReason.DIALECT_FINAL_ENDING),
    ("니 밥 뭇나", TurnReason.DIALECT_FINAL_ENDING),
    ("어디 가노", TurnReason.DIALECT_FINAL_ENDING),
    # Jeolla 당께 / 랑께, Chungcheong 유.
    ("나는 모른당께", TurnReason.DIALECT_FINAL_ENDING),
    ("그게 아니랑께", TurnReason.DIALECT_FINAL_ENDING),
    ("그래서 왔어유", TurnReason.DIALECT_FINAL_ENDING),
]

INCOMPLETE = [
    ("제가 혼자 사는데", TurnReason.CONNECTIVE_ENDING),
    ("병원에 갔다가", TurnReason.CONNECTIVE_ENDING),
    ("허리가 아파서", TurnReason.CONNECTIVE_ENDING),
    ("신청을 하려고", TurnReason.CONNECTIVE_ENDING),
    ("작년에 신청하고.", TurnReason.CONNECTIVE_ENDING),  # Whisper's full stop does not finish it
    ("기초연금을", TurnReason.PARTICLE),
    ("주민센터에서", TurnReason.PARTICLE),
    ("우리 아들이", TurnReason.PARTICLE),
    ("노인 일자리 사업", TurnReason.BARE_NOUN),
    ("작년에 받았던", TurnReason.ADNOMINAL_ENDING),
    ("혼자 사는", TurnReason.ADNOMINAL_ENDING),
    ("그리고", TurnReason.CONJUNCTION),
    ("그리고 또", TurnReason.ADVERB),
    ("지금은 역시", TurnReason.ADVERB),
    ("요즘 힘들잖아 같이", TurnReason.ADVERB),  # the next sentence has begun
    ("음", TurnReason.FILLER),
    ("저기", TurnReason.FILLER),
    # Dialect connectives: Jeolla 는디, Gyeongsang 가꼬, and the conjunction 그랑께.
    ("우리 집이 멀어서 그랬는디", TurnReason.DIALECT_CONNECTIVE_ENDING),
    ("병원 가가꼬", TurnReason.DIALECT_CONNECTIVE_ENDING),
    ("그랑께", TurnReason.CONJUNCTION),
]


@pytest.mark.parametrize("text, reason", COMPLETE)
def test_finished_utterances_are_complete(judge, text, reason):
    judgement = judge.judge(text)
    assert (judgement.verdict, judgement.reason) == ("complete", reason)


@pytest.mark.parametrize("text, reason", INCOMPLETE)
def test_paused_utterances_are_incomplete(judge, text, reason):
    judgement = judge.judge(text)
    assert (judgement.verdict, judgement.reason) == ("incomplete", reason)


@pytest.mark.parametrize("text, reason", [
    ("", TurnReason.NO_TEXT),
    ("...", TurnReason.NO_TEXT),
    # A connective said as a question ("is there…?") may be a whole turn.
    ("돈이 없어서?", TurnReason.QUESTION_INTONATION),
    ("신청은?", TurnReason.QUESTION_INTONATION),
    ("세상에", TurnReason.OTHER),  # an interjection
])
def test_unsure_falls_back_to_the_silence_rule(judge, text, reason):
    judgement = judge.judge(text)
    assert (judgement.verdict, judgement.reason) == ("unsure", reason)


@pytest.mark.parametrize("noun", ["이유", "문제", "우유"])
def test_nouns_ending_like_a_one_syllable_dialect_ending_stay_nouns(judge, noun):
    # 유 and 제 are dialect endings only after a predicate.
    assert judge.judge(f"그게 {noun}").verdict == "incomplete"


def test_the_judgement_names_a_part_of_speech_not_the_words(judge):
    judgement = judge.judge("제 주민번호는 팔공")
    assert judgement.tag and judgement.tag not in "제 주민번호는 팔공"
