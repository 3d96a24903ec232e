"""The learned ranking: trained on a small real slice of the labeled questions
with the real analyzer, encoder and LightGBM; stored, loaded with the index,
trained again or ignored when the corpus changes; the unseen part never read.

Training reuses the sentence vectors the committed ranking stores for the
training questions (corpus/ranker.npz) instead of encoding them again: encoding
is what training spends its time on, and one test checks that a question
encoded afresh trains exactly as its stored vector does."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.config import RetrievalSettings, Settings
from assistant.corpus.store import load_corpus
from assistant.evaluation.datasets import CORPUS_DIR
from assistant.evaluation.datasets import RETRIEVAL_DEV as DEV_QA
from assistant.evaluation.retrieval import QAItem, read_qa
from assistant.evaluation.split import SplitBy, is_unseen, training_part, unseen_part
from assistant.retrieval.learned import (
    RANKER_FILE,
    LearnedRanker,
    StoredQuestions,
    fingerprint_of,
    question_key,
    read_ranker,
)
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.training import train_ranker

LOGGER = "assistant.retrieval.learned"

pytestmark = pytest.mark.skipif(not DEV_QA.exists(), reason="../shared/eval/retrieval_dev.jsonl missing")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS_DIR)


@pytest.fixture(scope="module")
def items():
    return read_qa(DEV_QA)


@pytest.fixture(scope="module")
def slice_items(items):
    """Every 40th question: about 110, from both parts."""
    return items[::40]


@pytest.fixture(scope="module")
def plain(corpus, test_settings: Settings) -> Retriever:
    """The hand-set ranking, as training sees it, on the persisted index of the committed corpus."""
    return Retriever.load(corpus, test_settings.retrieval.model_copy(update={"learned": False}))


@pytest.fixture(scope="module")
def committed(corpus) -> LearnedRanker:
    ranker = read_ranker(CORPUS_DIR / RANKER_FILE, list(corpus.services))
    assert ranker is not None, "corpus/ranker.npz is missing or unreadable: run `assistant corpus train`"
    return ranker


@pytest.fixture(scope="module")
def trained(plain, slice_items, committed) -> LearnedRanker:
    """The ranking trained on the slice, its questions' vectors the committed ones."""
    return train_ranker(plain, slice_items, committed.stored)


def write_qa(path, items: list[QAItem]) -> None:
    path.write_text("".join(json.dumps({"question": i.question, "service": i.service}, ensure_ascii=False) + "\n"
                            for i in items), encoding="utf-8")


# -- the split ----------------------------------------------------------------------------

def test_split_is_fixed_disjoint_and_about_thirty_percent(items):
    train, unseen = training_part(items), unseen_part(items)
    assert len(train) + len(unseen) == len(items)
    assert 0.27 < len(unseen) / len(items) < 0.33
    assert not {i.question for i in train} & {i.question for i in unseen}
    # Spacing and punctuation do not move a question to the other side.
    first = unseen[0]
    assert is_unseen(QAItem(first.question.replace(" ", "") + "  ?", first.service))
    # Split by question, nearly every program has questions on both sides.
    assert len({i.service for i in unseen} - {i.service for i in train}) < 0.05 * len({i.service for i in unseen})
    by_service = unseen_part(items, SplitBy.SERVICE)
    assert not {i.service for i in by_service} & {i.service for i in training_part(items, SplitBy.SERVICE)}


def test_training_never_reads_the_unseen_part(plain, slice_items, trained):
    """Whatever the unseen questions say, the trained ranking is the same: a
    training that read them (as asked words, vectors, or ranker examples)
    would change with them."""
    first = trained
    unseen = [i for i in slice_items if is_unseen(i)]
    assert unseen, "the slice must hold unseen questions for this test to mean anything"
    # Relabelled, not reworded: the split is by the question's text, so a reworded
    # question could land in the training part and rightly change the model.
    other_service = plain.services[0].name
    poisoned = [QAItem(i.question, other_service) if is_unseen(i) else i for i in slice_items]
    assert [is_unseen(i) for i in poisoned] == [is_unseen(i) for i in slice_items]
    second = train_ranker(plain, poisoned, first.stored)  # the same vectors, not encoded again
    assert second.booster.model_to_string() == first.booster.model_to_string()
    assert second.stored.keys == first.stored.keys
    assert second.meta == first.meta
    assert not {question_key(i.question) for i in unseen} & set(first.stored.keys)
    assert first.meta["training"]["questions"] == len(slice_items) - len(unseen)


def test_a_question_encoded_afresh_trains_as_its_stored_vector_does(plain, slice_items, trained):
    """Training again reuses the stored vectors (half precision); a question it encodes anew
    must give the same numbers, or the same questions would give another ranking."""
    stored = trained.stored
    keep = [n for n in range(len(stored.keys)) if n % 4]  # every fourth question encoded again
    partial = StoredQuestions([stored.keys[n] for n in keep], [stored.owners[n] for n in keep],
                              [stored.tokens[n] for n in keep], stored.vectors[keep])
    again = train_ranker(plain, slice_items, partial)
    assert again.booster.model_to_string() == trained.booster.model_to_string()
    assert np.array_equal(again.stored.vectors, stored.vectors)


# -- `assistant corpus train` and loading ---------------------------------------------------

@pytest.fixture(scope="module")
def index_dir(test_settings: Settings):
    """The persisted index of the committed corpus, which a copy of it with the same services shares."""
    return test_settings.retrieval.index_dir


@pytest.fixture(scope="module")
def trained_corpus(tmp_path_factory, slice_items, index_dir):
    """A copy of the corpus with a ranker trained on the slice by the CLI."""
    root = tmp_path_factory.mktemp("trained")
    corpus_dir = root / "corpus"
    corpus_dir.mkdir()
    # With the committed ranking, whose stored vectors the CLI reuses rather than encoding the slice again.
    for name in ("services.jsonl", "passage_vectors.npz", RANKER_FILE):
        shutil.copy(CORPUS_DIR / name, corpus_dir / name)
    qa = root / "slice.jsonl"
    write_qa(qa, slice_items)
    config = root / "assistant.toml"
    config.write_text(f'[retrieval]\nindex_dir = "{index_dir}"\ntraining_qa = "{qa}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "corpus", "train", "--dir", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    assert "learned ranking in" in result.output and "unseen left out" in result.output
    return root, corpus_dir, qa


def test_corpus_train_is_reproducible(trained_corpus, tmp_path):
    """Trained again (the stored question vectors reused), the file holds the same ranking."""
    root, corpus_dir, qa = trained_corpus
    copy = tmp_path / "corpus"
    shutil.copytree(corpus_dir, copy)
    config = root / "assistant.toml"
    result = CliRunner().invoke(main, ["--config", str(config), "corpus", "train", "--dir", str(copy), "--qa", str(qa)])
    assert result.exit_code == 0, result.output
    services = load_corpus(copy).services
    again, first = read_ranker(copy / RANKER_FILE, list(services)), read_ranker(corpus_dir / RANKER_FILE, list(services))
    assert again is not None and first is not None
    assert again.booster.model_to_string() == first.booster.model_to_string()
    assert again.meta == first.meta


def test_the_stored_ranking_loads_with_the_index(trained_corpus, index_dir, caplog):
    root, corpus_dir, qa = trained_corpus
    caplog.set_level(logging.INFO, logger=LOGGER)
    settings = RetrievalSettings(index_dir=index_dir, training_qa=qa)
    retriever = Retriever.load(load_corpus(corpus_dir), settings)
    assert retriever.learned is not None and retriever.learned.origin == corpus_dir / RANKER_FILE
    assert retriever.learned.fingerprint == fingerprint_of(retriever)
    assert "training it again" not in caplog.text
    result = retriever.search("기초연금 어떻게 신청해요")
    assert result.hits[0].service.name == "기초연금제도" and 0 <= result.confidence <= 1
    assert retriever.search("오늘 날씨 어때요").hits == []


def edited(corpus_dir, tmp_path):
    """A copy of `corpus_dir` with one service edited by hand."""
    copy = tmp_path / "corpus"
    shutil.copytree(corpus_dir, copy)
    (copy / "local").mkdir(exist_ok=True)
    service = next(s for s in load_corpus(copy).services if s.name == "기초연금제도")
    record = json.loads(service.model_dump_json())
    record["benefit"] = "어르신께 매달 기초연금을 드립니다."
    (copy / "local" / "edited.yaml").write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    return copy


def test_a_changed_corpus_trains_the_ranking_again_once(trained_corpus, tmp_path, caplog):
    root, corpus_dir, qa = trained_corpus
    changed = load_corpus(edited(corpus_dir, tmp_path))
    settings = RetrievalSettings(index_dir=tmp_path / "index", training_qa=qa)
    caplog.set_level(logging.INFO, logger=LOGGER)
    retriever = Retriever.load(changed, settings)
    assert "was trained for another version of the corpus" in caplog.text and "training it again" in caplog.text
    assert retriever.learned is not None and retriever.learned.fingerprint == fingerprint_of(retriever)
    assert retriever.learned.fingerprint != read_ranker(corpus_dir / RANKER_FILE, retriever.services).fingerprint
    caplog.clear()
    again = Retriever.load(changed, settings)
    assert "training it again" not in caplog.text
    assert again.learned is not None and again.learned.origin == settings.index_dir / RANKER_FILE
    question = "노인 연금 얼마 받아요"
    assert [h.service.id for h in retriever.search(question).hits] == [h.service.id for h in again.search(question).hits]


def test_a_changed_corpus_without_its_questions_ranks_by_the_hand_set_fusion(trained_corpus, tmp_path, caplog):
    root, corpus_dir, qa = trained_corpus
    changed = load_corpus(edited(corpus_dir, tmp_path))
    settings = RetrievalSettings(index_dir=tmp_path / "index", training_qa=tmp_path / "absent.jsonl")
    caplog.set_level(logging.INFO, logger=LOGGER)
    retriever = Retriever.load(changed, settings)
    assert retriever.learned is None
    assert "assistant corpus train" in caplog.text and "hand-set fusion alone" in caplog.text
    assert retriever.search("기초연금 어떻게 신청해요").hits[0].service.name == "기초연금제도"


def test_an_unreadable_ranking_is_ignored(corpus, tmp_path, caplog):
    (tmp_path / RANKER_FILE).write_bytes(b"not a ranking")
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert read_ranker(tmp_path / RANKER_FILE, list(corpus.services)) is None
    assert "unreadable" in caplog.text


def test_committed_ranking_matches_the_committed_corpus(corpus, index_dir, tmp_path):
    """`assistant corpus train` was run after the last change to corpus/."""
    retriever = Retriever.load(corpus, RetrievalSettings(index_dir=index_dir, training_qa=tmp_path / "absent.jsonl"))
    assert retriever.learned is not None, "corpus/ranker.npz does not match the corpus: run `assistant corpus train`"
    assert retriever.learned.origin == CORPUS_DIR / RANKER_FILE
    assert (CORPUS_DIR / RANKER_FILE).stat().st_size < 4_000_000
    vectors = retriever.learned.stored.vectors
    assert vectors.shape[1] == 384 and np.isfinite(vectors).all()


# -- `assistant eval retrieval` per part ----------------------------------------------------

def test_eval_reports_each_part_and_the_off_topic_rate(trained_corpus, slice_items, index_dir, tmp_path):
    root, corpus_dir, qa = trained_corpus
    config = tmp_path / "assistant.toml"
    config.write_text(f'[corpus]\ndir = "{corpus_dir}"\n[retrieval]\nindex_dir = "{index_dir}"\n'
                      f'training_qa = "{qa}"\n', encoding="utf-8")
    off_topic = tmp_path / "off.jsonl"
    off_topic.write_text('{"text": "오늘 날씨 어때요"}\n{"text": "기초연금 신청하고 싶어요"}\n', encoding="utf-8")
    # A third of the slice: every question asked is encoded, and the figures' bookkeeping needs no more.
    asked_items = slice_items[::3]
    assert unseen_part(asked_items) and training_part(asked_items)
    asked = tmp_path / "asked.jsonl"
    write_qa(asked, asked_items)
    figures = {}
    for part in ("train", "unseen"):
        result = CliRunner().invoke(main, ["--config", str(config), "eval", "retrieval", "--qa", str(asked),
                                           "--part", part, "--off-topic", str(off_topic), "--json"])
        assert result.exit_code == 0, result.output
        figures[part] = json.loads(result.output.strip().splitlines()[-1])
    assert figures["train"]["n"] + figures["unseen"]["n"] == len(asked_items)
    assert figures["unseen"]["n"] == len(unseen_part(asked_items))
    for part in figures.values():
        assert part["learned"] is True
        assert 0 <= part["clarify_rate"] <= 1 and 0 <= part["confident_precision"] <= 1
        assert part["off_topic_n"] == 2 and part["off_topic_rate"] == 0.5
