"""From a resident's question to ranked services, with a confidence signal.

The ranking is BM25F (see `index.py`) over the analyzed and expanded question
(`expansion.py`), plus how close in meaning the question is to each service
(`semantic.py`), then a locale preference: among services that answer about
equally well, the kiosk's own municipality comes first, then its province,
then national programs; services of other municipalities or provinces come
last. The preference multiplies scores by a few percent, so it reorders
near-ties but does not lift a service that does not answer the question above
one that does.

A local service that delivers a national program (`delivers`) answers every
question the national program answers, so it ranks at least as high.

When a learned ranking is stored with the corpus (`assistant corpus train`,
see `learned.py`), it reorders the best candidates of that hand-set fusion
and gives the confidence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..config import RetrievalSettings
from ..corpus.schema import Service
from ..corpus.store import Corpus
from .analyzer import Analyzer, default_analyzer
from .expansion import coverage_terms, expand
from .index import BM25Index, bigram_query, char_bigrams, scaled
from .learned import LearnedRanker, Signals, load_learned
from .semantic import SemanticIndex, load_encoder

# Score multipliers by where a service applies, relative to a national one.
LOCALE_BOOST = 1.10
PROVINCE_BOOST = 1.05
ELSEWHERE_PENALTY = 0.5
# The semantic score of a service is exp((its closeness - the closest's) /
# temperature): 1 for the closest service, falling fast for the others, so
# only services about as close as the best gain much. Its weight is against
# the lexical score, whose best is about 3. Chosen with the index parameters.
SEMANTIC_WEIGHT = 2.5
SEMANTIC_TEMPERATURE = 0.03


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]
    # 0..1; below `RetrievalSettings.min_confidence` the top hit is more
    # often wrong than right, and the caller should ask which service is meant.
    confidence: float


def normalize_name(name: str) -> str:
    """A program name compared regardless of spacing, punctuation and width."""
    return re.sub(r"[^\w]", "", unicodedata.normalize("NFKC", name)).replace("_", "").lower()


class Retriever:
    def __init__(self, corpus: Corpus, settings: RetrievalSettings, index: BM25Index, analyzer: Analyzer):
        by_id = corpus.by_id()
        self.settings = settings
        self.analyzer = analyzer
        self.index = index
        self.services = [by_id[i] for i in index.ids]
        # Set by `load` when semantic ranking is on and the encoder runs here.
        self.semantic: SemanticIndex | None = None
        # Set by `load` when a learned ranking matches this corpus.
        self.learned: LearnedRanker | None = None
        self._locale_weight = np.array([self._locale_factor(s) for s in self.services], dtype=np.float32)
        position = {sid: n for n, sid in enumerate(index.ids)}
        # (local position, national position) for each delivery link.
        self._deliveries = np.array([(position[s.id], position[d]) for s in self.services
                                     for d in s.delivers if d in position], dtype=np.int64).reshape(-1, 2)
        self._by_name: dict[str, set[str]] = {}
        for service in self.services:
            for name in (service.name, *service.aliases):
                self._by_name.setdefault(normalize_name(name), set()).add(service.id)
        self._deliverers: dict[str, set[str]] = {}
        for service in self.services:
            for national in service.delivers:
                self._deliverers.setdefault(national, set()).add(service.id)

    @classmethod
    def load(cls, corpus: Corpus, settings: RetrievalSettings) -> Retriever:
        """The persisted index when it matches this corpus and analyzer;
        otherwise one built now (a few seconds) and persisted. Kiwi's model
        and the sentence encoder are loaded here too, so the first question
        does not wait for them."""
        analyzer = default_analyzer()
        analyzer.analyze("복지 서비스")
        retriever = cls(corpus, settings, BM25Index.load_or_build(corpus, analyzer, settings.index_dir), analyzer)
        if settings.semantic and (encoder := load_encoder()) is not None:
            retriever.semantic = SemanticIndex.load(retriever.services, encoder, corpus.directory,
                                                    settings.index_dir)
            retriever.semantic.closeness("복지 서비스")
            retriever.learned = load_learned(retriever, corpus.directory, settings)
        return retriever

    # -- search ---------------------------------------------------------------

    def search(self, query: str, k: int | None = None) -> SearchResult:
        k = k or self.settings.top_k
        scores, confidence_of = self.rank(self.signals(query))
        ranked = np.argsort(-scores, kind="stable")
        hits = [Hit(self.services[i], float(scores[i])) for i in ranked[:k] if scores[i] > 0]
        # From the whole ranking whatever `k` is: with k = 1 the margin to an
        # unseen second would look complete.
        return SearchResult(query, hits, confidence_of(ranked) if hits else 0.0)

    def hand_set_scores(self, query: str) -> np.ndarray:
        """Every service's hand-set score for `query` (index order, never
        negative, 0 = no shared word): the scale counseling weighs needs on.
        The learned ranker's scores have no fixed zero, so they cannot serve."""
        return self.arranged(self.fused(self.signals(query)))

    def signals(self, query: str, query_vector: np.ndarray | None = None) -> Signals:
        """Every per-service signal the ranking uses, in index order.
        `query_vector`: the encoder's vector of the question's content words,
        when already known (training reuses stored ones)."""
        tokens, phrase = self.analyzer.analyze_query(query)
        terms = expand(query, tokens, self.analyzer)
        views = self.index.views
        by_tokens = views["tokens"].scores(terms)
        bigrams = bigram_query(terms)
        strength = float(by_tokens.max(initial=0.0))
        closeness = None
        # A question that shares no word with any record ("음 그러니까",
        # "오늘 날씨 어때요") is about something else; the encoder would still
        # name the least distant services.
        if self.semantic is not None and strength > 0:
            if query_vector is None:
                query_vector = self.semantic.encoder.encode_query(phrase)
            closeness = self.semantic.closeness_of(query_vector)
        return Signals(
            terms=terms,
            tokens=scaled(by_tokens),
            bigrams=scaled(views["bigrams"].scores(bigrams)),
            name_coverage=views["name_coverage"].scores(dict.fromkeys(bigrams, 1.0)),
            query_coverage=views["query_coverage"].covered_share(
                char_bigrams(coverage_terms(query, tokens, self.analyzer))),
            strength=strength,
            closeness=closeness,
            query_vector=query_vector if closeness is not None else None,
        )

    def fused(self, signals: Signals) -> np.ndarray:
        """The hand-set fusion of the signals, before delivery links and locale."""
        p = self.index.params
        scores = (signals.tokens + p.bigram_weight * signals.bigrams + p.name_coverage_weight * signals.name_coverage
                  + p.query_coverage_weight * signals.query_coverage)
        if signals.closeness is not None:
            closeness = signals.closeness
            scores = scores + SEMANTIC_WEIGHT * np.exp((closeness - closeness.max()) / SEMANTIC_TEMPERATURE)
        return scores

    def arranged(self, scores: np.ndarray) -> np.ndarray:
        """Delivery links and the locale preference applied to `scores`."""
        scores = scores.copy()
        if len(self._deliveries):
            local, national = self._deliveries.T
            np.maximum.at(scores, local, scores[national])
        return scores * self._locale_weight

    def rank(self, signals: Signals):
        """The final score of every service, and a function of the ranking
        (services by position, best first) giving the confidence."""
        fused = self.fused(signals)
        base = self.arranged(fused)
        if self.learned is not None and signals.closeness is not None:
            learned = self.learned.rerank(signals, fused, self.arranged, self._locale_weight)
            if learned is not None:
                return self.arranged(learned.scores), lambda ranked: learned.confidence
        strength = signals.strength
        return base, lambda ranked: confidence(base[ranked[:2]], strength)

    def _locale_factor(self, service: Service) -> float:
        region, s = service.region, self.settings
        if region.scope == "전국":
            return 1.0
        if region.scope == "기초":
            return LOCALE_BOOST if region.sigungu == s.locale else ELSEWHERE_PENALTY
        return PROVINCE_BOOST if region.sido in (s.province, s.locale) else ELSEWHERE_PENALTY

    # -- names ----------------------------------------------------------------

    def resolve(self, name: str) -> set[str]:
        """Ids of the services named `name` (by name or alias), compared
        regardless of spacing and punctuation."""
        return set(self._by_name.get(normalize_name(name), ()))

    def answering_ids(self, name: str) -> set[str]:
        """Ids that answer for the program `name`: the program itself and the
        local services that deliver it."""
        ids = self.resolve(name)
        return ids.union(*(self._deliverers.get(i, set()) for i in ids))


def confidence(top_scores: np.ndarray, strength: float) -> float:
    """Probability that the first hit is right, from how far it stands above
    the second and how strongly the question matched: a logistic fit on half
    of the development questions with semantic ranking on, checked on the
    other half (see docs/retrieval.md)."""
    first = float(top_scores[0]) if len(top_scores) else 0.0
    if first <= 0:
        return 0.0
    second = float(top_scores[1]) if len(top_scores) > 1 else 0.0
    margin = (first - second) / first
    logit = 8.95 * margin + 1.29 * np.log1p(strength) - 5.22
    return round(float(1 / (1 + np.exp(-logit))), 3)
