"""Sibling programs of the real corpus: the clarifying question names what
tells them apart instead of reading out their names."""

from __future__ import annotations

import pytest

from assistant.answer.extractive import clarify
from assistant.answer.siblings import are_siblings, telling_apart
from assistant.config import PROJECT_ROOT
from assistant.corpus.store import load_corpus


@pytest.fixture(scope="module")
def by_name():
    return {s.name: s for s in load_corpus(PROJECT_ROOT / "corpus").services}


@pytest.mark.parametrize("first, second, telling", [
    ("배우자 출산휴가급여 지원", "출산전후(유산·사산)휴가 급여 지원", ("배우자", "출산전후")),
    ("건강보험 임신·출산 진료비(국민행복카드)", "임신·출산 진료비(의료급여)", ("건강보험", "의료급여")),
    ("장애인 재활프로그램", "장애인 재활지원 사업", ("시흥시", "전국")),
    ("산재근로자 직장복귀 지원(근로자)", "산재근로자 직장복귀 지원(사업주)", ("근로자", "사업주")),
    ("성인 암환자 의료비 지원", "소아 암환자 의료비 지원", ("성인", "소아")),
])
def test_siblings_are_asked_apart_by_what_differs(by_name, first, second, telling):
    a, b = by_name[first], by_name[second]
    assert are_siblings(a, b) and are_siblings(b, a)
    screen, speech = clarify([a, b, by_name["기초연금제도"]])
    # One short question, naming each side's difference in the order ranked.
    assert speech.endswith("?") and speech.count("?") == 1 and len(speech) <= 70, speech
    asked = speech.split("중에서")[-1]  # after the words they share
    assert asked.index(telling[0]) < asked.index(telling[1])
    assert first not in speech and second not in speech
    # The screen keeps the names, for the buttons.
    assert speech in screen.splitlines()[0] and first in screen and second in screen
    asked = clarify([b, a])[1].split("중에서")[-1]
    assert asked.index(telling[1]) < asked.index(telling[0])


def test_unrelated_programs_are_asked_by_name(by_name):
    a, b = by_name["기초연금제도"], by_name["노인 일자리 및 사회활동 지원"]
    assert not are_siblings(a, b)
    assert telling_apart([a, b]) is None
    screen, speech = clarify([a, b])
    assert a.name in speech and b.name in speech and "이름" in speech


def test_a_third_candidate_joins_only_when_it_is_a_sibling_too(by_name):
    a, b = by_name["성인 암환자 의료비 지원"], by_name["소아 암환자 의료비 지원"]
    other = by_name["기초연금제도"]
    assert "기초" not in telling_apart([a, b, other])
