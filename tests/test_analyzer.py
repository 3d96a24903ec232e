"""The one analyzer for documents and queries, on real Kiwi."""

from __future__ import annotations

import threading

import kiwipiepy
import pytest

from assistant.retrieval.analyzer import ANALYZER_VERSION, Analyzer, analyze


def test_spacing_does_not_change_tokens():
    assert analyze("노인연금얼마받아요") == analyze("노인 연금 얼마 받아요")
    assert analyze("장애인연금은얼마나받을수있나요") == analyze("장애인 연금은 얼마나 받을 수 있나요")


@pytest.mark.parametrize("joined, apart", [("기초연금", "기초 연금"), ("노인일자리", "노인 일자리")])
def test_compound_matches_joined_and_apart(joined, apart):
    head, tail = apart.split()
    for text in (joined, apart):
        tokens = analyze(text)
        assert {head, tail, joined} <= set(tokens), tokens


def test_compound_inside_a_long_program_name():
    tokens = analyze("노인 일자리 및 사회활동 지원")
    assert {"노인일자리", "사회활동", "일자리", "사회"} <= set(tokens)


@pytest.mark.parametrize("text, token", [
    ("만 65세 이상 어르신", "65세"),
    ("예순다섯 살이에요", "65세"),
    ("육십오 세", "65세"),
    ("월 30만원을 받습니다", "300000원"),
    ("삼십만 원", "300000원"),
    ("월 최대 33만 4,810원", "334810원"),
    ("334,810원", "334810원"),
    ("중위소득 50% 이하", "50%"),
    ("1인 가구", "1인"),
    ("세 명", "3명"),
])
def test_numbers_keep_their_unit(text, token):
    assert token in analyze(text)


def test_a_bare_number_is_not_a_token():
    assert analyze("2 3 4") == []


def test_colloquial_speech_keeps_its_content_words():
    assert {"어르신", "용돈"} <= set(analyze("어르신 용돈 같은 거 받을 수 있나요"))
    assert {"아이", "낳다", "돈"} <= set(analyze("아이를 낳으면 돈 주나요"))
    assert {"치매", "엄마", "돌보다"} <= set(analyze("치매 걸린 엄마 돌봐주는거 있어요?"))


def test_function_words_and_light_verbs_are_dropped():
    tokens = analyze("그것은 있어요 했어요 되나요")
    assert not {"은", "어요", "하다", "되다", "있다"} & set(tokens)


def test_affixed_words_stand_whole_and_as_their_stem():
    assert {"저소득층", "소득"} <= set(analyze("저소득층 아동"))
    assert {"무주택", "주택"} <= set(analyze("무주택 세대주"))
    assert "장애인" in analyze("장애인들")


def test_foreign_words_are_lowercased():
    assert "lpg" in analyze("LPG용기 교체")


@pytest.mark.parametrize("text", ["", "   ", "?!…", "\n\t"])
def test_empty_or_punctuation_only_text_gives_no_tokens(text):
    assert analyze(text) == []


def test_batch_analysis_equals_one_by_one():
    texts = ["기초연금 신청 방법", "", "장애인 활동지원 대상"]
    assert Analyzer().analyze_many(texts) == [analyze(t) for t in texts]


def test_concurrent_use_gives_the_same_tokens():
    texts = ["노인 일자리 신청", "기초연금 얼마", "한부모가족 아동 양육비"] * 20
    expected = [analyze(t) for t in texts]
    results: dict[int, list[str]] = {}

    def work(start: int) -> None:
        for i in range(start, len(texts), 4):
            results[i] = analyze(texts[i])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(texts))] == expected


def test_fingerprint_names_kiwi_and_analyzer_versions():
    fingerprint = Analyzer().fingerprint
    assert kiwipiepy.__version__ in fingerprint and ANALYZER_VERSION in fingerprint
