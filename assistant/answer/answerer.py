"""Turning a question and its retrieved services into an answer for screen and speech."""

from __future__ import annotations

import logging
from collections import defaultdict

from ..config import Settings
from ..core.events import Answer, Choice
from ..core.prompts import NOT_FOUND
from ..corpus.schema import Phone, Service
from ..corpus.store import Corpus
from ..counsel.next_steps import next_steps, numbered_menu
from ..counsel.topic import follows_up
from . import extractive
from .card import service_card
from .intent import Intent, classify, refers_back
from .llm import LlmRewriter

log = logging.getLogger(__name__)



class Answerer:
    """Extractive answers, rewritten by a local LLM when one is configured and
    its rewrite states only facts of the record."""

    def __init__(self, corpus: Corpus, settings: Settings):
        self._settings = settings
        self._rewriter = LlmRewriter.load(settings.answer)
        self._by_id = corpus.by_id()
        # National program id -> local services (in the kiosk's locale) that deliver it.
        self._local_delivery: dict[str, list[Service]] = defaultdict(list)
        for service in corpus.services:
            if service.region.sigungu == settings.retrieval.locale or service.region.sido == settings.retrieval.locale:
                for national_id in service.delivers:
                    self._local_delivery[national_id].append(service)

    def phones_for(self, service: Service) -> list[Phone]:
        """Numbers to give for `service`, best first: the local office that
        delivers it, its own, then those of the national program it delivers."""
        delivering = [p for local in self._local_delivery.get(service.id, ()) for p in local.phones]
        delivered = [p for i in service.delivers if i in self._by_id for p in self._by_id[i].phones]
        return list({p.number: p for p in [*delivering, *service.phones, *delivered]}.values())

    def linked(self, service: Service) -> list[Service]:
        """Records whose facts an answer about `service` may also quote."""
        delivered = (self._by_id[i] for i in service.delivers if i in self._by_id)
        return [*self._local_delivery.get(service.id, ()), *delivered]

    def answer(self, question: str, hits: list[tuple[Service, float]], confidence: float,
               previous: Service | None = None) -> Answer:
        intent = classify(question)
        unsure = confidence < self._settings.retrieval.min_confidence
        # A follow-up only when the question says so: a reference (그건), no
        # subject of its own, or only words of the current service. A new
        # topic is never answered with the previous service's facts.
        if previous is not None and (refers_back(question) or (unsure and intent is not Intent.GENERAL)) \
                and follows_up(question, previous, self.linked(previous)):
            return self._about(previous, intent, question)
        if not hits:
            return Answer(NOT_FOUND, NOT_FOUND, "notice")
        if confidence < self._settings.retrieval.min_confidence and len(hits) > 1:
            candidates = [s for s, _ in hits]
            screen, speech = extractive.clarify(candidates)
            choices = tuple(Choice(c.id, c.name) for c in candidates[:extractive.CLARIFY_CHOICES])
            # Keys only when the names were read out (siblings are asked apart by a question).
            read_out = all(choice.name in speech for choice in choices)
            return Answer(screen, speech, "clarify", choices=choices,
                          menu=numbered_menu(len(choices)) if read_out else "")
        return self._about(hits[0][0], intent, question)

    def _about(self, service: Service, intent: Intent, question: str) -> Answer:
        phones = self.phones_for(service)
        steps = next_steps(service, self.linked(service), self._local_delivery.get(service.id, []), question,
                           intent, phones)
        speech = steps.documents_speech or extractive.speech_answer(service, intent, phones)
        if self._rewriter is not None:
            record = "\n".join(s.full_text() for s in [service, *self.linked(service)])
            speech = self._rewriter.rewrite(question, speech, record) or speech
        card = service_card(service, phones)
        screen = extractive.screen_answer(service, phones, card.source)
        if steps.screen:
            screen = screen.replace("\n출처:", f"{steps.screen}\n\n출처:", 1)
        return Answer(screen, speech, "answer", card=card, service=service,
                      follow_ups=steps.follow_ups, menu=steps.menu)
