"""Telling sibling programs apart in one short question.

Programs with nearly the same name (출산전후휴가 급여 / 배우자 출산휴가급여,
the two 임신·출산 진료비 programs) are the retrieval's most frequent
confusion: a question about one fits the other as well. Reading both names
aloud leaves the resident to spot the difference; asking about the
difference itself ("배우자인가요, 출산전후·유산·사산인가요?") is shorter and
easier to answer.

Everything is computed from the records: two services are siblings when
their names share most of their character bigrams; what tells each apart is
where it applies (when that differs), the target groups only it names, and
the words of its name the other names do not contain.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..corpus.schema import Service

# Two names are siblings when this share of the shorter name's bigrams
# (generic words left out) is in the other.
SIBLING_OVERLAP = 0.5
# Words that end many program names and say nothing about which one is meant.
GENERIC_WORDS = frozenset({"지원", "사업", "제도", "서비스", "운영", "지원사업", "지원금"})
_WORD = re.compile(r"[가-힣A-Za-z0-9]+")


def _words(name: str) -> list[str]:
    # One-syllable words are particles and conjunctions here ("및", "등").
    return [w for w in _WORD.findall(name) if w not in GENERIC_WORDS and len(w) > 1]


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def _name_bigrams(service: Service) -> Counter[str]:
    """Of the name without its generic words, spacing ignored ("휴가 급여"
    and "휴가급여" alike)."""
    return _bigrams("".join(_words(service.name)))


def are_siblings(a: Service, b: Service) -> bool:
    first, second = set(_name_bigrams(a)), set(_name_bigrams(b))
    if not first or not second or a.name == b.name:
        return False
    return len(first & second) / min(len(first), len(second)) >= SIBLING_OVERLAP


@dataclass(frozen=True)
class Difference:
    service: Service
    place: str | None  # where it applies, when the siblings differ in that
    groups: tuple[str, ...]  # target groups only this one names
    words: tuple[str, ...]  # words of its name the others lack

    def phrase(self) -> str:
        what = " ".join(p for p in ("·".join(self.groups) + " 대상" if self.groups else "",
                                    "·".join(self.words)) if p)
        if self.place:
            return f"{self.place}의 {what}" if what else f"{self.place} 사업"
        return what


def _distinct_words(service: Service, others: list[Service]) -> tuple[str, ...]:
    """Words of the name most of whose bigrams the other names lack. Each
    bigram of the others accounts for one occurrence, so a word the name
    repeats ("산재근로자 … (근로자)" against "(사업주)") is told apart."""
    elsewhere: Counter[str] = Counter()
    for other in others:
        elsewhere |= _name_bigrams(other)
    found = []
    for word in _words(service.name):
        grams = _bigrams(word) or Counter([word])
        missing = grams - elsewhere
        elsewhere -= grams
        if sum(missing.values()) / sum(grams.values()) > 0.5:
            found.append(word)
    return tuple(found)


def differences(siblings: list[Service]) -> list[Difference]:
    places = {s.region.label for s in siblings}
    found = []
    for service in siblings:
        others = [o for o in siblings if o is not service]
        groups = tuple(t for t in service.targets if not any(t in o.targets for o in others))
        found.append(Difference(service, service.region.label if len(places) > 1 else None, groups,
                                _distinct_words(service, others)))
    return found


def _common(siblings: list[Service], found: list[Difference]) -> str:
    """The words the first name shares with the others, in its order."""
    distinct = set(found[0].words)
    return " ".join(w for w in _words(siblings[0].name) if w not in distinct)


def telling_apart(candidates: list[Service]) -> str | None:
    """One short question asking which of the sibling programs at the head
    of `candidates` is meant, by what tells them apart; None when the first
    two are not siblings or nothing tells them apart in words."""
    if len(candidates) < 2 or not are_siblings(candidates[0], candidates[1]):
        return None
    siblings = candidates[:2] + [c for c in candidates[2:3] if all(are_siblings(c, s) for s in candidates[:2])]
    found = differences(siblings)
    phrases = [d.phrase() for d in found]
    if not all(phrases) or len(set(phrases)) < len(phrases):
        return None
    common = _common(siblings, found)
    asked = ", ".join(f"{p}인가요" for p in phrases) + "?"
    return f"{common} 중에서 {asked}" if common else asked
