"""Counseling on the real engine: the profile from real phrasings, the open-question
flow on typed turns, wiping on reset, privacy, follow-up versus new topic."""

from __future__ import annotations

import logging

import pytest

from assistant.core.events import Answer
from assistant.core.session import Session
from assistant.counsel.advisor import is_open_question
from assistant.counsel.profile import Profile
from assistant.counsel.statements import read_statements


@pytest.mark.parametrize("said,age", [
    ("일흔둘이고 혼자 살아요", (72, 72)), ("칠십이 세예요", (72, 72)), ("72살이에요", (72, 72)),
    ("일흔두 살", (72, 72)), ("예순다섯이에요", (65, 65)), ("70대예요", (70, 79)), ("65세 이상이에요", (65, 120)),
    ("서른다섯 살이고 임신 중이에요", (35, 35)),
])
def test_age_in_words_and_digits(said, age):
    profile = Profile()
    read_statements(said, profile)
    assert profile.age == age


@pytest.mark.parametrize("said,field,value", [
    ("일흔둘이고 혼자 살아요", "household", "1인"),
    ("남편이랑 둘이 살아요", "household", "부부"),
    ("혼자 아이 키워요", "household", "한부모"),
    ("저는 기초생활수급자예요", "income", "기초생활수급"),
    ("차상위계층이에요", "income", "차상위"),
    ("딸이 다음 달에 출산해요", "expecting", True),
    ("중증 장애가 있어요", "disability", "중증"),
])
def test_profile_from_real_phrasings(said, field, value):
    profile = Profile()
    read_statements(said, profile)
    assert getattr(profile, field) == value


def test_whose_age_and_disability():
    profile = Profile()
    read_statements("아들이 장애가 있는데 받을 수 있는 거 뭐 있어요", profile)
    assert (profile.disability, profile.disability_of, profile.children) == ("등록", "자녀", True)
    assert profile.age is None
    read_statements("다섯 살 아이가 있어요", profile)
    assert profile.age is None and profile.child_ages == (5,)
    # "장애가" holds "애가": not a child.
    alone = Profile()
    read_statements("중증 장애가 있어요", alone)
    assert alone.children is None


def test_a_no_answers_the_question_asked():
    profile = Profile()
    read_statements("아니요", profile, pending="income")
    assert profile.income == "해당없음"
    read_statements("없어요", profile, pending="disability")
    assert profile.disability == "없음"


def test_kiosk_buttons_set_the_profile_typed():
    profile = Profile()
    profile.set_age(72)
    profile.set_household("1인")
    assert profile.age == (72, 72) and profile.known() == ["age", "household", "children"]
    with pytest.raises(ValueError):
        profile.set_age(300)


@pytest.mark.parametrize("question,is_open", [
    ("뭐 받을 수 있어요?", True), ("도움 받을 거 있나요?", True), ("제가 받을 수 있는 게 뭐가 있어요?", True),
    ("아들이 장애가 있는데 받을 수 있는 거 뭐 있어요", True),
    ("기초연금 얼마 받아요?", False), ("기초연금 받을 수 있나요?", False), ("그건 어디서 신청해요?", False),
])
def test_open_questions_by_their_form(question, is_open):
    assert is_open_question(question) is is_open


def _ask(session: Session, text: str) -> Answer:
    return next(e for e in session.ask_text(text) if isinstance(e, Answer))


def test_open_question_flow_asks_age_first_then_lists(text_engine, caplog):
    session = Session(text_engine, speak=False)
    caplog.set_level(logging.INFO)
    first = _ask(session, "제가 받을 수 있는 게 뭐가 있어요?")
    assert first.kind == "question" and "연세" in first.speech
    second = _ask(session, "일흔둘이에요")
    assert second.kind == "question"
    listed = _ask(session, "혼자 살아요. 기초연금 받고 있어요")
    assert listed.kind == "suggest" and 3 <= len(listed.choices) <= 10
    names = [c.name for c in listed.choices]
    assert "노인맞춤돌봄서비스" in names and "기초연금제도" not in names
    # At most three spoken, each with why it fits.
    spoken = [n for n in names if n in listed.speech]
    assert len(spoken) == 3 and all(c.reason for c in listed.choices[:3])
    assert listed.follow_ups and all(n in " ".join(listed.follow_ups) for n in spoken[:1])
    # Never logged unmasked: the log names the fields told, not their values.
    assert "profile now knows" in caplog.text and "72" not in caplog.text and "일흔둘" not in caplog.text
    assert "72" not in repr(session.counsel.profile)


def test_reset_wipes_the_profile(text_engine):
    session = Session(text_engine, speak=False)
    _ask(session, "일흔둘이고 혼자 살아요. 뭐 받을 수 있어요?")
    assert session.counsel.profile.age == (72, 72)
    session.reset()
    assert session.counsel.profile.is_empty() and session.counsel.pending is None
    assert _ask(session, "뭐 받을 수 있어요?").kind == "question"
    # The controller forgets the conversation on idle and hang-up.
    _ask(session, "기초생활수급자예요")
    session.forget()
    assert session.counsel.profile.is_empty()


def test_a_need_ranks_by_its_words_and_the_profile_filters(text_engine):
    session = Session(text_engine, speak=False)
    answer = _ask(session, "저는 중증 장애인이에요. 받을 수 있는 지원 뭐 있어요?")
    if answer.kind == "question":
        answer = _ask(session, "기초생활수급자예요")
    assert answer.kind == "suggest"
    assert all(any(w in c.name or w in c.reason for w in ("장애",)) for c in answer.choices[:3])
    # 장애수당 is for those *not* severely disabled: the profile filters it out.
    assert "장애수당" not in [c.name for c in answer.choices]


def test_new_topic_is_not_answered_with_the_previous_service(text_engine):
    session = Session(text_engine, speak=False)
    _ask(session, "기초연금 얼마 받아요?")
    _ask(session, "기초연금 어떻게 신청해요")
    answer = _ask(session, "아들이 장애가 있는데 받을 수 있는 거 뭐 있어요")
    assert answer.service is None or answer.service.name != "기초연금제도"
    assert "기초연금" not in answer.speech


@pytest.mark.parametrize("follow_up", ["그건 얼마 받아요?", "그거 신청하려면 어디로 가요?", "신청 방법 알려 주세요",
                                       "전화번호 알려 주세요"])
def test_follow_ups_stay_on_the_service(text_engine, follow_up):
    session = Session(text_engine, speak=False)
    _ask(session, "노인맞춤돌봄서비스는 뭐예요?")
    answer = _ask(session, follow_up)
    assert answer.kind == "answer" and answer.service.name == "노인맞춤돌봄서비스"


def test_answerer_decides_follow_up_by_the_questions_words(text_engine):
    answerer, corpus = text_engine.answerer, text_engine.corpus
    pension = next(s for s in corpus.services if s.name == "기초연금제도")
    disability = [s for s in corpus.services if "장애" in s.name][:5]
    hits = [(s, 1.0) for s in disability]
    new_topic = answerer.answer("아들이 장애가 있는데 받을 수 있는 거 뭐 있어요", hits, 0.09, previous=pension)
    assert new_topic.service is not pension
    follow_up = answerer.answer("그건 누가 받아요?", hits, 0.09, previous=pension)
    assert follow_up.service is pension
    own_words = answerer.answer("기초연금 대상이 어떻게 돼요", hits, 0.09, previous=pension)
    assert own_words.service is pension


def test_chosen_service_gives_where_what_to_bring_and_follow_ups(text_engine):
    session = Session(text_engine, speak=False)
    applied = _ask(session, "통합문화이용권 어떻게 신청해요?")
    assert applied.service.name == "통합문화이용권(문화누리카드)"
    assert "[가져가실 것]" in applied.screen and "신분증" in applied.screen
    assert 2 <= len(applied.follow_ups) <= 3 and applied.menu.count("번") == len(applied.follow_ups)
    bring = _ask(session, "필요한 서류 알려 주세요")
    assert bring.service is applied.service and "신분증" in bring.speech
    # The local office that delivers a national program comes first.
    jobs = _ask(session, "노인 일자리 및 사회활동 지원 신청은 어떻게 해요")
    if jobs.service.name == "노인 일자리 및 사회활동 지원":
        assert "[시흥시에서 신청]" in jobs.screen
