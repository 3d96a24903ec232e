"""Checking one turn's observations against its `expect` block; every miss becomes a reason."""

from __future__ import annotations

import re

from rapidfuzz import process

from ...corpus.store import Corpus
from .results import TurnResult
from .scenario import Expect

_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    # Testers write names and phrases with their own spacing ("노인 일자리").
    return _SPACES.sub("", text).casefold()


class ServiceCatalog:
    """Resolves the service a tester names (name, alias or id) to corpus records."""

    def __init__(self, corpus: Corpus):
        self._by_id = corpus.by_id()
        self._ids_by_key: dict[str, set[str]] = {}
        for service in corpus.services:
            for name in (service.id, service.name, *service.aliases):
                self._ids_by_key.setdefault(_key(name), set()).add(service.id)
        self._names = sorted({s.name for s in corpus.services})

    def resolve(self, name: str) -> frozenset[str]:
        return frozenset(self._ids_by_key.get(_key(name), ()))

    def name(self, service_id: str) -> str:
        service = self._by_id.get(service_id)
        return service.name if service else service_id

    def suggestion(self, name: str) -> str | None:
        match = process.extractOne(name, self._names, score_cutoff=60)
        return match[0] if match else None

    def counts_as(self, service_id: str, expected: frozenset[str]) -> bool:
        """The named service itself, or a local service that delivers it."""
        if service_id in expected:
            return True
        service = self._by_id.get(service_id)
        return service is not None and any(national in expected for national in service.delivers)


def check(expect: Expect, turn: TurnResult, catalog: ServiceCatalog) -> list[str]:
    reasons: list[str] = []
    if expect.transcript is not None:
        limit = expect.max_cer or 0.0
        if turn.cer is None:
            reasons.append("no transcript to compare with the reference")
        elif turn.cer > limit:
            reasons.append(f"transcript CER {turn.cer:.2f} > max {limit:.2f}: heard {turn.transcript!r}, "
                           f"expected {expect.transcript!r}")
    if expect.service is not None:
        reasons += _check_service(expect.service, expect, turn, catalog)
    answer = _key(f"{turn.answer_screen}\n{turn.answer_speech}")
    reasons += [f"answer does not contain {p!r}" for p in expect.answer_contains if _key(p) not in answer]
    reasons += [f"answer contains {p!r}" for p in expect.answer_not_contains if _key(p) in answer]
    reasons += _check_counsel(expect, turn, catalog)
    if expect.max_latency_ms is not None:
        if turn.first_audio_ms is None:
            reasons.append("no reply audio, so no latency to check")
        elif turn.first_audio_ms > expect.max_latency_ms:
            reasons.append(f"first reply audio after {turn.first_audio_ms:.0f} ms > max {expect.max_latency_ms:.0f} ms")
    return reasons


def _check_service(service: str, expect: Expect, turn: TurnResult, catalog: ServiceCatalog) -> list[str]:
    expected = catalog.resolve(service)
    # The service the reply is about counts too: a follow-up question
    # ("그건 얼마예요?") is answered from the conversation, not from retrieval.
    answered = turn.answered_service
    if answered and catalog.counts_as(answered["id"], expected):
        return []
    top = turn.services[:expect.top_k]
    if any(catalog.counts_as(hit["id"], expected) for hit in top):
        return []
    found = ", ".join(f"{hit['name']} ({hit['score']:.2f})" for hit in top) or "no service"
    where = "top-1" if expect.top_k == 1 else f"top {expect.top_k}"
    return [f"service {service!r} not {where}; found {found}"]


def _check_counsel(expect: Expect, turn: TurnResult, catalog: ServiceCatalog) -> list[str]:
    reasons: list[str] = []
    if expect.asks_question is not None and (turn.answer_kind == "question") != expect.asks_question:
        reasons.append(f"expected {'a question to the resident' if expect.asks_question else 'no question'}, "
                       f"got a {turn.answer_kind!r} answer")
    listed = [entry["id"] for entry in turn.listed]
    shown = ", ".join(entry["name"] for entry in turn.listed) or "nothing"
    for name in expect.lists:
        if not any(catalog.counts_as(i, catalog.resolve(name)) for i in listed):
            reasons.append(f"suggestions do not list {name!r}; listed {shown}")
    for name in expect.not_lists:
        if any(catalog.counts_as(i, catalog.resolve(name)) for i in listed):
            reasons.append(f"suggestions list {name!r}")
    return reasons
