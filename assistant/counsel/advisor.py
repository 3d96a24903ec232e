"""Counseling an open question: "뭐 받을 수 있어요?", "도움 받을 거 있나요?".

The resident rarely knows program names. An open question (a possibility or
eligibility question with no program or need of its own) gets at most two
short questions about the resident, each the one expected to tell most about
which services fit (expected information gain over the candidates'
criteria), then a short spoken list of the services most likely to fit, each
with why and what is still uncertain; more are on screen.

A question that names a need ("아들이 장애가 있는데 받을 수 있는 거 뭐 있어요")
is ranked by retrieval on its own words first; the profile filters and
reorders what retrieval found, it never replaces the words.

`Advisor` is shared by all sessions (it holds the services); `Counsel` is one
conversation's state (the profile, the question pending) and lives in the Session.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field

from ..core.events import Answer, Choice
from ..corpus.schema import Service
from .eligibility import Check, Fit, fit
from .next_steps import numbered_menu
from .profile import Field, Profile
from .statements import read_statements
from .topic import content_words

log = logging.getLogger(__name__)

# Possibility or eligibility ("받을 수 있", "해당되는") asked as "what"
# ("뭐", "어떤", "… 거 있나요"): a question about what there is, not about one program.
_POSSIBLE = re.compile(r"받을\s*수\s*있|받을\s*(?:게|거|것|만한)|받을만한|신청할\s*수\s*있|해당(?:되|하)는|"
                       r"도움(?:을)?\s*(?:받|될|이\s*될|되는)|혜택|지원\s*받|이용할\s*수\s*있|받을\s*수\s*있을")
_WHAT = re.compile(r"뭐|뭘|무엇|무슨|어떤|어떠한|(?:거|게|것|건|데)\s*(?:뭐|있|없)|있을까|없을까")
SPOKEN = 3
ON_SCREEN = 10
MAX_QUESTIONS = 2
# Below this expected gain (bits summed over candidates, per candidate) a
# question is not worth the resident's time.
MIN_GAIN_PER_CANDIDATE = 0.02
# A needs question keeps retrieval's order among its best hits.
NEEDS_POOL = 30
NEEDS_FLOOR = 0.15

_QUESTIONS: dict[Field, tuple[str, tuple[str, ...]]] = {
    "age": ("연세가 어떻게 되세요?", ("60대예요", "70대예요", "80대예요")),
    "household": ("혼자 사세요, 가족과 함께 사세요?", ("혼자 살아요", "부부 둘이 살아요", "가족과 함께 살아요")),
    "income": ("기초생활수급자나 차상위계층이세요?", ("기초생활수급자예요", "차상위계층이에요", "해당 없어요")),
    "disability": ("장애가 있는 가족이 있으세요?", ("장애가 있어요", "중증 장애가 있어요", "장애는 없어요")),
    "family": ("임신 중이시거나 어린 자녀가 있으세요?", ("임신 중이에요", "어린 자녀가 있어요", "자녀는 없어요")),
}

# What a question costs the resident: personal questions (income, disability,
# pregnancy) are asked only when they tell clearly more than age or household.
QUESTION_COST: dict[Field, float] = {"age": 1.0, "household": 1.0, "family": 1.5, "income": 1.2, "disability": 1.5}

# When the resident said they have children but not how old.
CHILD_AGE_QUESTION = ("자녀가 몇 살이에요?", ("한 살이에요", "다섯 살이에요", "열 살이에요"))

Setter = Callable[[Profile], None]
# How residents asking at a community center are likely to answer each
# question (rough shares, see docs/counseling.md): the expectation in the gain.
_ANSWERS: dict[Field, tuple[tuple[float, Setter], ...]] = {
    "age": ((0.3, lambda p: p.set_age_range(19, 39)), (0.3, lambda p: p.set_age_range(40, 64)),
            (0.28, lambda p: p.set_age_range(65, 79)), (0.12, lambda p: p.set_age_range(80, 100))),
    "household": ((0.3, lambda p: p.set_household("1인")), (0.25, lambda p: p.set_household("부부")),
                  (0.06, lambda p: p.set_household("한부모")), (0.02, lambda p: p.set_household("조손")),
                  (0.37, lambda p: p.set_household("가족"))),
    "income": ((0.08, lambda p: p.set_income("기초생활수급")), (0.06, lambda p: p.set_income("차상위")),
               (0.86, lambda p: p.set_income("해당없음"))),
    "disability": ((0.05, lambda p: p.set_disability("경증")), (0.03, lambda p: p.set_disability("중증")),
                   (0.92, lambda p: p.set_disability("없음"))),
    "family": ((0.05, lambda p: p.set_expecting(True)), (0.25, lambda p: p.add_child(8)),
               (0.7, lambda p: p.set_no_children())),
}


def answer_shares(question: Field, profile: Profile) -> tuple[tuple[float, Setter], ...]:
    """How the resident is likely to answer, given what they said: past 60
    few raise a young child or expect one."""
    if question == "family" and profile.age is not None and profile.age[0] >= 60:
        return ((0.01, lambda p: p.set_expecting(True)), (0.04, lambda p: p.add_child(8)),
                (0.95, lambda p: p.set_no_children()))
    return _ANSWERS[question]


def _met_chance(check: Check) -> float:
    return {"met": 1.0, "unmet": 0.0}.get(check.verdict, check.prior)


def is_open_question(question: str) -> bool:
    """A question about what there is to get ("뭐 받을 수 있어요?")."""
    return bool(_POSSIBLE.search(question)) and bool(_WHAT.search(question))


def _entropy(p: float) -> float:
    return 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


class Advisor:
    """Ranks services for a profile and chooses what to ask; shared by sessions."""

    def __init__(self, services: list[Service], retriever, answerer, locale: tuple[str, str]):
        self._retriever = retriever
        self._answerer = answerer
        self._locale = locale
        self._by_id = {s.id: s for s in services}
        # Only services that state something about who may apply can be suggested.
        self.candidates = [s for s in services if s.criteria.stated()]

    # --- ranking -------------------------------------------------------------------
    def relevance(self, question: str) -> dict[str, float]:
        """Retrieval's scores for the question's own words, best NEEDS_POOL, scaled to the best."""
        scores = self._retriever.hand_set_scores(question)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:NEEDS_POOL]
        top = float(scores[order[0]]) if order else 0.0
        if top <= 0:
            return {}
        services = self._retriever.services
        return {services[i].id: float(scores[i]) / top for i in order if scores[i] / top >= NEEDS_FLOOR}

    def _related(self, service_id: str) -> set[str]:
        service = self._by_id.get(service_id)
        if service is None:
            return {service_id}
        return {service_id, *service.delivers, *(s.id for s in self._answerer.linked(service))}

    def rank(self, profile: Profile, relevance: dict[str, float] | None = None) -> list[Fit]:
        received = set().union(*(self._related(i) for i in profile.received)) if profile.received else set()
        pool = [self._by_id[i] for i in relevance] if relevance else self.candidates
        scored: list[tuple[float, Fit]] = []
        for service in pool:
            if service.id in received:
                continue
            f = fit(service, profile, self._locale)
            if f.excluded:
                continue
            if relevance:
                score = relevance[service.id] * (0.5 + 0.5 * f.chance) * (1 + 0.1 * f.specificity)
            else:
                if not f.reasons:
                    continue  # nothing says it is for this resident in particular
                # Likely first; among the likely, those that use more of
                # what the resident told, then the rarer criteria.
                score = f.chance * (f.facts_met + 0.1 * f.specificity)
            scored.append((score, f))
        scored.sort(key=lambda x: -x[0])
        return self._one_per_program([f for _, f in scored])

    def _one_per_program(self, fits: list[Fit]) -> list[Fit]:
        """A national program and the local service that delivers it are one suggestion."""
        seen: set[str] = set()
        out = []
        for f in fits:
            family = {f.service.id, *f.service.delivers}
            if family & seen:
                continue
            seen |= family | {s.id for s in self._answerer.linked(f.service)}
            out.append(f)
        return out

    # --- asking --------------------------------------------------------------------
    def best_question(self, profile: Profile, asked: list[Field],
                      relevance: dict[str, float] | None = None) -> Field | None:
        """The question with the largest expected information gain about the
        candidates' criteria, among those not asked or answered yet: for each
        criterion, the entropy of "met" now minus its expected entropy after
        the answer (an unknown criterion stays at its prior rate)."""
        pool = [self._by_id[i] for i in relevance] if relevance else self.candidates
        weights = relevance or {}
        open_fields = [f for f in _QUESTIONS if f not in asked and not profile.answered(f)]
        best: tuple[float, Field] | None = None
        for question in open_fields:
            outcomes = []
            for share, setter in answer_shares(question, profile):
                answered = deepcopy(profile)
                setter(answered)
                outcomes.append((share, answered))
            gain = 0.0
            for service in pool:
                per_answer = [(share, fit(service, p, self._locale).checks) for share, p in outcomes]
                for i in range(len(per_answer[0][1])):
                    met = [(share, _met_chance(checks[i])) for share, checks in per_answer]
                    before = sum(share * m for share, m in met)
                    after = sum(share * _entropy(m) for share, m in met)
                    gain += weights.get(service.id, 1.0) * (_entropy(before) - after)
            gain /= QUESTION_COST[question]
            log.debug("expected gain of asking %s: %.1f", question, gain)
            if best is None or gain > best[0]:
                best = (gain, question)
        if best is None or best[0] < MIN_GAIN_PER_CANDIDATE * max(1, len(pool)):
            return None
        return best[1]

    # --- answers -------------------------------------------------------------------
    def question_answer(self, question: Field, first: bool, profile: Profile | None = None) -> Answer:
        text, quick = _QUESTIONS[question]
        if question == "family" and profile is not None and profile.children:
            text, quick = CHILD_AGE_QUESTION
        speech = ("맞는 서비스를 찾아 드릴게요. " if first else "") + text
        return Answer(speech, speech, "question", follow_ups=quick)

    def suggestion(self, profile: Profile, relevance: dict[str, float] | None = None) -> Answer:
        fits = self.rank(profile, relevance)[:ON_SCREEN]
        if not fits:
            text = ("말씀하신 내용에 꼭 맞는 서비스를 기록에서 찾지 못했어요. "
                    "필요한 도움을 말씀해 주시거나 상담원 연결을 눌러 주세요.")
            return Answer(text, text, "suggest")
        spoken = []
        for f in fits[:SPOKEN]:
            why = ", ".join(f.reasons[:2])
            sentence = f"{f.service.name}: {why}." if why else f"{f.service.name}."
            if f.uncertain:
                sentence += f" {f.uncertain[0]}."
            spoken.append(sentence)
        speech = " ".join(["받으실 수 있는 서비스예요.", *spoken, "궁금한 서비스 이름을 말씀해 주세요."])
        lines = ["받으실 수 있을 만한 서비스"]
        # Bullets, not numbers: every number on screen is a record's.
        for f in fits:
            lines.append(f"■ {f.service.name}" + (f" ({f.service.region.label})" if f.service.region.scope != "전국"
                                                     else ""))
            if f.reasons:
                lines.append("   맞는 점: " + ", ".join(f.reasons))
            if f.uncertain:
                lines.append("   확인할 점: " + ", ".join(f.uncertain))
        lines.append("\n대상 여부는 신청하실 때 담당 기관이 확인해요.")
        choices = tuple(Choice(f.service.id, f.service.name, reason="; ".join(
            [", ".join(f.reasons), *f.uncertain[:1]]).strip("; ")) for f in fits)
        follow_ups = tuple(f"{f.service.name} 신청 방법 알려 주세요" for f in fits[:SPOKEN])
        # "그건 얼마예요?" after the list asks about its first service.
        return Answer("\n".join(lines), speech, "suggest", choices=choices, follow_ups=follow_ups,
                      menu=numbered_menu(len(follow_ups), "신청 방법을 들으시려면"), service=fits[0].service)


@dataclass
class Counsel:
    """One conversation's counseling state: the profile and the question pending."""

    advisor: Advisor
    profile: Profile = field(default_factory=Profile)
    pending: Field | None = None
    asked: list[Field] = field(default_factory=list)
    max_questions: int = MAX_QUESTIONS
    relevance: dict[str, float] | None = None

    def reset(self) -> None:
        self.profile = Profile()
        self._drop()

    def _drop(self) -> None:
        self.pending, self.asked, self.relevance = None, [], None

    def reply(self, question: str) -> Answer | None:
        """The counselor's answer to this turn, or None when it is an ordinary
        question for the answerer. The profile is filled from every turn."""
        heard = read_statements(question, self.profile, self.pending)
        if heard.receiving:
            self._note_received(heard.receiving)
        if heard.filled:
            log.info("profile now knows: %s", ", ".join(self.profile.known()))
        # The question's own subject: not what it told about the resident.
        own = question.replace(heard.receiving, " ") if heard.receiving else question
        needs = [w for w in content_words(own) if not _STATUS_WORDS.match(w)]
        words = [w for w in needs if not _profile_word(w)]
        if self.pending is not None:
            answered = bool(heard.filled) or heard.unsure or bool(heard.receiving) or not words
            if answered and not is_open_question(question):
                return self._next()
            self._drop()
        if is_open_question(question):
            self.asked = []
            self.relevance = self.advisor.relevance(own) if needs else None
            # What the resident already told counts against the questions to ask.
            self.max_questions = 1 if len(heard.filled) >= 2 or self.relevance else MAX_QUESTIONS
            return self._next()
        if heard.filled and not words and not heard.receiving:
            # "일흔둘이고 혼자 살아요": about themselves, asking nothing else.
            self.asked, self.relevance, self.max_questions = [], None, 1
            return self._next()
        return None

    def _next(self) -> Answer:
        if len(self.asked) < self.max_questions:
            question = self.advisor.best_question(self.profile, self.asked, self.relevance)
            if question is not None:
                first = not self.asked
                self.asked.append(question)
                self.pending = question
                return self.advisor.question_answer(question, first, self.profile)
        answer = self.advisor.suggestion(self.profile, self.relevance)
        self._drop()
        return answer

    def _note_received(self, words: str) -> None:
        found = self.advisor._retriever.search(words, k=1)
        if found.hits and found.confidence >= self.advisor._retriever.settings.min_confidence:
            self.profile.add_received(found.hits[0].service.id, found.hits[0].service.name)


# Words that only tell the resident's status (income tier, household, age), not a need.
_STATUS_WORDS = re.compile(r"^(?:기초|생활|수급자?|차상위|계층|저소득|부부|독거|가구|형편|소득|"
                           r"나이|연세|이상|대|세대)$")
_PROFILE_WORDS = re.compile(r"^(?:기초|생활|수급자?|차상위|계층|저소득|장애인?|중증|경증|임신|출산|부부|독거|한부모|"
                            r"형편|소득|나이|연세|노인|어르신|아기|애기|신생아|산모|임산부|손자|손녀|가구|이상|대)$")


def _profile_word(word: str) -> bool:
    return bool(_PROFILE_WORDS.match(word))
