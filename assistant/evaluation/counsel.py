"""Counseling measured on resident profiles: does the spoken top three hold
services the resident qualifies for (precision@3), and does the screen list
find the services they qualify for (recall)?

Each profile says an open question, answers the counselor's questions from its
`answers` (by the field asked), and is scored on the suggestion that ends the
exchange. Labels quote the record's own eligibility sentence; a quote the
record does not hold is an error in the set, reported before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from time import perf_counter
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.events import Answer

DEV_SET = Path(__file__).parent / "data" / "profiles_dev.yaml"
MAX_TURNS = 6


class CounselSetError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Label(_Strict):
    service: str
    because: str = Field(min_length=2)


class ResidentCase(_Strict):
    name: str
    says: list[str] = Field(min_length=1)
    answers: dict[str, str] = {}
    qualifies: list[Label] = Field(min_length=1)


class CounselSet(_Strict):
    profiles: list[ResidentCase] = Field(min_length=1)


def read_set(path: Path, services) -> CounselSet:
    """The set, with every label resolved to a service whose record holds its quote."""
    try:
        data = CounselSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as err:
        raise CounselSetError(f"{path}: {err}") from err
    by_name = {s.name: s for s in services}
    problems = []
    for case in data.profiles:
        for label in case.qualifies:
            service = by_name.get(label.service)
            if service is None:
                problems.append(f"{case.name}: no service named {label.service!r}")
            elif label.because not in service.full_text():
                problems.append(f"{case.name}: {label.service!r} does not say {label.because!r}")
    if problems:
        raise CounselSetError(f"{path}:\n  " + "\n  ".join(problems))
    return data


def _same(a: str, b: str, catalog) -> bool:
    """One program: the same service, or a local service and the national program it delivers."""
    return catalog.counts_as(a, frozenset({b})) or catalog.counts_as(b, frozenset({a}))


def run_case(session, case: ResidentCase) -> tuple[list[str], Answer | None]:
    """Play the case through a session: its turns, then answers to each question asked."""
    asked: list[str] = []
    answer = None
    turns = list(case.says)
    for _ in range(MAX_TURNS):
        if not turns:
            break
        answer = next(e for e in session.ask_text(turns.pop(0)) if isinstance(e, Answer))
        if answer.kind == "question":
            field = session.counsel.pending
            asked.append(field)
            turns.append(case.answers.get(field, "잘 모르겠어요"))
        elif answer.kind == "suggest":
            break
    return asked, answer


def evaluate(engine, counsel_set: CounselSet, session_factory) -> dict:
    from ..adapters.scenarios.expectations import ServiceCatalog

    catalog = ServiceCatalog(engine.corpus)
    by_name = {s.name: s.id for s in engine.corpus.services}
    results: list[dict[str, Any]] = []
    started = perf_counter()
    for case in counsel_set.profiles:
        asked, answer = run_case(session_factory(), case)
        listed = [c.id for c in answer.choices] if answer is not None and answer.kind == "suggest" else []
        expected = [by_name[label.service] for label in case.qualifies]
        spoken_hits = sum(1 for s in listed[:3] if any(_same(s, e, catalog) for e in expected))
        missed = [e for e in expected if not any(_same(s, e, catalog) for s in listed)]
        results.append({"name": case.name, "questions": asked,
                        "spoken": [catalog.name(i) for i in listed[:3]],
                        "screen": [catalog.name(i) for i in listed],
                        "precision@3": round(spoken_hits / 3, 3),
                        "recall": round(1 - len(missed) / len(expected), 3),
                        "missed": [catalog.name(e) for e in missed]})
    n = len(results)
    return {"n": n, "precision@3": round(sum(r["precision@3"] for r in results) / n, 3),
            "recall": round(sum(r["recall"] for r in results) / n, 3),
            "questions_asked": round(sum(len(r["questions"]) for r in results) / n, 2),
            "seconds": round(perf_counter() - started, 2), "profiles": results}
