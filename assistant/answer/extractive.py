"""Answers built only from the service record's own words.

The spoken answer is at most three short sentences in 해요체, worded for the
ear (spoken.py): the part of the record the question asks for, then the number
to call. The screen answer is the fuller record with its source. Every fact
(amount, age, date, phone number) is the record's own, re-inflected but never
composed, so nothing can be invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..corpus.schema import Phone, Service
from ..korean import kiwi
from ..korean.josa import Particle, attach
from .intent import Intent
from .siblings import telling_apart
from .spoken import CONDITION, Mood, Said, say, speakable_name, split_asides, spoken_connectives

# Booklet text lost its bullet layout; items run together as
# "… 지사 방문 복지로( www… ) 온라인 신청 만 65세 …". Items end on these
# nominal endings, so a split after them (not before another ending) restores them.
_ITEM_END = r"(?:방문|신청|가능|지원|제공|접수|발급|지급|운영|이용|연계|감면|면제|상담|확인|필요)"
# Never before a word that completes the predicate ("지급 제외", "신청 불가"): cut
# there, the item would say the opposite of the record.
_COMPLETING = r"(?:제외|배제|불가|금지|중단|제한|예정|완료|없음|않음|안\s)"
_ITEM_SPLIT = re.compile(rf"(?<={_ITEM_END})\s+(?!{_ITEM_END}|{_COMPLETING}|및|등|또는|시|후|중)(?=[가-힣(])")
_OPEN, _CLOSE = "([「『", ")]」』"
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=다\.)|\s*(?:^|\s)[-※○●◦•▪□■①②③④⑤⑥⑦⑧⑨⑩]\s*|\n+")
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S+?\s*\)|(?:https?://|www\.)\S+|\b[\w.-]+\.(?:go|or|co)\.kr\S*")
# Words records put where an organization's name belongs; said as one, they say nothing.
_NUMBER_LABELS = frozenset({"문의처", "대표번호", "대표전화", "연락처", "전화", "문의"})
# The spoken answer: the asked fact, at most one more, then whom to call.
MAX_SPOKEN_SENTENCES = 3
MORE_CONDITIONS = "다만 조건이 몇 가지 더 있어요."
# A further item is said only when it is short enough to take in by ear.
_SECOND_ITEM_MAX = 60


def items(text: str) -> list[str]:
    """The record text split into sentences or list items, web addresses dropped."""
    out = []
    for part in _SENTENCE_SPLIT.split(text or ""):
        for item in _split_outside_brackets(part or ""):
            item = _URL.sub("", item).strip(" -·,:;")
            item = re.sub(r"\(\s*\)", "", item).strip()
            if len(item) >= 4:
                out.append(item)
    return out


def _split_outside_brackets(text: str) -> list[str]:
    """`text` cut at the item boundaries that lie outside brackets: an aside
    "(단, 보장시설 수급자 지급 제외)" stays whole."""
    pieces, start, depth, last = [], 0, 0, 0
    for m in _ITEM_SPLIT.finditer(text):
        for ch in text[last:m.start()]:
            depth += (ch in _OPEN) - (ch in _CLOSE)
        last = m.start()
        # A split that would leave one word on its own is not an item boundary:
        # "중복지원 배제" cut after 지원 would drop the 배제 and say the opposite.
        rest = text[m.end():]
        if depth <= 0 and len(rest.split(maxsplit=1)) > 1:
            pieces.append(text[start:m.start()])
            start = m.end()
    return [*pieces, text[start:]]


def _phone_sentence(phones: list[Phone], fallback_org: str | None, about: str = "") -> str:
    """The number to call, said last: "문의는 보건복지상담센터, 전화 129번이에요."."""
    if not phones:
        where = speakable_name(fallback_org) if fallback_org else "가까운 행정복지센터"
        whose = f"{attach(about, Particle.TOPIC)} " if about else ""
        return f"{whose}등록된 전화번호가 없으니 {where}에 문의해 주세요."
    first = phones[0]
    subject = f"{about} 문의" if about else "문의"
    # The importer labels a number without a named organization "문의처" (enquiries);
    # "문의는 문의처, 전화 129번" says nothing, so only a real name is spoken.
    if first.organization and first.organization not in _NUMBER_LABELS:
        org = spoken_connectives(speakable_name(first.organization))
        return f"{attach(subject, Particle.TOPIC)} {org}, 전화 {first.number}번이에요."
    return f"{subject} 전화는 {first.number}번이에요."


def _topic(service: Service) -> str:
    """The name as said, with its municipality when the name does not already say it
    ("시흥 효도수당" is clearly 시흥시's)."""
    region = service.region
    place = region.label.removesuffix("특별자치도").removesuffix("도").removesuffix("시").removesuffix("군")
    name = speakable_name(service.name)
    return name if region.scope == "전국" or place in name else f"{region.label} {name}"


# What each kind of question asks for: the record's fields in order, how to say them,
# and the words for it when the record leaves it out.
_ASKED: dict[Intent, tuple[Mood, tuple[str, ...], str]] = {
    Intent.APPLY: (Mood.GUIDE, ("how_to_apply",), "신청 방법"),
    Intent.BENEFIT: (Mood.INFORM, ("benefit", "summary"), "지원 내용"),
    Intent.ELIGIBILITY: (Mood.DESCRIBE, ("eligibility",), "지원 대상"),
    Intent.GENERAL: (Mood.INFORM, ("summary", "benefit", "eligibility"), "자세한 안내"),
}


def _said_items(service: Service, fields: tuple[str, ...], mood: Mood) -> Iterator[Said]:
    """The fields' items that can be said as sentences, in record order; a summary
    that only repeats the service's name says nothing and is left out."""
    name = re.sub(r"\s", "", service.name)
    for field in fields:
        for item in items(getattr(service, field)):
            if field == "summary" and re.sub(r"\s", "", split_asides(item)[0]) in name:
                continue
            if (said := say(item, mood)) is not None:
                yield said


def _fitted(said: Said, room: int) -> list[str]:
    """As much of the item as there is room for: its first sentence with its asides
    (they qualify it), then its further parts. When a left-out part states a condition,
    the last sentence says there are more: told only the main fact, a resident
    would take it for the whole."""
    required = [said.main[0], *said.asides]
    optional = list(said.main[1:])
    sentences = required + optional
    left_out = sentences[room:]
    if not said.conditions_unsaid and not any(CONDITION.search(s) for s in left_out):
        return sentences[:room]
    return [*sentences[:room - 1], MORE_CONDITIONS] if room > 1 else sentences[:1]


def _names_own_topic(sentence: str) -> bool:
    """Whether the sentence opens with a topic of its own: "카드신청은 …"."""
    first_word = kiwi.tokenize(sentence.split(" ", 1)[0])
    return bool(first_word) and first_word[-1].tag == "JX" and first_word[-1].form in ("은", "는")


def _with_topic(topic: str, sentence: str, intent: Intent) -> str:
    """The first sentence, about the service: "기초연금은 …", "기초연금 대상은 …예요"."""
    if _names_own_topic(sentence):
        return f"{topic} {sentence}"  # "국민내일배움카드제 카드신청은 …"
    if sentence.endswith(("예요.", "이에요.")):
        if intent is Intent.ELIGIBILITY:
            return f"{topic} 대상은 {sentence}"
        if intent is Intent.BENEFIT:
            return f"{attach(topic, Particle.MEANS)} 받으실 수 있는 건 {sentence}"
    return f"{attach(topic, Particle.TOPIC)} {sentence}"


def speech_answer(service: Service, intent: Intent, phones: list[Phone]) -> str:
    """At most three short 해요체 sentences: the asked part of the record first,
    the service named once, and whom to call last (the first of `phones`, which
    come best first)."""
    topic = _topic(service)
    org = service.contacts[0].organization if service.contacts else None
    if intent is Intent.CONTACT:
        return _phone_sentence(phones, org, about=topic)
    mood, fields, missing = _ASKED[intent]
    room = MAX_SPOKEN_SENTENCES - 1
    found = _said_items(service, fields, mood)
    first = next(found, None)
    body = [] if first is None else _fitted(first, room)
    # After what the service is, how to apply; otherwise the asked field's next item.
    following = _said_items(service, ("how_to_apply",), Mood.GUIDE) if intent is Intent.GENERAL else found
    more = next(following, None) if body and len(body) < room else None
    if (more is not None and not more.asides and len(more.main) == 1 and not more.conditions_unsaid
            and len(more.main[0]) <= _SECOND_ITEM_MAX):
        said = more.main[0]
        if intent is Intent.GENERAL and "신청" not in said and not _names_own_topic(said):
            said = f"신청은 {said}"  # "…방문하시면 돼요" alone would not say what for
        body.append(said)
    if body:
        body[0] = _with_topic(topic, body[0], intent)
    else:
        body = [f"{attach(topic, Particle.TOPIC)} {attach(missing, Particle.SUBJECT)} 자료에 나와 있지 않아요."]
    return " ".join([*body, _phone_sentence(phones, org)])


def screen_answer(service: Service, phones: list[Phone], source: str) -> str:
    """The full record, in the order a resident reads it, with its source named in words
    (`source`, e.g. "2024 복지서비스 안내 책자 220쪽"): the kiosk pages through all of it."""
    lines = [f"■ {service.name}" + (f" ({service.region.label})" if service.region.scope != "전국" else "")]
    for label, text in (("무엇인가요", service.summary), ("누가 받나요", service.eligibility),
                        ("무엇을 받나요", service.benefit), ("어떻게 신청하나요", service.how_to_apply),
                        ("알아두실 점", service.notes)):
        if text:
            lines.append(f"\n[{label}]\n{text}")
    if phones:
        lines.append("\n[문의]\n" + "\n".join(f"{p.organization or ''} ☎{p.number}".strip() for p in phones))
    lines.append(f"\n출처: {source} (기준 {service.as_of})")
    return "\n".join(lines)


CLARIFY_CHOICES = 3


def clarify(candidates: list[Service]) -> tuple[str, str]:
    """Screen and speech text asking which of the close candidates is meant."""
    names = [c.name for c in candidates[:CLARIFY_CHOICES]]
    # Sibling programs: ask what tells them apart rather than reading out names.
    asked = telling_apart(candidates)
    screen = (asked or "어떤 서비스를 찾으세요?") + "\n" + "\n".join(f"{i}. {n}" for i, n in enumerate(names, 1))
    speech = asked or f"{', '.join(names)} 중에서 어떤 것이 궁금하세요? 서비스 이름을 말씀해 주세요."
    return screen, speech
