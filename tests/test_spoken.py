"""Spoken answers are worded for the ear: short 해요체 sentences made from the
record's own words, with every number and every condition kept.

All items below are quoted from real records of the committed corpus (the test
checks that they still are), and go through the real Kiwi analyzer.
"""

from __future__ import annotations

import pytest

from assistant.answer.answerer import Answerer
from assistant.answer.extractive import MORE_CONDITIONS, items, speech_answer
from assistant.answer.facts import facts
from assistant.answer.intent import Intent
from assistant.answer.spoken import Mood, say, speakable_name, split_asides
from assistant.config import Settings
from assistant.corpus.store import load_corpus
from assistant.evaluation.answers import final_ending, measure, sentences, spoken_answers
from assistant.korean.josa import Particle, attach

# Words that carry a negation or a limit: a spoken item must keep each one its record item has.
NEGATIONS = ("없", "않", "아니", "불가", "제외", "배제", "금지", "미만", "초과", "이하", "이내")
# Clock minutes ":00" are not said ("24:00" -> "24시"); every other number is.
UNSAID_NUMBERS = {"00"}


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(Settings().corpus.dir)


@pytest.fixture(scope="module")
def record_items(corpus):
    return [(field, item) for s in corpus.services
            for field in ("summary", "eligibility", "benefit", "how_to_apply") for item in items(getattr(s, field))]


# (record item, how it is said, the sentences a counselor would say)
SAID = [
    # Noun-ending guidance -> honorific guidance; "또는" after a noun -> 나; the gloss in brackets dropped.
    ("전국 읍면동 주민센터(행정복지센터) 또는 국민연금공단 지사 방문", Mood.GUIDE,
     ("전국 읍면동 주민센터나 국민연금공단 지사 방문하시면 돼요.",)),
    ("복지로, 정부24 또는 모바일 앱에서 신청", Mood.GUIDE, ("복지로, 정부24나 모바일 앱에서 신청하시면 돼요.",)),
    # "및" -> 과/와.
    ("전국 지정의료기관 및 보건소 방문", Mood.GUIDE, ("전국 지정의료기관과 보건소 방문하시면 돼요.",)),
    # "하여" -> "해서".
    ("해당 지역 주간보호시설 등을 방문하여 이용", Mood.GUIDE, ("해당 지역 주간보호시설 등을 방문해서 이용하시면 돼요.",)),
    # A label: "카드신청: …" -> "카드신청은 …".
    ("카드신청: 가까운 고용센터를 방문하거나 고용24를 통해 신청", Mood.GUIDE,
     ("카드신청은 가까운 고용센터를 방문하거나 고용24를 통해 신청하시면 돼요.",)),
    # An agency's act stated: 지급 -> 지급해요.
    ("내용: 대상구분에 따라 매월 수당 지급", Mood.INFORM, ("내용은 대상구분에 따라 매월 수당 지급해요.",)),
    # A condition in brackets is said as a sentence of its own; 제외 says a state -> 제외돼요.
    ("「국민기초생활보장법」에 의한 생계 또는 의료 급여 수급자 중 「장애인연금법」에 따른 중증장애인(단, 보장시설 수급자 지급 제외)",
     Mood.INFORM, ("국민기초생활보장법에 의한 생계나 의료 급여 수급자 중 장애인연금법에 따른 중증장애인이에요.",
                   "단, 보장시설 수급자 지급 제외돼요.")),
    # A limit in brackets, with a number, kept; "…자에게" stays, only the end changes.
    ("명예수당 : 도내 6개월 이상 거주하는 민주화운동 관련자 중 만 65세 이상인 자에게 월 10만원 지원(생활보조비와 중복지급 불가)",
     Mood.INFORM, ("명예수당은 도내 6개월 이상 거주하는 민주화운동 관련자 중 만 65세 이상인 자에게 월 10만원 지원해요.",
                   "생활보조비와 중복지급 불가해요.")),
    # A proviso "단, …" kept with its fact; a formal/nominal ending (…이루어져야 함) -> 해요.
    ("대상 장애인 1인당 작업지도 비용으로 월 14만 원 지급(최대 3년간) 단, 작업지도자는 최대 5명의 장애인을 고용관리 할 수 있으며 "
     "월 12시간 이상 작업지도가 이루어져야 함", Mood.INFORM,
     ("대상 장애인 1인당 작업지도 비용으로 월 14만 원 지급해요.", "최대 3년간이에요.",
      "단, 작업지도자는 최대 5명의 장애인을 고용관리 할 수 있고 월 12시간 이상 작업지도가 이루어져야 해요.")),
    # 합니다체 -> 해요체; "-며" -> "-고".
    ("장애인 대상연령 확대: 만 5~69세의 장애인으로 지원대상이 확대되며, 기존 유청소년 스포츠강좌이용권을 이용했던 유청소년 장애인도 "
     "24년부터는 장애인스포츠강좌이용권을 이용해야 합니다.", Mood.INFORM,
     ("장애인 대상연령 확대는 만 5~69세의 장애인으로 지원대상이 확대되고, 기존 유청소년 스포츠강좌이용권을 이용했던 유청소년 장애인도 "
      "24년부터는 장애인스포츠강좌이용권을 이용해야 해요.",)),
    # The written "…받은 자" is said "…받은 분"; "해당 없음" -> "해당 없어요".
    ("공급유형별 자격: 구분: 국가유공자, 일반사항: 무주택 세대구성원으로서 국가유공자 등으로 보훈처 추천을 받은 자, 소득_및_자산: 해당 없음",
     Mood.INFORM, ("공급유형별 자격은 구분, 국가유공자예요.",
                   "일반사항은 무주택 세대구성원으로서 국가유공자 등으로 보훈처 추천을 받은 분이에요.",
                   "소득 및 자산은 해당 없어요.")),
    # Who may receive it is described as a person: 재직 -> "재직하시는 분이에요".
    ("세부요건: 구분: 재직경력, 내용: 심사일 기준 2년 이상 재직(단, 현재 중소·중견기업 재직자는 1년 이상)", Mood.DESCRIBE,
     ("세부요건은 구분, 재직경력이에요.", "내용은 심사일 기준 2년 이상 재직하시는 분이에요.",
      "단, 현재 중소·중견기업 재직자는 1년 이상이에요.")),
    # Times are said in words around the digits, not with a colon.
    ("기본·연장 보육시간(07:30~19:30)을 전후하여 야간연장 보육서비스 이용 가능", Mood.INFORM,
     ("기본·연장 보육시간을 전후해서 야간연장 보육서비스 이용 가능해요.", "07시 30분~19시 30분이에요.")),
    # A noun that is no verb here takes the copula: "이상" after an age is not 이상하다 (odd).
    ("만 60세 이상의 국민연금 수급자", Mood.INFORM, ("만 60세 이상의 국민연금 수급자예요.",)),
]


@pytest.mark.parametrize("item,mood,expected", SAID, ids=[s[0][:20] for s in SAID])
def test_record_items_are_said_as_a_counselor_would(record_items, item, mood, expected):
    assert item in {i for _, i in record_items}, "the table quotes real record items; update it if the corpus changed"
    said = say(item, mood)
    assert said is not None and said.sentences == expected
    spoken = " ".join(said.sentences)
    assert facts(item) - UNSAID_NUMBERS <= facts(spoken) <= facts(item)
    assert all(w in spoken for w in NEGATIONS if w in item)
    assert all(final_ending(s) for s in said.sentences)


def test_a_fragment_is_not_made_a_sentence():
    # Ends in a connective that needs what follows ("…을 통해"): not a sentence on its own.
    assert say("여성긴급전화 1366, 112경찰, 성매매피해상담소 등을 통해") is None


@pytest.mark.parametrize("word,particle,expected", [
    ("센터", Particle.TOPIC, "센터는"), ("첫만남이용권", Particle.TOPIC, "첫만남이용권은"),
    ("고용24", Particle.TOPIC, "고용24는"),  # 이십사
    ("10", Particle.TOPIC, "10은"),  # 십
    ("SOS", Particle.TOPIC, "SOS는"), ("HPV", Particle.AND, "HPV와"),
    ("서울", Particle.MEANS, "서울로"), ("지역", Particle.MEANS, "지역으로"), ("복지로", Particle.MEANS, "복지로로"),
    ("수급자", Particle.COPULA, "수급자예요"), ("아동", Particle.COPULA, "아동이에요"), ("50%", Particle.COPULA, "50%예요"),
    ("주민센터", Particle.OR, "주민센터나"), ("지사", Particle.AND, "지사와"), ("보건소", Particle.AND, "보건소와"),
])
def test_particles_follow_the_spoken_ending(word, particle, expected):
    assert attach(word, particle) == expected


def test_items_are_never_cut_before_a_word_that_completes_them():
    # Cut after "지원", the item would lose "배제" and say the opposite.
    text = "가구당 컴퓨터 1대, 가구당 인터넷통신비 월 1만 7,600원 1세대 1자녀 지원으로 형제자매 간 중복지원 배제"
    assert items(text) == [text]
    # Nor inside brackets: "(단, 보장시설 수급자 지급 제외)" stays whole.
    assert items("중증장애인(단, 보장시설 수급자 지급 제외)") == ["중증장애인(단, 보장시설 수급자 지급 제외)"]


def test_asides_without_a_fact_are_dropped_and_names_lose_their_tags():
    assert split_asides("읍면동 주민센터(행정복지센터)에 신청") == ("읍면동 주민센터에 신청", [])
    assert split_asides("심장질환(고혈압 제외) 진단") == ("심장질환 진단", ["고혈압 제외"])
    assert speakable_name("[경기] 2026년 생애 최초 경영안정화 교육지원 모집 변경 공고(경기도 중장년 최초 창업 지원)") == \
        "2026년 생애 최초 경영안정화 교육지원 모집 변경 공고"
    assert speakable_name("누구나 돌봄! 시흥돌봄SOS센터 운영") == "누구나 돌봄 시흥돌봄SOS센터 운영"


def test_every_record_item_said_keeps_its_numbers_and_negations(record_items):
    """Over every item of every record: what is said states no number the item does
    not, leaves out none (unless it says there are more conditions), keeps every
    negation and limit, and each sentence closes with a final ending."""
    said_any = 0
    for field, item in record_items:
        mood = {"how_to_apply": Mood.GUIDE, "eligibility": Mood.DESCRIBE}.get(field, Mood.INFORM)
        said = say(item, mood)
        if said is None:
            continue
        said_any += 1
        spoken = " ".join(said.sentences)
        assert facts(spoken) <= facts(item), (item, spoken)
        if not said.conditions_unsaid:
            assert facts(item) - UNSAID_NUMBERS <= facts(spoken), (item, spoken)
            assert all(w in spoken for w in NEGATIONS if w in item), (item, spoken)
    assert said_any > 0.95 * len(record_items)


def test_spoken_answers_over_the_corpus_meet_the_ear_targets(corpus):
    figures = measure(spoken_answers(Answerer(corpus, Settings()), corpus.services))
    assert figures["answers"] == len(corpus.services) * len(Intent)
    assert figures["final_ending_share"] >= 0.95, figures
    assert figures["polite_ending_share"] >= 0.95, figures
    assert figures["sentences_per_answer_max"] <= 3, figures
    assert figures["answers_with_written_marks_share"] == 0, figures


def _named(corpus, name):
    return next(s for s in corpus.services if s.name == name)


def test_the_asked_fact_first_the_name_once_the_number_last(corpus):
    answerer = Answerer(corpus, Settings())
    service = _named(corpus, "기초연금제도")
    phones = answerer.phones_for(service)
    amount = speech_answer(service, Intent.BENEFIT, phones)
    assert sentences(amount)[0] == "기초연금제도는 월 최대 33만 4,810원까지 지원해요."
    assert sentences(amount)[-1] == f"문의는 {phones[0].organization}, 전화 {phones[0].number}번이에요."
    for intent in Intent:
        spoken = speech_answer(service, intent, phones)
        assert spoken.count(service.name) == 1, spoken
        assert sentences(spoken)[-1].endswith(f"전화 {phones[0].number}번이에요."), spoken
    apply = speech_answer(service, Intent.APPLY, phones)
    assert sentences(apply)[0] == "기초연금제도는 전국 읍면동 주민센터나 국민연금공단 지사 방문하시면 돼요."


def test_a_left_out_condition_is_announced(corpus):
    answerer = Answerer(corpus, Settings())
    # Two conditions in brackets follow the main fact: with the number to call there is no room
    # for both, so the answer says there are more instead of stating the fact as if it were all.
    service = next(s for s in corpus.services if "만 18세 이상 구직장애인" in s.eligibility)
    spoken = speech_answer(service, Intent.ELIGIBILITY, answerer.phones_for(service))
    assert MORE_CONDITIONS in sentences(spoken) and len(sentences(spoken)) == 3, spoken
