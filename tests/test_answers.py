"""Answers are short, focused on what was asked, and state only facts of the record."""

from __future__ import annotations

import re

import pytest

from assistant.answer.answerer import Answerer
from assistant.answer.extractive import items
from assistant.answer.facts import facts, ungrounded
from assistant.answer.intent import Intent, classify, refers_back


@pytest.fixture(scope="module")
def answerer(corpus, test_settings):
    return Answerer(corpus, test_settings)


@pytest.mark.parametrize("question,intent", [
    ("기초연금은 어떻게 신청해요?", Intent.APPLY),
    ("어디서 신청하나요", Intent.APPLY),
    ("노인 연금 얼마 받아요", Intent.BENEFIT),
    ("얼마 받을 수 있어요?", Intent.BENEFIT),
    ("누가 받을 수 있나요", Intent.ELIGIBILITY),
    ("지원 대상이 어떻게 되나요", Intent.ELIGIBILITY),
    ("전화번호 알려 주세요", Intent.CONTACT),
    ("기초연금이 뭐예요", Intent.GENERAL),
])
def test_question_intent(question, intent):
    assert classify(question) is intent


def test_follow_up_questions_point_back():
    assert refers_back("그건 얼마예요?")
    assert refers_back("그럼 어디서 신청해요")
    assert not refers_back("기초연금 얼마예요")


def test_facts_compare_numbers_in_one_form():
    assert facts("월 최대 33만 4,810원, ☎1355, 만 65세") == {"33", "4810", "1355", "65"}
    assert ungrounded("문의 1355번", ["국민연금공단 콜센터(☎1355)"]) == set()
    assert ungrounded("문의 1588-0000번", ["콜센터(☎1355)"]) == {"1588-0000"}


def test_run_together_booklet_items_are_split():
    text = ("전국 읍면동 주민센터(행정복지센터) 또는 국민연금공단 지사 방문 복지로( www.bokjiro.go.kr ) "
            "온라인 신청 만 65세 미만이신 분들은 만 65세 생일이 속하는 달의 1개월 전 초일부터 신청 가능")
    parts = items(text)
    assert parts[0] == "전국 읍면동 주민센터(행정복지센터) 또는 국민연금공단 지사 방문"
    assert "복지로 온라인 신청" in parts
    assert not any("www" in p for p in parts)


def _named(corpus, name):
    return next(s for s in corpus.services if s.name == name)


def test_apply_question_gets_how_to_apply_and_a_number(corpus, answerer):
    service = _named(corpus, "기초연금제도")
    reply = answerer.answer("기초연금은 어떻게 신청해요?", [(service, 10.0)], 0.9)
    assert reply.service == service and reply.kind == "answer"
    assert "주민센터" in reply.speech
    assert answerer.phones_for(service)[0].number in reply.speech
    assert "출처" in reply.screen and "220" in reply.screen


def test_amount_question_gets_the_amount(corpus, answerer):
    service = _named(corpus, "기초연금제도")
    reply = answerer.answer("노인 연금 얼마 받아요", [(service, 10.0)], 0.9)
    assert "33만 4,810원" in reply.speech


def test_low_confidence_asks_which_service(corpus, answerer):
    a, b = corpus.services[:2]
    reply = answerer.answer("그거요", [(a, 1.0), (b, 0.9)], 0.05)
    assert reply.kind == "clarify" and a.name in reply.speech and b.name in reply.speech


def test_follow_up_stays_on_previous_service(corpus, answerer):
    service = _named(corpus, "기초연금제도")
    other = corpus.services[0]
    reply = answerer.answer("그건 어디서 신청해요?", [(other, 1.0)], 0.1, previous=service)
    assert reply.service == service


@pytest.mark.parametrize("intent", list(Intent))
def test_every_answer_in_the_corpus_is_grounded_short_and_gives_a_number(corpus, answerer, intent):
    question = {Intent.APPLY: "어떻게 신청해요", Intent.BENEFIT: "얼마 받아요", Intent.ELIGIBILITY: "누가 받아요",
                Intent.CONTACT: "전화번호 알려주세요", Intent.GENERAL: "이게 뭐예요"}[intent]
    assert classify(question) is intent
    for service in corpus.services:
        reply = answerer.answer(question, [(service, 10.0)], 1.0)
        sources = [s.full_text() for s in [service, *answerer.linked(service)]]
        assert not ungrounded(reply.speech, sources), (service.id, reply.speech)
        assert not ungrounded(reply.screen, sources + [service.as_of, service.sources[0].model_dump_json()]), service.id
        # A name such as "누구나 돌봄! 시흥돌봄SOS센터 운영" is not a sentence end.
        spoken = reply.speech.replace(service.name, "")
        assert len(re.findall(r"[.?!](?:\s|$)", spoken)) <= 3, reply.speech
        phones = answerer.phones_for(service)
        if phones:
            assert phones[0].number in reply.speech, (service.id, reply.speech)


def test_without_llm_weights_answers_stay_extractive_and_say_why(corpus, test_settings, tmp_path):
    from assistant.answer.llm import LlmRewriter, llm_status
    from assistant.config import AnswerSettings

    missing = AnswerSettings(engine="llm", llm_dir=tmp_path / "no-model")
    assert "no LLM weights in" in llm_status(missing) and str(tmp_path / "no-model") in llm_status(missing)
    assert LlmRewriter.load(missing) is None
    assert "configured" in llm_status(AnswerSettings(engine="extractive"))
    settings = test_settings.model_copy(update={"answer": missing})
    service = _named(corpus, "기초연금제도")
    reply = Answerer(corpus, settings).answer("얼마 받아요", [(service, 1.0)], 1.0)
    assert "33만 4,810원" in reply.speech


def _profiles():
    from itertools import product

    from assistant.counsel.profile import Profile

    for age, household, income, disability, expecting in product(
            (8, 30, 45, 72, 85), ("1인", "부부", "한부모", "가족"), ("기초생활수급", "차상위", "해당없음", None),
            ("중증", "없음", None), (True, None)):
        profile = Profile()
        profile.set_age(age)
        profile.set_household(household)
        if income:
            profile.set_income(income)
        if disability:
            profile.set_disability(disability)
        if expecting:
            profile.set_expecting(True)
        yield profile


def test_every_suggestion_list_is_grounded_and_short(corpus, answerer):
    from assistant.counsel.advisor import SPOKEN, Advisor

    advisor = Advisor(list(corpus.services), None, answerer, ("시흥시", "경기도"))
    by_id = corpus.by_id()
    lists = 0
    for profile in _profiles():
        reply = advisor.suggestion(profile)
        listed = [by_id[c.id] for c in reply.choices]
        sources = [s.full_text() for service in listed for s in [service, *answerer.linked(service)]]
        assert not ungrounded(reply.speech, sources), (profile, reply.speech)
        assert not ungrounded(reply.screen, sources), (profile, reply.screen)
        assert sum(1 for s in listed if s.name in reply.speech) <= SPOKEN
        for choice in reply.choices:
            assert not ungrounded(choice.reason, [by_id[choice.id].full_text()]), choice
        lists += bool(listed)
    assert lists > 100


def test_what_to_bring_names_only_the_records_documents(corpus, answerer):
    for service in corpus.services:
        reply = answerer.answer("필요한 서류 알려 주세요", [(service, 10.0)], 1.0)
        sources = [s.full_text() for s in [service, *answerer.linked(service)]]
        assert not ungrounded(reply.speech, sources), (service.id, reply.speech)
        for document in (d for s in [service, *answerer.linked(service)] for d in s.documents):
            if document.name in reply.speech:
                assert any(document.name in text for text in sources)
        assert len(re.findall(r"[.?!](?:\s|$)", reply.speech.replace(service.name, ""))) <= 3, reply.speech
