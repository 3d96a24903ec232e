"""How well spoken answers suit the ear, over every service × question kind.

For each spoken answer: its sentences (split at ., ? and !), whether each ends
in a sentence-final ending by Kiwi (EF tag) and whether that ending is polite
해요체/하십시오체 (…요, …니다), how many sentences it has, and whether it contains
marks a listener cannot hear: brackets, colons, list markers.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from ..answer.answerer import Answerer
from ..answer.extractive import speech_answer
from ..answer.intent import Intent
from ..corpus.schema import Service
from ..korean import kiwi

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_WRITTEN_MARKS = {
    "brackets": re.compile(r"[()\[\]{}<>「」『』【】〈〉《》]"),
    "colons": re.compile(r"[:：]"),
    "list markers": re.compile(r"(?:^|\s)(?:[-•◦▪□■○●※▶☞]|\d+[.)]\s|[①-⑳])"),
}
_PUNCTUATION_TAGS = ("SF", "SP", "SE", "SSO", "SSC", "SW", "SO")


@dataclass(frozen=True)
class SpokenAnswer:
    service_id: str
    intent: Intent
    text: str


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def final_ending(sentence: str) -> str | None:
    """The sentence-final ending (EF) the sentence closes with, per Kiwi; None if it closes otherwise."""
    tokens = [t for t in kiwi.tokenize(sentence) if t.tag not in _PUNCTUATION_TAGS]
    return tokens[-1].form if tokens and tokens[-1].tag == "EF" else None


def spoken_answers(answerer: Answerer, services: Iterable[Service]) -> list[SpokenAnswer]:
    """The spoken answer to every question kind about every service, as the answerer composes it."""
    return [SpokenAnswer(s.id, intent, speech_answer(s, intent, answerer.phones_for(s)))
            for s in services for intent in Intent]


def measure(answers: list[SpokenAnswer]) -> dict:
    said = [sentences(a.text) for a in answers]
    flat = [s for ss in said for s in ss]
    endings = [final_ending(s) for s in flat]
    polite = [e for e in endings if e is not None and e.endswith(("요", "니다"))]
    counts = [len(ss) for ss in said]
    figures: dict = {
        "answers": len(answers),
        "sentences": len(flat),
        "final_ending_share": round(sum(e is not None for e in endings) / len(flat), 4),
        "polite_ending_share": round(len(polite) / len(flat), 4),
        "sentences_per_answer_mean": round(statistics.mean(counts), 2),
        "sentences_per_answer_max": max(counts),
        "answers_over_3_sentences": sum(c > 3 for c in counts),
        "chars_per_sentence_mean": round(statistics.mean(len(s) for s in flat), 1),
        "chars_per_sentence_p90": round(statistics.quantiles([len(s) for s in flat], n=10)[-1], 1),
    }
    for name, mark in _WRITTEN_MARKS.items():
        figures[f"answers_with_{name.replace(' ', '_')}_share"] = round(
            sum(bool(mark.search(a.text)) for a in answers) / len(answers), 4)
    figures["answers_with_written_marks_share"] = round(
        sum(any(m.search(a.text) for m in _WRITTEN_MARKS.values()) for a in answers) / len(answers), 4)
    return figures


def unfinished(answers: list[SpokenAnswer]) -> list[tuple[SpokenAnswer, str]]:
    """Each spoken sentence that does not close with a final ending, with its answer."""
    return [(a, s) for a in answers for s in sentences(a.text) if final_ending(s) is None]
