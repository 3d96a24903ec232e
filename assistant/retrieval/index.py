"""BM25F index over the corpus, persisted next to a fingerprint of what built it.

Each service is one document made of fields that count differently: a word
in the program's name says more about what the program is than the same word
in a long note. BM25F normalizes each field by its own length before
weighting and summing them, so a name match is not diluted by a long
eligibility text. With one field it is exactly BM25 (rank-bm25's BM25Okapi,
which also supplies the idf).

Two views of the same fields are scored: the analyzer's tokens, and the
character bigrams of those tokens. The second matches words that share a
stem but not a morpheme ("표지판" and "표지", "장애" and "장애인") and
compounds Kiwi splits differently in a record and in a question. A third
feature rewards a question that contains much of a service's name (the share
of the name's idf-weighted character bigrams it covers), and a fourth a
service that contains much of the question (the share of the question's
idf-weighted character bigrams found in any of its fields): a service that
matches most of what was asked beats one that matches a single strong word.

Scoring loops over no document: the per-term weights are precomputed once
into sparse document×term matrices, and a query sums a few of their columns.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rank_bm25 import BM25Okapi

from ..corpus.schema import Service
from ..corpus.store import Corpus
from ..files import atomic_write
from .analyzer import Analyzer

log = logging.getLogger(__name__)

# Bump when the document layout or the stored format changes.
INDEX_VERSION = "5"

FIELDS = ("name", "summary", "eligibility", "benefit", "how_to_apply", "other", "targets")


def field_texts(service: Service) -> tuple[str, ...]:
    """The text of each of `FIELDS`."""
    other = [service.notes, *(f"{f.question}\n{f.answer}" for f in service.faq),
             *(c.organization for c in service.contacts), service.category or ""]
    return ("\n".join((service.name, *service.aliases)), service.summary, service.eligibility,
            service.benefit, service.how_to_apply, "\n".join(other), " ".join(service.targets))


def char_bigrams(tokens: list[str]) -> list[str]:
    """The character bigrams of each token; numbers with units stay whole
    tokens only, since "65세" and "56세" share nothing meaningful."""
    return [t[i:i + 2] for t in tokens if not t[0].isdigit() for i in range(len(t) - 1)]


def bigram_query(query: dict[str, float]) -> dict[str, float]:
    """The query's terms as character bigrams, each with its term's weight."""
    bigrams: dict[str, float] = {}
    for term, weight in query.items():
        for bigram in char_bigrams([term]):
            bigrams[bigram] = bigrams.get(bigram, 0.0) + weight
    return bigrams


@dataclass(frozen=True)
class IndexParams:
    """How fields are weighted and normalized and the views combined; part of
    the index fingerprint. Chosen on half of the development questions (see
    docs/retrieval.md)."""

    k1: float = 2.0
    weights: dict[str, float] = field(default_factory=lambda: {
        "name": 8.0, "summary": 2.0, "eligibility": 2.0, "benefit": 1.0,
        "how_to_apply": 1.0, "other": 1.0, "targets": 1.0})
    # Length normalization per field: 0 none, 1 full.
    b: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0.75))
    # Weight of the character-bigram view against the token view, each
    # scaled to its best document first.
    bigram_weight: float = 1.5
    # Weight of the share of a service's name (idf-weighted character
    # bigrams) that the question contains.
    name_coverage_weight: float = 0.6
    # Weight of the share of the question (idf-weighted character bigrams)
    # that a service contains in any field.
    query_coverage_weight: float = 0.6


class TermMatrix:
    """Documents × terms weights of one view (BM25F, or name coverage); a
    query's score sums the columns of its terms."""

    def __init__(self, vocabulary: dict[str, int], matrix: sp.csc_matrix, idf: dict[str, float] | None = None):
        self.vocabulary = vocabulary
        self.matrix = matrix
        self.idf = idf or {}  # known when built, not stored

    @classmethod
    def build(cls, fields: list[list[list[str]]], params: IndexParams) -> TermMatrix:
        """`fields`: for each document, the terms of each of `FIELDS`."""
        weighted = [f for f, name in enumerate(FIELDS) if params.weights[name]]
        idf = BM25Okapi([[t for f in weighted for t in doc[f]] for doc in fields]).idf
        terms = sorted(idf)
        vocabulary = {term: i for i, term in enumerate(terms)}
        shape = (len(fields), len(vocabulary))
        # Sum over fields of weight × tf / (the field's length normalization) ...
        tf = sp.csr_matrix(shape, dtype=np.float64)
        for f in weighted:
            name = FIELDS[f]
            lengths = np.array([len(doc[f]) for doc in fields], dtype=np.float64)
            b = params.b[name]
            norm = np.maximum(1 - b + b * lengths / max(lengths.mean(), 1e-9), 1e-9)
            tf = tf + sp.diags(params.weights[name] / norm) @ _term_counts([doc[f] for doc in fields],
                                                                           vocabulary, shape)
        # ... then one saturation, and the idf.
        tf.data = tf.data * (params.k1 + 1) / (params.k1 + tf.data)
        idf_row = np.array([idf[t] for t in terms], dtype=np.float64)
        return cls(vocabulary, (tf @ sp.diags(idf_row)).astype(np.float32).tocsc(), idf)

    def coverage(self, documents: list[list[str]]) -> TermMatrix:
        """For each document (its name, in practice), the share of its idf
        mass each of its terms carries: summed over a query's distinct terms,
        how much of the name the query covers, 0..1."""
        rows, cols, shares = [], [], []
        for row, terms in enumerate(documents):
            known = {t: max(self.idf[t], 1e-3) for t in set(terms) if t in self.vocabulary}
            total = sum(known.values())
            for term, weight in known.items():
                rows.append(row)
                cols.append(self.vocabulary[term])
                shares.append(weight / total)
        shape = (len(documents), len(self.vocabulary))
        return TermMatrix(self.vocabulary, sp.csc_matrix((shares, (rows, cols)), shape=shape, dtype=np.float32))

    def presence(self, documents: list[list[str]]) -> TermMatrix:
        """For each document (all its fields, in practice), the idf of each
        term it contains: a query's distinct terms summed, divided by their
        total idf (`covered_share`), is the share of the query the document
        covers, 0..1."""
        rows, cols, weights = [], [], []
        for row, terms in enumerate(documents):
            for term in set(terms) & self.vocabulary.keys():
                rows.append(row)
                cols.append(self.vocabulary[term])
                weights.append(max(self.idf[term], 1e-3))
        shape = (len(documents), len(self.vocabulary))
        return TermMatrix(self.vocabulary, sp.csc_matrix((weights, (rows, cols)), shape=shape, dtype=np.float32))

    def covered_share(self, terms) -> np.ndarray:
        """For a `presence` matrix: the idf-weighted share of the distinct
        `terms` (those in the vocabulary) each document contains."""
        columns = [self.vocabulary[t] for t in set(terms) if t in self.vocabulary]
        if not columns:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        present = self.matrix[:, columns]
        # Every term of the vocabulary occurs in some document, so a column's
        # maximum is that term's idf.
        total = float(present.max(axis=0).sum())
        return np.asarray(present.sum(axis=1)).ravel() / total

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Score of every document for weighted query terms (a term asked
        twice has weight 2)."""
        known = [(self.vocabulary[t], w) for t, w in query.items() if t in self.vocabulary]
        if not known:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        columns, weights = zip(*known)
        return np.asarray(self.matrix[:, list(columns)] @ np.array(weights, dtype=np.float32)).ravel()


class BM25Index:
    META_FILE = "index.json"
    VIEWS = ("tokens", "bigrams", "name_coverage", "query_coverage")

    def __init__(self, ids: list[str], views: dict[str, TermMatrix], params: IndexParams, fingerprint: str):
        self.ids = ids
        self.views = views
        self.params = params
        self.fingerprint = fingerprint

    @staticmethod
    def fingerprint_of(corpus: Corpus, analyzer: Analyzer, params: IndexParams) -> str:
        key = json.dumps([INDEX_VERSION, corpus.fingerprint, analyzer.fingerprint, asdict(params)],
                         sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @classmethod
    def build(cls, corpus: Corpus, analyzer: Analyzer, params: IndexParams = IndexParams()) -> BM25Index:
        fields = analyze_fields(corpus.services, analyzer)
        bigram_fields = [[char_bigrams(f) for f in doc] for doc in fields]
        bigrams = TermMatrix.build(bigram_fields, params)
        views = {
            "tokens": TermMatrix.build(fields, params),
            "bigrams": bigrams,
            "name_coverage": bigrams.coverage([doc[FIELDS.index("name")] for doc in bigram_fields]),
            "query_coverage": bigrams.presence([[t for f in doc for t in f] for doc in bigram_fields]),
        }
        return cls([s.id for s in corpus.services], views, params, cls.fingerprint_of(corpus, analyzer, params))

    # -- persistence ------------------------------------------------------------

    @classmethod
    def load_or_build(cls, corpus: Corpus, analyzer: Analyzer, index_dir: Path,
                      params: IndexParams = IndexParams()) -> BM25Index:
        """The persisted index if it was built from this corpus, analyzer and
        parameters; otherwise a new one, persisted for next time."""
        fingerprint = cls.fingerprint_of(corpus, analyzer, params)
        stored = cls.load(index_dir, params, fingerprint)
        if stored is not None:
            return stored
        started = time.perf_counter()
        index = cls.build(corpus, analyzer, params)
        log.info("built the retrieval index over %d services in %.1f s", len(index.ids),
                 time.perf_counter() - started)
        try:
            index.save(index_dir)
        except OSError as err:  # a read-only install still serves, only slower to start
            log.warning("could not persist the retrieval index in %s: %s", index_dir, err)
        return index

    @classmethod
    def load(cls, index_dir: Path, params: IndexParams = IndexParams(),
             fingerprint: str | None = None) -> BM25Index | None:
        """The index stored in `index_dir`, or None if there is none usable
        (or, given a `fingerprint`, none built with it: an index of an older
        layout is then replaced without a warning)."""
        try:
            meta = json.loads((index_dir / cls.META_FILE).read_text(encoding="utf-8"))
            if fingerprint is not None and meta["fingerprint"] != fingerprint:
                return None
            views = {}
            for view in cls.VIEWS:
                terms = meta["terms"][view]
                matrix = sp.load_npz(index_dir / f"{view}.npz").tocsc()
                if matrix.shape != (len(meta["ids"]), len(terms)):
                    raise ValueError(f"{view}.npz does not match {cls.META_FILE}")
                views[view] = TermMatrix(dict(zip(terms, range(len(terms)))), matrix)
            return cls(meta["ids"], views, params, meta["fingerprint"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            if not isinstance(err, FileNotFoundError):
                log.warning("ignoring the unreadable index in %s: %s", index_dir, err)
            return None

    def save(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        terms = {name: sorted(view.vocabulary, key=view.vocabulary.__getitem__) for name, view in self.views.items()}
        meta = {"fingerprint": self.fingerprint, "ids": self.ids, "terms": terms}
        # Matrices first and the metadata (holding the fingerprint) last, each
        # by rename: a crash never leaves a mismatched set that passes the
        # fingerprint check.
        for name, view in self.views.items():
            atomic_write(index_dir / f"{name}.npz", functools.partial(sp.save_npz, matrix=view.matrix))
        atomic_write(index_dir / self.META_FILE, lambda f: f.write(json.dumps(meta, ensure_ascii=False).encode()))


def analyze_fields(services, analyzer: Analyzer) -> list[list[list[str]]]:
    """For each service, the tokens of each of `FIELDS`."""
    texts = [field_texts(s) for s in services]
    analyzed = iter(analyzer.analyze_many([t for doc in texts for t in doc]))
    return [[next(analyzed) for _ in FIELDS] for _ in texts]


def scaled(scores: np.ndarray) -> np.ndarray:
    top = scores.max(initial=0.0)
    return scores / top if top > 0 else scores


def _term_counts(documents: list[list[str]], vocabulary: dict[str, int], shape) -> sp.csr_matrix:
    rows, cols, counts = [], [], []
    for row, tokens in enumerate(documents):
        for term, count in Counter(tokens).items():
            rows.append(row)
            cols.append(vocabulary[term])
            counts.append(count)
    return sp.csr_matrix((counts, (rows, cols)), shape=shape, dtype=np.float64)
