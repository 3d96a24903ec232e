"""The corpus importer on the real shared source files and on broken copies,
and the phone-number parser on the formats those files use."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.corpus.build.contacts import parse_contacts, phone_numbers
from assistant.corpus.build.importer import SourceError, import_corpus
from assistant.corpus.store import IMPORTED_FILE, load_corpus
from assistant.evaluation.datasets import RETRIEVAL_DEV as EVAL
from assistant.evaluation.datasets import WELFARE_SOURCES as SOURCES

BOOKLET, LISTED, GOV24, DETAIL = ("booklet2024_chunks.json", "bokjiro_services_list.json",
                                  "gov24_services.json", "bokjiro_local_detail_family.json")

needs_sources = pytest.mark.skipif(not SOURCES.is_dir(), reason=f"shared source data not found at {SOURCES}")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    if not SOURCES.is_dir():
        pytest.skip(f"shared source data not found at {SOURCES}")
    return import_corpus(SOURCES, tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def by_name(imported):
    return {(s.name, s.region.label): s for s in imported.services}


@functools.cache
def _source_records(file: str) -> list:
    data = json.loads((SOURCES / file).read_text(encoding="utf-8"))
    return data["items"] if isinstance(data, dict) else data


# --- the real source files -------------------------------------------------

@needs_sources
def test_counts_per_scope(imported):
    scopes = [s.region.scope for s in imported.services]
    assert 440 <= scopes.count("전국") <= 470  # the booklet's ~450 programs
    assert scopes.count("기초") >= 40
    assert scopes.count("광역") >= 80
    assert imported.report.read[BOOKLET] == 3638
    # The only booklet entry without program text is a chapter heading.
    assert [x.record for x in imported.report.skipped] == [
        "program '특수한 상황이나 어려운 입장에 처했을 때' (page 359)"]


@needs_sources
def test_written_corpus_loads_and_is_sorted(imported):
    corpus = load_corpus(imported.path.parent)
    ids = [s.id for s in imported.services]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert len(corpus.services) == len(ids)


@needs_sources
def test_reimport_is_byte_identical(imported, tmp_path):
    again = import_corpus(SOURCES, tmp_path)
    assert again.path.read_bytes() == imported.path.read_bytes()


@needs_sources
def test_every_evaluated_program_name_resolves(imported):
    if not EVAL.exists():
        pytest.skip(f"{EVAL} not found")
    names = {n for s in imported.services for n in (s.name, *s.aliases)}
    wanted = {json.loads(line)["service"] for line in EVAL.read_text(encoding="utf-8").splitlines()}
    assert wanted - names == set()


@needs_sources
def test_known_program_full_text_and_phones(by_name):
    pension = by_name[("기초연금제도", "전국")]
    assert {"129", "1355"} <= {p.number for p in pension.phones}
    assert "만 65세 이상" in pension.eligibility
    assert "33만 4,810원" in pension.benefit
    assert "주민센터" in pension.how_to_apply
    assert "어르신" in pension.targets
    assert pension.sources[0].file == BOOKLET and pension.sources[0].page == 220
    assert pension.as_of == "2024-04"
    assert "기초연금" in pension.aliases  # 복지로 / 보조금24 call it that

    # A program whose contact text gives a second line by its last digits only.
    environment = by_name[("사회취약계층 환경성질환 예방사업", "전국")]
    assert {"02-2284-1820", "02-2284-1813"} <= {p.number for p in environment.phones}
    assert environment.faq and environment.faq[0].question.endswith("?")


@needs_sources
def test_no_phone_number_is_dropped(imported):
    # Independent of the parser: every full number written in a record's text
    # (fax lines aside) is one of its phones.
    number = re.compile(r"(?<![\d-])(?<!팩스: )(?<!팩스 : ☎)(0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4})(?!\d)")
    missing = [(s.name, n) for s in imported.services for n in number.findall(s.full_text())
               if n not in {p.number for p in s.phones}]
    assert missing == []


@needs_sources
def test_every_siheung_record_is_in_the_corpus(imported):
    kept = {(src.file, src.record) for s in imported.services if s.region.sigungu == "시흥시" for src in s.sources}
    expected = {(LISTED, r["id"]) for r in _source_records(LISTED) if r["regions"]["districts"] == ["시흥시"]}
    expected |= {(DETAIL, r["servId"]) for r in _source_records(DETAIL) if r.get("sgg") == "시흥시"}
    expected |= {(GOV24, r["id"]) for r in _source_records(GOV24)
                 if "시흥" in r["org"] or r["name"].startswith("[경기] 시흥시")}
    assert len(expected) >= 44
    assert expected - kept == set()


@needs_sources
def test_siheung_service(by_name):
    hyodo = by_name[("시흥 효도수당", "시흥시")]
    assert hyodo.id.startswith("siheung-")
    assert hyodo.region.scope == "기초" and hyodo.region.sido == "경기도"
    assert "만70세 이상" in hyodo.eligibility
    assert hyodo.sources[0].url.startswith("https://www.gov.kr/")

    # A detail record gives the city office's numbers.
    birth = by_name[("시흥시 산후조리비 지원", "시흥시")]
    assert {"031-310-5850", "031-310-5878"} <= {p.number for p in birth.phones}


@needs_sources
def test_province_service_and_other_cities_left_out(imported, by_name):
    emergency = by_name[("경기도형긴급복지지원", "경기도")]
    assert emergency.id.startswith("gg-") and emergency.region.scope == "광역"
    # 복지로 files a 화성시 program under `경기도 / 전체`; its department says where it is.
    assert all("화성시" not in c.organization for s in imported.services if s.region.scope == "광역"
               for c in s.contacts)
    assert imported.report.left_out[LISTED] > 2000


@needs_sources
def test_merged_records_keep_sources_and_aliases(by_name):
    loan = by_name[("신혼부부 전세대출금 이자 지원", "시흥시")]
    assert "신혼부부 전세대출금 이자지원 사업" in loan.aliases
    assert {s.file for s in loan.sources} == {GOV24, LISTED}

    jobs = by_name[("노인 일자리 및 사회활동 지원", "전국")]
    assert "노인일자리 및 사회활동 지원사업" in jobs.aliases
    assert {s.file for s in jobs.sources} == {BOOKLET, LISTED, GOV24}
    # Other sources add names, not their newer texts, to a booklet program.
    assert jobs.as_of == "2024-04"


@needs_sources
def test_local_service_delivers_national_program(imported, by_name):
    jobs = by_name[("노인 일자리 및 사회활동 지원", "전국")]
    assert by_name[("노인일자리 지원", "시흥시")].delivers == (jobs.id,)
    ids = {s.id for s in imported.services}
    links = [d for s in imported.services for d in s.delivers]
    assert len(links) >= 10 and set(links) <= ids
    assert all(s.region.scope != "전국" for s in imported.services if s.delivers)


# --- broken sources ----------------------------------------------------------

def _write(directory: Path, name: str, data) -> None:
    (directory / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture()
def broken_sources(tmp_path):
    """Small real extracts of the four files, with malformed records added."""
    if not SOURCES.is_dir():
        pytest.skip(f"shared source data not found at {SOURCES}")
    source = tmp_path / "sources"
    source.mkdir()
    chunks = [c for c in _source_records(BOOKLET) if c["metadata"].get("사업명") in ("기초연금제도", "아동수당")]
    _write(source, BOOKLET, [*chunks, {"text": "대상: 누구나"}, {"text": 3, "metadata": {"id": "9-1", "항목": "대상"}},
                             {"text": "대상: 누구나", "metadata": {"id": "9-2", "항목": ["대상"]}}])
    listed = [r for r in _source_records(LISTED) if r["regions"]["districts"] == ["시흥시"]]
    _write(source, LISTED, [*listed, {"id": "local_X1", "title": None, "regions": {}},
                            {"id": "local_X2", "title": 42, "regions": {"sido": ["경기도"], "districts": ["시흥시"]}},
                            {"id": "local_X3", "title": "지역 서비스", "regions": "경기도"}, "not a record"])
    gov24 = [r for r in _source_records(GOV24) if "시흥" in r["org"]]
    _write(source, GOV24, [*gov24, {"id": "X4", "org": "경기도 시흥시", "region": "경기"}])
    _write(source, DETAIL, {"items": [r for r in _source_records(DETAIL) if r.get("sgg") == "시흥시"]
                            + [{"servId": "X5", "servNm": "상세 서비스", "detail": "없음"}]})
    return source


def test_malformed_records_are_reported_and_skipped(broken_sources, tmp_path):
    result = import_corpus(broken_sources, tmp_path / "out")
    reasons = {(x.file, x.record.rpartition(" ")[2] if "(" in x.record else x.record): x.reason
               for x in result.report.skipped}
    assert reasons[(LISTED, "(local_X1)")] == "missing `title`"
    assert reasons[(LISTED, "(local_X2)")] == "`title` is int, expected text"
    assert reasons[(LISTED, "(local_X3)")] == "`regions` is not an object"
    assert reasons[(LISTED, "record #18")].startswith("a record must be an object")
    assert reasons[(GOV24, "(X4)")] == "missing `name`"
    assert reasons[(DETAIL, "(X5)")] == "`detail` is not an object"
    assert reasons[(BOOKLET, f"chunk #{result.report.read[BOOKLET] - 2}")] == "missing `metadata`"
    assert reasons[(BOOKLET, "9-1)")] == "`text` is int, expected text"
    assert reasons[(BOOKLET, "9-2)")] == "`항목` or `사업명` is not text"
    # Records are named by their position too, so they can be found in the file.
    assert any(x.record == "record #15 (local_X1)" for x in result.report.skipped)
    assert {x.file for x in result.report.skipped} == {BOOKLET, LISTED, GOV24, DETAIL}
    assert "skipped" in result.summary() and "missing `title`" in result.summary()
    # Everything valid was kept and the written corpus loads.
    corpus = load_corpus(tmp_path / "out")
    names = {s.name for s in corpus.services}
    assert {"기초연금제도", "아동수당", "시흥 효도수당", "출생축하금 지원"} <= names


def test_truncated_file_stops_the_import_and_writes_nothing(broken_sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / IMPORTED_FILE).write_text("previous corpus\n", encoding="utf-8")
    text = (broken_sources / GOV24).read_text(encoding="utf-8")
    (broken_sources / GOV24).write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(SourceError, match=rf"{GOV24}: not valid JSON"):
        import_corpus(broken_sources, out)
    assert (out / IMPORTED_FILE).read_text(encoding="utf-8") == "previous corpus\n"
    assert [p.name for p in out.iterdir()] == [IMPORTED_FILE]  # no temp file left behind


def test_missing_file_is_a_clear_cli_error(broken_sources, tmp_path):
    (broken_sources / DETAIL).unlink()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["corpus", "import", "--source", str(broken_sources), "--out", str(out)])
    assert result.exit_code != 0
    assert f"{DETAIL}: source file is missing" in result.output and "nothing was written" in result.output
    assert not (out / IMPORTED_FILE).exists()


def test_file_of_only_malformed_records_stops_the_import(broken_sources, tmp_path):
    _write(broken_sources, BOOKLET, [{"text": "x"}, {"metadata": {}}])
    with pytest.raises(SourceError, match="every record is malformed"):
        import_corpus(broken_sources, tmp_path / "out")
    assert not (tmp_path / "out" / IMPORTED_FILE).exists()


def test_cli_import_prints_summary(broken_sources, tmp_path):
    result = CliRunner().invoke(main, ["corpus", "import", "--source", str(broken_sources),
                                       "--out", str(tmp_path / "out"), "--show-skipped"])
    assert result.exit_code == 0, result.output
    assert "기초 시흥시" in result.output and "skipped bokjiro_services_list.json record #15" in result.output


# --- phone numbers -------------------------------------------------------------

@pytest.mark.parametrize("text,numbers", [
    ("보건복지상담센터(☎129)", ["129"]),
    ("캠코(한국자산관리공사) 통합콜센터(☎1588-3570)", ["1588-3570"]),
    ("시흥시 보건소 보건정책과 031-310-5850,5878", ["031-310-5850", "031-310-5878"]),
    ("시흥시청 대중교통과 031-310-2756,57,59", ["031-310-2756", "031-310-2757", "031-310-2759"]),
    ("전화상담 : 국번없이 ☎132", ["132"]),
    ("(문의 대표전화 국번없이 1350)", ["1350"]),
    ("(국번없이) 129", ["129"]),
    ("질병관리청 예방접종관리과(☎043-719-8398~8399)", ["043-719-8398", "043-719-8399"]),
    ("한국환경산업기술원(☎02-2284-1820, 1813)", ["02-2284-1820", "02-2284-1813"]),
    ("한국장학재단(☎1599-2000,2230,2250)", ["1599-2000", "1599-2230", "1599-2250"]),
    ("국민건강보험공단(☎1577-1000, www.nhis.or.kr) 보건복지상담센터(☎129)", ["1577-1000", "129"]),
    ("가족상담전화 1644-6621 2번", ["1644-6621"]),
    ("경기도청 031-120", ["031-120"]),
    ("전화번호: 02-777-5217 팩스: 02-777-5393~4", ["02-777-5217"]),
    ("051–463–1127", []),  # en dashes are normalized by the source readers, not here
    ("월 최대 33만 4,810원, 만 65세 이상, 2024년 1월, 18~26세(1997.1.1.~2005.12.31. 출생자)", []),
])
def test_phone_numbers_in_real_formats(text, numbers):
    assert phone_numbers(text) == numbers


def test_contacts_keep_their_organizations():
    contacts = parse_contacts("보건복지상담센터(☎129), 주거급여콜센터(☎1600-0777), LH마이홈(☎1600-1004)")
    assert [(c.organization, [p.number for p in c.phones]) for c in contacts] == [
        ("보건복지상담센터", ["129"]), ("주거급여콜센터", ["1600-0777"]), ("LH마이홈", ["1600-1004"])]
    # `보훈(지)청` is one name; a name inside the parenthesis wins over the sentence before it.
    assert parse_contacts("보훈(지)청 및 보훈상담센터(☎1577-0606)")[0].organization == "보훈(지)청 및 보훈상담센터"
    assert parse_contacts("시설에서 신청(산업통상자원부 ☎1577-0900)")[0].organization == "산업통상자원부"
    # A contact line without a number is still where to ask.
    assert parse_contacts("읍면동 주민센터(행정복지센터)")[0].organization == "읍면동 주민센터(행정복지센터)"
    # A number written without its area code is read in contact lines only.
    assert [p.number for p in parse_contacts("아동돌봄과 8008-3073", local=True)[0].phones] == ["8008-3073"]
    assert phone_numbers("2024-2025학년도") == []
