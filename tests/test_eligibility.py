"""Eligibility criteria and documents read from real record sentences."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.corpus.build.eligibility import extract_criteria, extract_documents
from assistant.corpus.schema import Service, Source
from assistant.corpus.store import load_corpus


def _service(eligibility: str = "", how_to_apply: str = "", notes: str = "") -> Service:
    return Service(id="t", name="시험 서비스", eligibility=eligibility, how_to_apply=how_to_apply, notes=notes,
                   sources=(Source(file="booklet2024_chunks.json"),), as_of="2024-04")


# (record sentence, criterion, expected values): sentences as the shared records write them.
AGES = [
    ("만 65세 이상이며, 소득인정액이 선정기준액(소득하위 70%) 이하인 어르신", 65, None, "본인"),
    ("0~1세 아동", 0, 1, "자녀"),
    ("만 6세~만 65세 미만 등록 장애인 중 신체기능과 자립생활 능력 등을 평가한", 6, 64, "본인"),
    ("15세 이상 24세 이하 학교 밖 청소년 중 자립계획을 수립하고", 15, 24, "본인"),
    ("만 18세 미만(2005.1.2. 이후 출생, 중증장애인은 연령제한 없음)의 부양자녀가 있으며", None, 17, "자녀"),
    ("소득인정액이 기준 중위소득 63%(2인 기준 232만 44원) 이하이면서 18세(취학 시 22세) 미만의 아동을 양육하는 한부모가족",
     None, 17, "자녀"),
    ("어린이집·유치원·종일제 아이돌봄서비스를 이용하지 않고 가정에서 양육하는 24~86개월 미만 장애아동", 2, 7, "자녀"),
    ("시흥시에 주민등록을 둔 만 65세 이상", 65, None, "본인"),
]


@pytest.mark.parametrize("sentence,low,high,whose", AGES)
def test_age_ranges(sentence, low, high, whose):
    age = extract_criteria(_service(sentence)).age
    assert age is not None and (age.min_years, age.max_years, age.applies_to) == (low, high, whose)
    assert age.evidence in sentence


def test_sentence_without_an_age_states_none():
    assert extract_criteria(_service("국민내일배움카드를 발급받은 국민 누구나 신청 가능")).age is None
    # Durations are not ages.
    assert extract_criteria(_service("신청일 현재 경기도에 주민등록을 둔 1년 이상 계속 거주")).age is None


INCOMES = [
    ("만 65세 이상이며, 소득인정액이 선정기준액(소득하위 70%) 이하인 어르신", (), None, 70),
    ("6세 이상(2018년 12월 31일 이전 출생)의 기초생활수급자 및 차상위계층, 저소득 한부모가족",
     ("기초생활수급", "차상위"), None, None),
    ("기초생활수급자 및 차상위계층, 건강보험료 본인부담금 합산액이 기준 중위소득 150% 이하에 해당하는 출산 가정",
     ("기초생활수급", "차상위"), 150, None),
    ("65세 이상 기초생활수급자, 차상위계층 또는 기초연금수급자 중 독거·조손가구 등 돌봄이 필요한 어르신",
     ("기초생활수급", "차상위", "기초연금수급"), None, None),
]


@pytest.mark.parametrize("sentence,tiers,median,lowest", INCOMES)
def test_income_tiers(sentence, tiers, median, lowest):
    income = extract_criteria(_service(sentence)).income
    assert income is not None
    assert (income.tiers, income.median_income_percent, income.lowest_income_percent) == (tiers, median, lowest)


def test_household_kept_when_required_and_dropped_when_one_of_alternatives():
    required = extract_criteria(_service(
        "65세 이상 기초생활수급자, 차상위계층 또는 기초연금수급자 중 독거·조손가구 등 돌봄이 필요한 어르신"))
    assert required.household is not None and required.household.kinds == ("1인", "조손")
    # 한부모 is one alternative beside income tiers: not required of every applicant.
    listed = extract_criteria(_service("6세 이상(2018년 12월 31일 이전 출생)의 기초생활수급자 및 차상위계층, 저소득 한부모가족"))
    assert listed.household is None
    assert extract_criteria(_service("만70세 이상 직계존속, 직계비속과 5년 이상 시흥시 관내 동일 주소지에 주민등록을 두고 "
                                     "실제 거주하는 3세대 가정")).household.kinds == ("3세대",)


@pytest.mark.parametrize("sentence,severity", [
    ("만 18세 이상의 장애인연금법상 중증장애인 중 본인과 배우자의 소득인정액이 선정기준액", "중증"),
    ("18세 이상의 장애인연금법상 중증장애인에 해당하지 않는 등록장애인 중 기초생활수급자 또는 차상위계층", "경증"),
    ("등록장애인", "등록"),
])
def test_disability_severity(sentence, severity):
    disability = extract_criteria(_service(sentence)).disability
    assert disability is not None and disability.severity == severity


def test_disability_exception_is_not_a_requirement():
    # "중증장애인은 연령제한 없음" exempts from the age limit; it asks no disability.
    criteria = extract_criteria(_service("만 18세 미만(2005.1.2. 이후 출생, 중증장애인은 연령제한 없음)의 부양자녀가 있으며 "
                                         "근로·사업·종교인 소득이 있는 가구"))
    assert criteria.disability is None


def test_birth_region_and_conditions():
    assert extract_criteria(_service("임신부(임신 주수에 관계없이 접종 가능)")).birth.stage == "임신"
    born = extract_criteria(_service("출생아로서 정상적으로 주민등록번호를 부여받은 아동")).birth
    assert born is not None and born.stage == "출산"
    assert extract_criteria(_service("임신을 희망하는 부부(사실혼, 예비부부 포함)")).birth is None
    region = extract_criteria(_service("시흥시에 주민등록을 둔 만 65세 이상")).region
    assert region is not None and region.area == "시흥시"
    assert extract_criteria(_service("만 65세 이상의 6·25전쟁 및 월남전 참전유공자")).conditions.kinds == ("보훈",)
    business = extract_criteria(_service("정년을 운영중이고 고용보험에 가입한 우선지원대상기업, 중견기업, 사회적기업 사업주"))
    assert "사업자" in business.conditions.kinds


def test_unknown_stays_unknown():
    assert extract_criteria(_service("")).stated() == []


def test_documents_to_bring_from_the_records_words():
    culture = extract_documents(_service(how_to_apply="읍면동 주민센터(행정복지센터)에 방문하여 신규발급 또는 카드 재충전 신청"
                                                      "(신분증 지참)."))
    assert [d.name for d in culture] == ["신분증"]
    checkup = extract_documents(_service(how_to_apply="국민건강보험공단에서 발송한 건강검진표와 신분증을 지참 후 검진기관에서 "
                                                      "건강검진 실시"))
    assert {d.name for d in checkup} == {"건강검진표", "신분증"}
    # A process step that names a form but asks nothing to be brought.
    assert extract_documents(_service(how_to_apply="사업대상자 추천 및 대상자 발굴 서비스 신청 신청서 접수 대상자 승인요청")) == ()


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(Settings().corpus.dir)


def test_every_criterion_quotes_its_record(corpus):
    stated = 0
    for service in corpus.services:
        for field in service.criteria.stated():
            stated += 1
            assert getattr(service.criteria, field).evidence in (service.eligibility or service.summary), service.id
        for document in service.documents:
            assert document.evidence in service.full_text() and document.name in document.evidence, service.id
    assert stated > 1000


def test_the_committed_corpus_holds_what_the_extractor_reads(corpus):
    for service in corpus.services:
        assert service.criteria == extract_criteria(service), service.id
    assert sum(1 for s in corpus.services if s.criteria.age) >= 150
    assert sum(1 for s in corpus.services if s.documents) >= 40


def test_a_deployer_corrects_criteria_in_local(corpus, tmp_path):
    import json
    import shutil

    target = next(s for s in corpus.services if s.name == "기초연금제도")
    shutil.copy(Settings().corpus.dir / "services.jsonl", tmp_path / "services.jsonl")
    (tmp_path / "local").mkdir()
    record = json.loads(target.model_dump_json())
    record["criteria"]["household"] = {"kinds": ["1인"], "evidence": "담당자 확인: 단독가구 기준"}
    (tmp_path / "local" / "fix.yaml").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    corrected = load_corpus(tmp_path).by_id()[target.id]
    assert corrected.criteria.household.kinds == ("1인",)
    assert corrected.criteria.age == target.criteria.age
