"""Retrieval on the real corpus with real Kiwi and a real, persisted index."""

from __future__ import annotations

import json
import logging
from collections import Counter

import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import RetrievalSettings
from assistant.corpus.store import Corpus
from assistant.evaluation.datasets import CORPUS_DIR
from assistant.retrieval.index import BM25Index
from assistant.retrieval.retriever import Retriever

BUILT = "built the retrieval index"

pytestmark = pytest.mark.skipif(not (CORPUS_DIR / "services.jsonl").exists(),
                                reason="corpus/services.jsonl missing: run `assistant corpus import`")


@pytest.fixture(scope="module")
def few(corpus) -> Corpus:
    """Forty services and 기초연금제도: what the index does when it is stored, reused and rebuilt
    does not depend on the size of the corpus, and building it over all of it takes seconds.
    Loaded without the learned ranking: trained for the whole corpus, it would be trained
    again for these (tests/test_learned.py tests that)."""
    chosen = (*corpus.services[:40], *(s for s in corpus.services[40:] if s.name == "기초연금제도"))
    return Corpus(chosen, f"first-40-{corpus.fingerprint}", corpus.directory)


@pytest.fixture(scope="module")
def index_dir(test_settings):
    """The persisted index the assistant itself uses: built once, then reused by every run."""
    return test_settings.retrieval.index_dir


@pytest.fixture(scope="module")
def retriever(corpus, index_dir) -> Retriever:
    return Retriever.load(corpus, RetrievalSettings(index_dir=index_dir))


def names(result) -> list[str]:
    return [hit.service.name for hit in result.hits]


def test_spoken_question_finds_basic_pension(retriever):
    # The records say "어르신", never "노인": the target-group expansion and
    # the sentence encoder bridge the two. Other services for the elderly
    # that mention 연금 rank close, so the assistant would still ask.
    result = retriever.search("노인 연금 얼마 받아요")
    assert names(result)[0] == "기초연금제도", names(result)
    assert names(retriever.search("기초연금 얼마 받아요"))[0] == "기초연금제도"


@pytest.mark.parametrize("query, expected", [
    ("기초연금 어떻게 신청해요?", "기초연금제도"),
    ("기초 연금 신청", "기초연금제도"),
    ("장애인연금은얼마나받을수있나요", "장애인연금"),
    ("아이돌봄 서비스 신청하고 싶어요", "아이돌봄서비스"),
])
def test_program_named_in_the_question_comes_first(retriever, query, expected):
    assert names(retriever.search(query))[0] == expected


def test_search_returns_k_scored_hits_best_first(retriever):
    result = retriever.search("장애인 활동지원 신청 방법", k=7)
    assert len(result.hits) == 7
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert 0.0 <= result.confidence <= 1.0
    assert len(retriever.search("장애인 활동지원").hits) == retriever.settings.top_k


@pytest.mark.parametrize("query", ["", "   ", "음 그러니까 저기요", "오늘 날씨 어때요"])
def test_question_without_content_finds_nothing(retriever, query):
    result = retriever.search(query)
    assert result.hits == [] and result.confidence == 0.0


def test_clear_question_is_more_confident_than_a_vague_one(retriever):
    clear = retriever.search("청각장애인 인공달팽이관 수술비 지원 대상")
    vague = retriever.search("지원 좀 받고 싶어요")
    assert clear.confidence > vague.confidence


def test_local_service_ranks_above_the_national_program_it_delivers(retriever):
    ranked = names(retriever.search("노인 일자리 하고 싶어요"))
    assert ranked.index("노인일자리 지원") < ranked.index("노인 일자리 및 사회활동 지원"), ranked


def test_locale_preference_follows_the_configured_locale(corpus, index_dir):
    query = "노인 일자리 하고 싶어요"
    elsewhere = Retriever.load(corpus, RetrievalSettings(index_dir=index_dir, locale="수원시"))
    ranked = names(elsewhere.search(query, k=20))
    assert ranked[0] == "노인 일자리 및 사회활동 지원", ranked
    assert "노인일자리 지원" not in ranked[:1]


def test_a_local_service_does_not_beat_the_national_program_asked_about(retriever):
    result = retriever.search("기초연금 수급 자격이 어떻게 되나요")
    assert result.hits[0].service.name == "기초연금제도"


def test_resolve_ignores_spacing_and_punctuation(retriever):
    wanted = retriever.resolve("노인 일자리 및 사회활동 지원")
    assert len(wanted) == 1
    assert retriever.resolve("노인일자리및사회활동지원") == wanted
    assert retriever.resolve("노인일자리 및 사회활동 지원사업") == wanted  # an alias
    assert retriever.resolve("없는 사업 이름") == set()


def test_a_delivering_local_service_answers_for_the_national_program(retriever):
    national = retriever.resolve("노인 일자리 및 사회활동 지원")
    answering = retriever.answering_ids("노인 일자리 및 사회활동 지원")
    local = {s.id for s in retriever.services if s.name == "노인일자리 지원" and s.region.sigungu == "시흥시"}
    assert answering == national | local and local


# -- the persisted index ----------------------------------------------------------------

def test_index_is_persisted_and_reused(few, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="assistant.retrieval.index")
    settings = RetrievalSettings(index_dir=tmp_path, learned=False)
    first = Retriever.load(few, settings)
    assert BUILT in caplog.text
    stored = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    caplog.clear()
    second = Retriever.load(few, settings)
    assert BUILT not in caplog.text
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stored
    query = "한부모가족 아동 양육비"
    assert [(h.service.id, h.score) for h in first.search(query).hits] == \
           [(h.service.id, h.score) for h in second.search(query).hits]


def test_changed_corpus_rebuilds_the_index(few, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="assistant.retrieval.index")
    settings = RetrievalSettings(index_dir=tmp_path, learned=False)
    Retriever.load(few, settings)
    smaller = Corpus(few.services[1:], "changed-" + few.fingerprint, few.directory)
    caplog.clear()
    rebuilt = Retriever.load(smaller, settings)
    assert BUILT in caplog.text
    assert few.services[0].id not in rebuilt.index.ids
    assert BM25Index.load(tmp_path).fingerprint == rebuilt.index.fingerprint


def test_unreadable_index_is_rebuilt(few, tmp_path):
    settings = RetrievalSettings(index_dir=tmp_path, learned=False)
    Retriever.load(few, settings)
    (tmp_path / "tokens.npz").write_bytes(b"not an index")
    retriever = Retriever.load(few, settings)
    assert names(retriever.search("기초연금"))[0] == "기초연금제도"


def test_one_field_bm25f_equals_rank_bm25(few, retriever):
    """BM25F reduces to BM25 with a single field: check the formula against rank-bm25."""
    from rank_bm25 import BM25Okapi

    from assistant.retrieval.index import FIELDS, IndexParams, analyze_fields

    only_eligibility = {name: float(name == "eligibility") for name in FIELDS}
    params = IndexParams(k1=1.5, weights=only_eligibility)
    index = BM25Index.build(few, retriever.analyzer, params)
    documents = [doc[FIELDS.index("eligibility")] for doc in analyze_fields(few.services, retriever.analyzer)]
    reference = BM25Okapi(documents, k1=1.5, b=0.75)
    tokens = retriever.analyzer.analyze("장애인 보조기기 지원 신청 65세 이상 노인 노인")
    assert index.views["tokens"].scores(Counter(tokens)) == pytest.approx(reference.get_scores(tokens), rel=1e-5, abs=1e-5)


# -- `assistant eval retrieval` -----------------------------------------------------------

@pytest.fixture()
def config(tmp_path, index_dir):
    path = tmp_path / "assistant.toml"
    path.write_text(f'[retrieval]\nindex_dir = "{index_dir}"\n', encoding="utf-8")
    return path


def run_eval(config, qa_path):
    return CliRunner().invoke(main, ["--config", str(config), "eval", "retrieval", "--qa", str(qa_path), "--json"])


def test_eval_retrieval_prints_the_json_contract(config, tmp_path):
    qa = tmp_path / "qa.jsonl"
    lines = [
        {"question": "노인 연금 얼마 받아요", "service": "기초연금제도"},
        {"question": "기초연금 신청은 어디서 하나요?", "service": "기초 연금 제도"},
        {"question": "노인 일자리 하고 싶어요", "service": "노인 일자리 및 사회활동 지원"},
        {"question": "이 질문의 사업은 없습니다", "service": "존재하지 않는 사업"},
    ]
    qa.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    result = run_eval(config, qa)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert {"n", "hit@1", "hit@5", "mrr", "ms_per_query"} <= set(figures)
    assert figures["n"] == 4
    assert figures["hit@5"] == 0.75 and figures["hit@1"] >= 0.5
    assert 0 < figures["mrr"] <= figures["hit@5"]
    assert figures["ms_per_query"] > 0
    assert figures["unresolved"] == 1 and figures["unresolved_services"] == ["존재하지 않는 사업"]


@pytest.mark.parametrize("line, message", [
    ('{"question": "기초연금", "service": "기초연금제도"', "qa.jsonl:2: not JSON"),
    ('["기초연금", "기초연금제도"]', "qa.jsonl:2: expected an object"),
    ('{"question": "", "service": "기초연금제도"}', "qa.jsonl:2: \"question\" and \"service\" must be"),
    ('{"question": "기초연금"}', "qa.jsonl:2: \"question\" and \"service\" must be"),
])
def test_malformed_qa_line_is_named_in_a_clear_message(config, tmp_path, line, message):
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"question": "기초연금", "service": "기초연금제도"}\n' + line + "\n", encoding="utf-8")
    result = run_eval(config, qa)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_qa_file_is_a_clear_message(config, tmp_path):
    result = run_eval(config, tmp_path / "absent.jsonl")
    assert result.exit_code != 0 and "absent.jsonl" in result.output


def test_query_coverage_counts_a_group_label_for_its_words(retriever):
    from assistant.retrieval.expansion import coverage_terms
    from assistant.retrieval.index import char_bigrams

    query = "노인 연금 얼마 받아요"
    terms = coverage_terms(query, retriever.analyzer.analyze(query), retriever.analyzer)
    # 노인 is asked as the records' label 어르신; the joined 노인연금 stands in its parts.
    assert "어르신" in terms and "연금" in terms
    assert "노인" not in terms and "노인연금" not in terms

    coverage = retriever.index.views["query_coverage"]
    share = coverage.covered_share(char_bigrams(terms))
    position = {sid: n for n, sid in enumerate(retriever.index.ids)}
    assert share.min() >= 0 and share.max() <= 1 + 1e-6
    pension = position[retriever.resolve("기초연금제도").pop()]
    assert share[pension] > 0.5
    assert coverage.covered_share(char_bigrams(["기초", "연금"]))[pension] == pytest.approx(1.0)


def test_confidence_does_not_depend_on_how_many_hits_are_asked_for(retriever):
    query = "노인 연금 얼마 받아요"
    # Below the threshold: the assistant asks which service is meant.
    assert retriever.search(query, k=1).confidence == retriever.search(query, k=5).confidence \
        < retriever.settings.min_confidence
