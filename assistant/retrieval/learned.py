"""The learned ranking: what labeled questions teach about which service is meant.

`assistant corpus train` (see `training.py`) learns from the training part of
the labeled questions (`evaluation/split.py`) and stores the result with the
corpus (`corpus/ranker.npz`). Three things are learned:

- Asked questions as a field of their service (document expansion): the
  words of the training questions about a service form one more field, scored
  by BM25 on its own, and their sentence vectors are a second set of
  "passages": a question close to questions asked about a service is likely
  about it too.
- A ranker (LightGBM, lambdarank) over the hand-set fusion's best candidates:
  it weighs every signal (token and bigram BM25F, name and query coverage,
  closeness to the passages and to the asked questions, the hand-set score,
  locale) for each candidate and against the other candidates.
- A confidence: the probability that the first service is right, from the
  ranker's margin and how well the question matched (a logistic fit on the
  ranker's out-of-fold scores of the training part).
- An off-topic test: a question farther in meaning from every asked question
  and every passage than 99 % of the training questions is about something
  else ("이번 주말에 미술관 갈까요?") and finds nothing.

The file holds a fingerprint of the index (corpus, analyzer and index
parameters) and the encoder it was trained with. When they differ (the
corpus was edited), it is trained again into the index folder from
`retrieval.training_qa` when that file is there; otherwise the hand-set
fusion ranks alone, and a warning says to run `assistant corpus train`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import RetrievalSettings
from ..corpus.schema import Service
from ..files import atomic_write
from .index import FIELDS, IndexParams, TermMatrix, scaled

if TYPE_CHECKING:
    import lightgbm

    from .retriever import Retriever

log = logging.getLogger(__name__)

RANKER_FILE = "ranker.npz"
# Bump when the features, the stored format or the training change.
LEARNED_VERSION = "3"
# The ranker reorders this many of the first stage's best services: the
# wanted one is among them for 99 % of the training questions.
DEPTH = 40
# The first stage adds the asked field's two scores to the hand-set fusion,
# as the fusion adds the passages' closeness (see `retriever.py`).
ASKED_CLOSENESS_WEIGHT = 1.0
ASKED_CLOSENESS_TEMPERATURE = 0.03
ASKED_WORDS_WEIGHT = 0.3

FEATURES = ("tokens", "bigrams", "name_coverage", "query_coverage", "closeness", "closeness_gap",
            "asked_closeness", "asked_closeness_gap", "asked_words", "asked_words_raw", "fused",
            "first_stage", "first_stage_rank", "fused_rank", "locale", "scope", "delivers", "strength",
            "query_terms", "best_closeness")
CONFIDENCE_FEATURES = ("margin", "best", "log_strength", "best_closeness", "best_asked_closeness",
                       "first_name_coverage", "first_hand_set_share", "hand_set_runner_up")
# Columns of a candidate's feature row the confidence reads.
_NAME_COVERAGE, _HAND_SET_SHARE = FEATURES.index("name_coverage"), FEATURES.index("fused")


@dataclass(frozen=True)
class Signals:
    """What the retriever measured of one question, per service in index order."""

    terms: dict[str, float]  # the expanded query terms and their weights
    tokens: np.ndarray  # token-view BM25F, scaled to the best service
    bigrams: np.ndarray  # character-bigram view, scaled
    name_coverage: np.ndarray
    query_coverage: np.ndarray
    strength: float  # the best token-view BM25F score: how strongly the question matched at all
    closeness: np.ndarray | None  # cosine to each service's closest passage; None without the encoder
    query_vector: np.ndarray | None


@dataclass(frozen=True)
class Reranked:
    scores: np.ndarray  # per service; 0 for those not among the candidates
    confidence: float


# The training questions' sentence vectors are stored at half precision (half the file).
STORED_VECTOR_DTYPE = np.float16


def at_stored_precision(vector: np.ndarray) -> np.ndarray:
    """`vector` as it reads back from a stored ranker: a training that encodes a question
    and one that reuses its stored vector then see the same numbers, and rank alike."""
    return vector.astype(STORED_VECTOR_DTYPE).astype(np.float32)


def question_key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class AskedField:
    """Training questions as one more field of the service they are about."""

    def __init__(self, services: list[Service], owners: list[str], tokens: list[list[str]], vectors: np.ndarray):
        position = {s.id: n for n, s in enumerate(services)}
        known = [n for n, owner in enumerate(owners) if owner in position]
        rows = np.array([position[owners[n]] for n in known], dtype=np.int64)
        documents: list[list[str]] = [[] for _ in services]
        for n, row in zip(known, rows):
            documents[row].extend(tokens[n])
        # One field, so BM25F is plain BM25 over each service's asked words.
        params = IndexParams(weights={f: float(f == "summary") for f in FIELDS})
        self.words = TermMatrix.build([[d if f == "summary" else [] for f in FIELDS] for d in documents], params)
        # Vectors grouped by service, so a service's closeness is a reduceat.
        order = np.argsort(rows, kind="stable")
        self._vectors = vectors[known][order].astype(np.float32)
        self._rows = rows[order]
        self._present, self._starts = np.unique(self._rows, return_index=True)
        self.size = len(services)

    def scores(self, signals: Signals) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 of the question's terms over each service's asked words,
        cosine to each service's closest asked question; -1 when none)."""
        words = self.words.scores(signals.terms)
        closeness = np.full(self.size, -1.0, dtype=np.float32)
        if signals.query_vector is not None and len(self._rows):
            closeness[self._present] = np.maximum.reduceat(self._vectors @ signals.query_vector, self._starts)
        return words, closeness


class Features:
    """Per-candidate features of a question, shared by training and serving
    so that both see exactly the same numbers."""

    def __init__(self, services: list[Service]):
        self.locale_scope = np.array([{"전국": 0, "광역": 1, "기초": 2}[s.region.scope] for s in services],
                                     dtype=np.float32)
        self.delivers = np.array([bool(s.delivers) for s in services], dtype=np.float32)

    def candidates(self, signals: Signals, asked: AskedField, fused: np.ndarray,
                   arranged: Callable[[np.ndarray], np.ndarray], locale: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray] | None:
        """(positions of the candidates, best first by the first stage; their
        feature rows), or None when nothing matched."""
        assert signals.closeness is not None
        words_raw, asked_closeness = asked.scores(signals)
        words = scaled(words_raw)
        asked_term = ASKED_CLOSENESS_WEIGHT * np.exp(
            (asked_closeness - asked_closeness.max()) / ASKED_CLOSENESS_TEMPERATURE)
        base = arranged(fused)
        first = arranged(fused + asked_term + ASKED_WORDS_WEIGHT * words)
        order = np.argsort(-first, kind="stable")[:DEPTH]
        order = order[first[order] > 0]
        if not len(order) or base.max() <= 0:
            return None
        closeness = signals.closeness
        count = len(order)
        columns = [
            signals.tokens[order], signals.bigrams[order], signals.name_coverage[order],
            signals.query_coverage[order], closeness[order], closeness[order] - closeness.max(),
            asked_closeness[order], asked_closeness[order] - asked_closeness.max(), words[order], words_raw[order],
            base[order] / base.max(), first[order] / first[order[0]], np.arange(count),
            np.argsort(np.argsort(-base[order], kind="stable"), kind="stable"),
            locale[order], self.locale_scope[order], self.delivers[order],
            np.full(count, signals.strength), np.full(count, len(signals.terms)), np.full(count, closeness.max()),
        ]
        return order, np.stack(columns, axis=1).astype(np.float32)


def confidence_inputs(raw: np.ndarray, rows: np.ndarray, signals: Signals, asked_best: float) -> np.ndarray:
    """Inputs of the confidence (`CONFIDENCE_FEATURES`) from the ranker's raw
    scores of the candidates and their feature rows (both in candidate
    order). Besides the ranker's own margin: how much of the first service's
    name the question says, and whether the hand-set fusion agrees (the
    first's share of the fusion's best; the best share among the others): a
    question that names a service rarely asked about is still sure."""
    ranked = np.argsort(-raw, kind="stable")
    best = raw[ranked]
    margin = float(best[0] - best[1]) if len(best) > 1 else 5.0
    shares = rows[ranked, _HAND_SET_SHARE]
    runner_up = float(shares[1:].max()) if len(shares) > 1 else 0.0
    assert signals.closeness is not None
    return np.array([margin, float(best[0]), np.log1p(signals.strength), float(signals.closeness.max()),
                     asked_best, float(rows[ranked[0], _NAME_COVERAGE]), float(shares[0]), runner_up],
                    dtype=np.float64)


class LearnedRanker:
    def __init__(self, meta: dict, booster: lightgbm.Booster, asked: AskedField, features: Features,
                 stored: StoredQuestions, origin: Path | None = None):
        self.meta = meta
        # The file it was read from; None when trained in this process.
        self.origin = origin
        self.booster = booster
        self.asked = asked
        self.features = features
        self.stored = stored
        self._confidence = np.array(meta["confidence"]["coefficients"], dtype=np.float64)
        self._intercept = float(meta["confidence"]["intercept"])

    @property
    def fingerprint(self) -> str:
        return self.meta["fingerprint"]

    def rerank(self, signals: Signals, fused: np.ndarray, arranged: Callable[[np.ndarray], np.ndarray],
               locale: np.ndarray) -> Reranked | None:
        found = self.features.candidates(signals, self.asked, fused, arranged, locale)
        if found is None:
            return None
        order, rows = found
        _, asked_closeness = self.asked.scores(signals)
        assert signals.closeness is not None
        if asked_closeness.max() + signals.closeness.max() < self.meta["off_topic_below"]:
            # Farther in meaning from every asked question and passage than
            # 99 % of the welfare questions: about something else.
            return Reranked(np.zeros(self.asked.size, dtype=np.float32), 0.0)
        raw = np.asarray(self.booster.predict(rows, num_threads=1), dtype=np.float64)
        scores = np.zeros(self.asked.size, dtype=np.float32)
        # Positive scores, the best 1, so hits keep "score > 0 means found".
        scores[order] = np.exp(raw - raw.max()) + 1e-6
        inputs = confidence_inputs(raw, rows, signals, float(asked_closeness.max()))
        logit = float(inputs @ self._confidence + self._intercept)
        return Reranked(scores, round(float(1 / (1 + np.exp(-logit))), 3))

    # -- persistence ------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = self.stored
        arrays: dict[str, Any] = {
            "meta": np.array(json.dumps(self.meta, ensure_ascii=False, sort_keys=True)),
            "model": np.array(self.booster.model_to_string()),
            "keys": np.array(stored.keys),
            "owners": np.array(stored.owners),
            "tokens": np.array(json.dumps(stored.tokens, ensure_ascii=False)),
            "vectors": stored.vectors.astype(STORED_VECTOR_DTYPE),
        }
        atomic_write(path, lambda f: np.savez_compressed(f, **arrays))


@dataclass(frozen=True)
class StoredQuestions:
    """The training questions as the ranker keeps them: no text, only a key
    (to reuse the vector when training again), the service, the analyzed
    words and the sentence vector."""

    keys: list[str]
    owners: list[str]
    tokens: list[list[str]]
    vectors: np.ndarray


def read_ranker(path: Path, services: list[Service]) -> LearnedRanker | None:
    """The ranker stored in `path`, or None (a missing file silently, an
    unreadable one with a warning)."""
    import lightgbm

    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            questions = StoredQuestions(stored["keys"].tolist(), stored["owners"].tolist(),
                                        json.loads(str(stored["tokens"])), stored["vectors"].astype(np.float32))
            booster = lightgbm.Booster(model_str=str(stored["model"]))
        if meta.get("version") != LEARNED_VERSION or booster.num_feature() != len(FEATURES):
            log.info("ignoring %s: a learned ranking of another version", path)
            return None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, lightgbm.basic.LightGBMError) as err:
        log.warning("ignoring the unreadable learned ranking in %s: %s", path, err)
        return None
    asked = AskedField(services, questions.owners, questions.tokens, questions.vectors)
    return LearnedRanker(meta, booster, asked, Features(services), questions, path)


def fingerprint_of(retriever: Retriever) -> str:
    assert retriever.semantic is not None
    key = json.dumps([LEARNED_VERSION, retriever.index.fingerprint, retriever.semantic.encoder.model_id])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def load_learned(retriever: Retriever, corpus_dir: Path | None, settings: RetrievalSettings) -> LearnedRanker | None:
    """The learned ranking stored with the corpus (or cached in the index
    folder) when it was trained for this corpus, analyzer and encoder;
    otherwise one trained now from `settings.training_qa` (cached), or none."""
    if not settings.learned:
        return None
    expected = fingerprint_of(retriever)
    paths = [p for p in (corpus_dir / RANKER_FILE if corpus_dir else None, settings.index_dir / RANKER_FILE) if p]
    stale = None
    for path in paths:
        ranker = read_ranker(path, retriever.services)
        if ranker is not None and ranker.fingerprint == expected:
            return ranker
        stale = stale or ranker
    why = (f"the learned ranking in {stale.origin} was trained for another version of the corpus" if stale
           else f"no learned ranking is stored with the corpus ({paths[0]})")
    if not settings.training_qa.exists():
        log.warning("%s and the labeled questions to train it (retrieval.training_qa = %s) are not here: "
                    "ranking by the hand-set fusion alone. Run `assistant corpus train`.", why, settings.training_qa)
        return None
    from ..evaluation.retrieval import QAFileError, read_qa
    from .training import train_ranker

    log.warning("%s: training it again from the training part of %s (run `assistant corpus train` "
                "to store it with the corpus)", why, settings.training_qa)
    started = time.perf_counter()
    try:
        ranker = train_ranker(retriever, read_qa(settings.training_qa), stale.stored if stale else None)
    except QAFileError as err:
        log.warning("cannot train the learned ranking, ranking by the hand-set fusion alone: %s", err)
        return None
    log.info("trained the learned ranking in %.1f s", time.perf_counter() - started)
    try:
        ranker.save(settings.index_dir / RANKER_FILE)
    except OSError as err:
        log.warning("could not cache the learned ranking in %s: %s", settings.index_dir, err)
    return ranker



def learned_status(settings: RetrievalSettings, corpus_dir: Path) -> str:
    """One line for `assistant models status` (whether the stored ranking
    fits this corpus is checked when the retriever loads)."""
    if not settings.learned:
        return "off (retrieval.learned = false): the hand-set fusion ranks"
    path = corpus_dir / RANKER_FILE
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
    except FileNotFoundError:
        return f"none stored ({path}): trained at load from retrieval.training_qa if it is there"
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        return f"unreadable ({path}: {err}): run `assistant corpus train`"
    if meta.get("version") != LEARNED_VERSION:
        return f"{path} is of another version: trained again at load; run `assistant corpus train`"
    training = meta["training"]
    return (f"LightGBM over {training['used']} labeled questions ({path.name}; out-of-fold hit@1 "
            f"{training['out_of_fold_hit@1']:.3f})")
