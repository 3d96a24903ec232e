"""The fixed split of the labeled questions into a training part and an unseen part.

The learned ranking (`assistant corpus train`) learns from the training part
only; the unseen part is never read by training or used to choose anything,
so figures on it say how the ranking does on new questions of the same kind.

A question's side is decided by a seeded hash of its text (compared without
spacing, punctuation or width, so a copy of a question differing only in
those falls on the same side): 30 % unseen. Split by question, nearly every
program has questions on both sides, like a new resident asking about a
program others asked about before. The split by service puts 30 % of the
programs (by a seeded hash of the program's name) wholly on the unseen side:
how the ranking does for programs it has no labeled question of.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum

from ..retrieval.retriever import normalize_name
from .retrieval import QAItem

SPLIT_SEED = "retrieval-split-1"
UNSEEN_PERCENT = 30


class SplitBy(StrEnum):
    QUESTION = "question"
    SERVICE = "service"


def _bucket(text: str, by: SplitBy) -> int:
    key = f"{SPLIT_SEED}/{by.value}\n{normalize_name(text)}"
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100


def is_unseen(item: QAItem, by: SplitBy = SplitBy.QUESTION) -> bool:
    return _bucket(item.question if by is SplitBy.QUESTION else item.service, by) < UNSEEN_PERCENT


def training_part(items: Iterable[QAItem], by: SplitBy = SplitBy.QUESTION) -> list[QAItem]:
    """The items training may read: never one of the unseen part."""
    return [item for item in items if not is_unseen(item, by)]


def unseen_part(items: Iterable[QAItem], by: SplitBy = SplitBy.QUESTION) -> list[QAItem]:
    return [item for item in items if is_unseen(item, by)]
