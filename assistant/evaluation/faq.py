"""The booklet's own FAQ pairs as a second check of retrieval.

Each FAQ question is asked of an index built without any FAQ text, so the
answer's words cannot give the service away; it counts as found when the
service whose FAQ it is comes first (hit@1) or among the first five. Unlike
the development questions, these were written by the booklet's authors.
"""

from __future__ import annotations

from dataclasses import replace

from ..corpus.store import Corpus
from .retrieval import QAItem


def faq_items(corpus: Corpus) -> list[QAItem]:
    """Every FAQ question of the corpus, labeled with its service's name."""
    return [QAItem(f.question.strip(), s.name) for s in corpus.services for f in s.faq if f.question.strip()]


def without_faq(corpus: Corpus) -> Corpus:
    """The corpus with no FAQ text (a different fingerprint, so its index is
    built apart from the production one)."""
    services = tuple(s.model_copy(update={"faq": ()}) for s in corpus.services)
    return replace(corpus, services=services, fingerprint=f"{corpus.fingerprint}-without-faq")
