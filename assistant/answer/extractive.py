"""Answers built only from the service record's own words.

The spoken answer is at most three short sentences: the part of the record the
question asks for, then the number to call. The screen answer is the fuller
record with its source. Every fact (amount, age, date, phone number) is quoted
from the record, never composed, so nothing can be invented.
"""

from __future__ import annotations

import re

from ..corpus.schema import Phone, Service
from .intent import Intent

# Booklet text lost its bullet layout; items run together as
# "… 지사 방문 복지로( www… ) 온라인 신청 만 65세 …". Items end on these
# nominal endings, so a split after them (not before another ending) restores them.
_ITEM_END = r"(?:방문|신청|가능|지원|제공|접수|발급|지급|운영|이용|연계|감면|면제|상담|확인|필요)"
_ITEM_SPLIT = re.compile(rf"(?<={_ITEM_END})\s+(?!{_ITEM_END}|및|등|또는|시|후|중)(?=[가-힣(])")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=다\.)|\s*(?:^|\s)[-※○●◦•▪□■①②③④⑤⑥⑦⑧⑨⑩]\s*|\n+")
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S+?\s*\)|(?:https?://|www\.)\S+|\b[\w.-]+\.(?:go|or|co)\.kr\S*")
_SPEECH_ITEM_MAX = 90
_SECOND_ITEM_MAX = 60


def items(text: str) -> list[str]:
    """The record text split into sentences or list items, web addresses dropped."""
    out = []
    for part in _SENTENCE_SPLIT.split(text or ""):
        for item in _ITEM_SPLIT.split(part or ""):
            item = _URL.sub("", item).strip(" -·,:;")
            item = re.sub(r"\(\s*\)", "", item).strip()
            if len(item) >= 4:
                out.append(item)
    return out


def _shorten(item: str) -> str:
    """Cut a long item at a clause or word boundary; cutting drops words, never alters them."""
    if len(item) <= _SPEECH_ITEM_MAX:
        return item
    cut = item.rfind(", ", 30, _SPEECH_ITEM_MAX)
    if cut < 0:
        cut = item.rfind(" ", 0, _SPEECH_ITEM_MAX)
    return item[: cut if cut > 20 else _SPEECH_ITEM_MAX].rstrip(" ,(")


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _phone_sentence(phones: list[Phone], fallback_org: str | None) -> str:
    if not phones:
        where = fallback_org or "가까운 행정복지센터"
        return f"등록된 전화번호가 없으니 {where}에 문의해 주세요."
    first = phones[0]
    # The importer labels a number without a named organization "문의처" (enquiries);
    # "문의 전화는 문의처 129번" says nothing, so only a real name is spoken.
    org = f"{first.organization} " if first.organization and first.organization != "문의처" else ""
    return f"문의 전화는 {org}{first.number}번입니다."


def _topic(service: Service) -> str:
    """The name, with its municipality when the name does not already say it
    ("시흥 효도수당" is clearly 시흥시's)."""
    region = service.region
    place = region.label.removesuffix("특별자치도").removesuffix("도").removesuffix("시").removesuffix("군")
    return service.name if region.scope == "전국" or place in service.name else f"{region.label} {service.name}"


def speech_answer(service: Service, intent: Intent, phones: list[Phone]) -> str:
    """At most three short sentences: the asked part of the record, then whom
    to call (the first of `phones`, which come best first)."""
    heading, fields = {
        Intent.APPLY: ("신청 방법", (service.how_to_apply,)),
        Intent.BENEFIT: ("받으실 수 있는 것", (service.benefit, service.summary)),
        Intent.ELIGIBILITY: ("대상", (service.eligibility,)),
        Intent.CONTACT: ("문의처", ()),
        Intent.GENERAL: ("", (service.summary, service.benefit, service.eligibility)),
    }[intent]
    topic = f"{_topic(service)}, {heading}" if heading else _topic(service)
    found = [_shorten(i) for text in fields for i in items(text)]
    if intent is Intent.GENERAL:
        how = [_shorten(i) for i in items(service.how_to_apply)][:1]
        body = [*found[:1], *(f"신청은 {h}" for h in how)]
    else:
        # A second item only when it is a short statement, not a table row.
        body = found[:1] + [i for i in found[1:2] if len(i) <= _SECOND_ITEM_MAX and ":" not in i]
    sentences = [_sentence(f"{topic}: {body[0]}") if body else _sentence(topic)]
    sentences += [_sentence(b) for b in body[1:2]]
    org = service.contacts[0].organization if service.contacts else None
    sentences.append(_phone_sentence(phones, org))
    return " ".join(sentences)


def screen_answer(service: Service, phones: list[Phone]) -> str:
    """The fuller record, in the order a resident reads it, with its source."""
    lines = [f"■ {service.name}" + (f" ({service.region.label})" if service.region.scope != "전국" else "")]
    for label, text in (("무엇인가요", service.summary), ("누가 받나요", service.eligibility),
                        ("무엇을 받나요", service.benefit), ("어떻게 신청하나요", service.how_to_apply)):
        if text:
            lines.append(f"\n[{label}]\n{text}")
    if phones:
        lines.append("\n[문의]\n" + "\n".join(f"{p.organization or ''} ☎{p.number}".strip() for p in phones))
    src = service.sources[0]
    where = f"{src.file}" + (f" {src.page}쪽" if src.page else "") + (f" {src.url}" if src.url else "")
    lines.append(f"\n출처: {where} (기준 {service.as_of})")
    return "\n".join(lines)


CLARIFY_CHOICES = 3


def clarify(candidates: list[Service]) -> tuple[str, str]:
    """Screen and speech text asking which of the close candidates is meant."""
    names = [c.name for c in candidates[:CLARIFY_CHOICES]]
    screen = "어떤 서비스를 찾으세요?\n" + "\n".join(f"{i}. {n}" for i, n in enumerate(names, 1))
    speech = f"{', '.join(names)} 중에서 어떤 것이 궁금하세요? 서비스 이름을 말씀해 주세요."
    return screen, speech
