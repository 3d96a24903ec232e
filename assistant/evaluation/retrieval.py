"""Retrieval quality on a QA file: does the production ranking put the right
service first (hit@1), in the top five (hit@5), and how high (MRR)?

A QA file is JSONL, one `{"question": ..., "service": ...}` a line, `service`
being a booklet program name. It counts as found when a hit is the program
itself (by name or alias) or a local service that delivers it.

Next to the ranks, how the conversation would use them: the share of
questions it would answer with a clarifying question (confidence below
`retrieval.min_confidence`, more than one hit), and of the others, the share
whose answer is about the right program (`confident_precision`). Off-topic
sentences (`read_texts`) should find nothing: `off_topic_rate` is the share
that does find nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..retrieval.retriever import Retriever

# MRR looks this deep; a service ranked lower counts as not found.
MRR_DEPTH = 100


class QAFileError(ValueError):
    pass


@dataclass(frozen=True)
class QAItem:
    question: str
    service: str


def read_qa(path: Path) -> list[QAItem]:
    """Every item of the file; a malformed line is an error naming the line,
    since a silently shorter set would give misleading figures."""
    items = []
    for number, record in _records(path):
        if not isinstance(record, dict):
            raise QAFileError(f"{path}:{number}: expected an object with \"question\" and \"service\"")
        question, service = record.get("question"), record.get("service")
        if not (isinstance(question, str) and question.strip() and isinstance(service, str) and service.strip()):
            raise QAFileError(f"{path}:{number}: \"question\" and \"service\" must be non-empty strings")
        items.append(QAItem(question.strip(), service.strip()))
    if not items:
        raise QAFileError(f"{path}: no questions")
    return items


def _records(path: Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed JSON) of every non-blank line of a JSONL file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise QAFileError(f"{path}: cannot read: {err}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise QAFileError(f"{path}:{number}: not JSON ({err.msg})") from err
        yield number, record


def read_texts(path: Path) -> list[str]:
    """Sentences from a JSONL file, the `text` (or `question`) of each line:
    the speech manifest's transcripts are everyday, off-topic sentences."""
    texts = []
    for number, record in _records(path):
        text = record.get("text", record.get("question")) if isinstance(record, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise QAFileError(f"{path}:{number}: expected an object with a non-empty \"text\"")
        texts.append(text.strip())
    if not texts:
        raise QAFileError(f"{path}: no sentences")
    return texts


def evaluate(retriever: Retriever, items: list[QAItem]) -> dict:
    """`n` counts every question. A question whose service the corpus does not
    hold cannot be found: it counts as a miss and is reported under
    `unresolved` (count and names)."""
    hit1 = hit5 = reciprocal = 0.0
    clarified = confident = confident_right = 0
    unresolved: dict[str, int] = {}
    elapsed = 0.0
    threshold = retriever.settings.min_confidence
    for item in items:
        wanted = retriever.answering_ids(item.service)
        if not wanted:
            unresolved[item.service] = unresolved.get(item.service, 0) + 1
        started = time.perf_counter()
        result = retriever.search(item.question, k=MRR_DEPTH)
        elapsed += time.perf_counter() - started
        hits = result.hits
        rank = next((n for n, hit in enumerate(hits, 1) if hit.service.id in wanted), None)
        if rank:
            hit1 += rank == 1
            hit5 += rank <= 5
            reciprocal += 1 / rank
        # As the answerer decides (answer/answerer.py).
        if hits and result.confidence < threshold and len(hits) > 1:
            clarified += 1
        elif hits:
            confident += 1
            confident_right += rank == 1
    n = len(items)
    return {
        "n": n,
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr": round(reciprocal / n, 4),
        "clarify_rate": round(clarified / n, 4),
        "confident_precision": round(confident_right / confident, 4) if confident else None,
        "ms_per_query": round(1000 * elapsed / n, 3),
        "unresolved": sum(unresolved.values()),
        "unresolved_services": sorted(unresolved),
    }


def off_topic_rate(retriever: Retriever, texts: list[str]) -> float:
    """The share of `texts` (sentences about something else) that find nothing."""
    return round(sum(not retriever.search(t).hits for t in texts) / len(texts), 4)
