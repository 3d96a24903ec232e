"""BM25 index over the corpus, persisted next to a fingerprint of what built it.

Each service is one document whose fields count with different weights: a
word in the program's name says more about what the program is than the same
word in a long note. Weighting repeats a field's tokens (BM25F with one length
normalization for the whole document).

rank-bm25 computes the statistics (term frequencies, idf, lengths); its own
scoring loops in Python over every document for every query term, so the
per-term BM25 weights are precomputed once into a sparse document×term matrix
with the same formula, and a query is a sum of a few of its columns.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rank_bm25 import BM25Okapi

from ..corpus.schema import Service
from ..corpus.store import Corpus
from ..text.analyzer import Analyzer

log = logging.getLogger(__name__)

# Bump when the document layout or the stored format changes.
INDEX_VERSION = "1"


@dataclass(frozen=True)
class IndexParams:
    """How documents are made and weighted; part of the index fingerprint."""

    k1: float = 1.2
    b: float = 0.75
    name: int = 3
    aliases: int = 3
    summary: int = 2
    eligibility: int = 2
    benefit: int = 1
    how_to_apply: int = 1
    notes: int = 1
    faq: int = 1
    targets: int = 1

    def fields(self, service: Service) -> list[tuple[str, int]]:
        """(text, weight) for each field of the document."""
        return [
            (service.name, self.name),
            ("\n".join(service.aliases), self.aliases),
            (service.summary, self.summary),
            (service.eligibility, self.eligibility),
            (service.benefit, self.benefit),
            (service.how_to_apply, self.how_to_apply),
            (service.notes, self.notes),
            ("\n".join(f"{f.question}\n{f.answer}" for f in service.faq), self.faq),
            (" ".join(service.targets), self.targets),
        ]


class BM25Index:
    """Documents × terms BM25 weights; `scores(tokens)` equals rank-bm25's
    `BM25Okapi.get_scores(tokens)` on the same documents."""

    MATRIX_FILE = "bm25.npz"
    META_FILE = "index.json"

    def __init__(self, ids: list[str], vocabulary: dict[str, int], matrix: sp.csc_matrix, fingerprint: str):
        self.ids = ids
        self.vocabulary = vocabulary
        self.matrix = matrix
        self.fingerprint = fingerprint

    # -- building -------------------------------------------------------------

    @staticmethod
    def fingerprint_of(corpus: Corpus, analyzer: Analyzer, params: IndexParams) -> str:
        key = json.dumps([INDEX_VERSION, corpus.fingerprint, analyzer.fingerprint, params.__dict__])
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @classmethod
    def build(cls, corpus: Corpus, analyzer: Analyzer, params: IndexParams = IndexParams()) -> BM25Index:
        documents = document_tokens(corpus.services, analyzer, params)
        bm25 = BM25Okapi(documents, k1=params.k1, b=params.b)
        vocabulary = {term: i for i, term in enumerate(sorted(bm25.idf))}
        rows, cols, weights = [], [], []
        for doc, (freqs, length) in enumerate(zip(bm25.doc_freqs, bm25.doc_len)):
            norm = params.k1 * (1 - params.b + params.b * length / bm25.avgdl)
            for term, tf in freqs.items():
                rows.append(doc)
                cols.append(vocabulary[term])
                weights.append(bm25.idf[term] * tf * (params.k1 + 1) / (tf + norm))
        matrix = sp.csc_matrix((np.array(weights, dtype=np.float32), (rows, cols)),
                               shape=(len(documents), len(vocabulary)))
        return cls([s.id for s in corpus.services], vocabulary, matrix,
                   cls.fingerprint_of(corpus, analyzer, params))

    # -- persistence ------------------------------------------------------------

    @classmethod
    def load_or_build(cls, corpus: Corpus, analyzer: Analyzer, index_dir: Path,
                      params: IndexParams = IndexParams()) -> BM25Index:
        """The persisted index if it was built from this corpus, analyzer and
        parameters; otherwise a new one, persisted for next time."""
        fingerprint = cls.fingerprint_of(corpus, analyzer, params)
        stored = cls.load(index_dir)
        if stored is not None and stored.fingerprint == fingerprint:
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
    def load(cls, index_dir: Path) -> BM25Index | None:
        """The index stored in `index_dir`, or None if there is none usable."""
        try:
            meta = json.loads((index_dir / cls.META_FILE).read_text(encoding="utf-8"))
            matrix = sp.load_npz(index_dir / cls.MATRIX_FILE).tocsc()
            terms = meta["terms"]
            return cls(meta["ids"], dict(zip(terms, range(len(terms)))), matrix, meta["fingerprint"])
        except (OSError, ValueError, KeyError) as err:
            if not isinstance(err, FileNotFoundError):
                log.warning("ignoring the unreadable index in %s: %s", index_dir, err)
            return None

    def save(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = {"fingerprint": self.fingerprint, "ids": self.ids, "terms": terms}
        # The matrix goes first and the metadata (holding the fingerprint)
        # last, each by rename: a crash never leaves a mismatched pair that
        # passes the fingerprint check.
        _atomic_write(index_dir / self.MATRIX_FILE, lambda f: sp.save_npz(f, self.matrix.tocsr()))
        _atomic_write(index_dir / self.META_FILE,
                      lambda f: f.write(json.dumps(meta, ensure_ascii=False).encode()))

    # -- scoring ----------------------------------------------------------------

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document; a repeated query token counts again."""
        columns = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        if not columns:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.matrix[:, columns].sum(axis=1)).ravel()


def document_tokens(services, analyzer: Analyzer, params: IndexParams) -> list[list[str]]:
    fields = [params.fields(s) for s in services]
    texts = [text for doc in fields for text, weight in doc if weight]
    analyzed = iter(analyzer.analyze_many(texts))
    documents = []
    for doc in fields:
        tokens: list[str] = []
        for _, weight in ((t, w) for t, w in doc if w):
            tokens += next(analyzed) * weight
        documents.append(tokens)
    return documents


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
