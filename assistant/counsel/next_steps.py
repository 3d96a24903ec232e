"""For the service an answer is about: where to apply (the local office first
when one delivers it), what to bring when the record lists it, and the
questions a resident may ask next (kiosk buttons, phone digits).

Every place and document comes from the records; nothing is composed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..answer.intent import Intent
from ..corpus.schema import Phone, Service

_ASKS_DOCUMENTS = re.compile(r"서류|준비물|가져가|가져와|챙겨|지참|필요한\s*(?:거|것|게)")
MAX_DOCUMENTS = 5

# (label said on the phone, the question a button asks), and which field of
# the record must hold something for the question to have an answer.
_FOLLOW_UPS: tuple[tuple[Intent | None, str, str], ...] = (
    (Intent.APPLY, "신청 방법", "신청 방법 알려 주세요"),
    (None, "필요한 서류", "필요한 서류 알려 주세요"),
    (Intent.BENEFIT, "받는 내용", "무엇을 받는지 알려 주세요"),
    (Intent.ELIGIBILITY, "대상", "누가 받을 수 있는지 알려 주세요"),
    (Intent.CONTACT, "문의 전화", "문의 전화번호 알려 주세요"),
)
MAX_FOLLOW_UPS = 3


@dataclass(frozen=True)
class NextSteps:
    screen: str  # lines to add to the screen answer ("" when nothing to add)
    follow_ups: tuple[str, ...]
    menu: str  # the spoken offer of follow_ups by digit
    documents_speech: str  # the spoken answer when the question asked what to bring


def asks_documents(question: str) -> bool:
    return bool(_ASKS_DOCUMENTS.search(question))


def _object_particle(word: str) -> str:
    last = word[-1]
    has_final = "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0
    return "을" if has_final else "를"


def phone_menu(labels: list[str]) -> str:
    """"신청 방법을 들으시려면 1번, 필요한 서류를 들으시려면 2번을 누르세요." """
    if not labels:
        return ""
    parts = [f"{label}{_object_particle(label)} 들으시려면 {n}번" for n, label in enumerate(labels, 1)]
    return ", ".join(parts) + "을 누르세요."


def numbered_menu(count: int, what: str = "") -> str:
    """The phone's offer of `count` things said in a list: "차례대로 1번, 2번을 누르셔도 돼요."
    `what` names what each key gives ("신청 방법을 들으시려면")."""
    if count < 1:
        return ""
    keys = ", ".join(f"{n}번" for n in range(1, count + 1))
    return f"{what + ' ' if what else ''}차례대로 {keys}을 누르셔도 돼요."


def documents_of(service: Service, linked: list[Service]) -> list[str]:
    names = [d.name for s in [service, *linked] for d in s.documents]
    return list(dict.fromkeys(names))[:MAX_DOCUMENTS]


def next_steps(service: Service, linked: list[Service], local_offices: list[Service],
               question: str, intent: Intent, phones: list[Phone]) -> NextSteps:
    documents = documents_of(service, linked)
    lines: list[str] = []
    for office in local_offices:
        place = office.how_to_apply or ", ".join(c.organization for c in office.contacts)
        lines.append(f"\n[{office.region.label}에서 신청]\n{office.name}" + (f": {place}" if place else ""))
    if documents:
        lines.append("\n[가져가실 것]\n" + ", ".join(documents))
    fields = {Intent.APPLY: service.how_to_apply or any(o.how_to_apply for o in local_offices),
              Intent.BENEFIT: service.benefit or service.summary, Intent.ELIGIBILITY: service.eligibility,
              Intent.CONTACT: True, None: documents}
    asked_documents = asks_documents(question)
    offered = [(label, text) for kind, label, text in _FOLLOW_UPS
               if fields[kind] and kind != intent and not (kind is None and asked_documents)]
    offered = offered[:MAX_FOLLOW_UPS]
    speech = ""
    if asked_documents:
        bring = (f"가져가실 것은 {', '.join(documents)}입니다." if documents
                 else "기록에 따로 적힌 준비 서류는 없으니 신청하실 곳에 확인해 주세요.")
        call = f" 문의 전화는 {phones[0].number}번입니다." if phones else ""
        speech = f"{service.name}, {bring}{call}"
    return NextSteps("\n".join(lines), tuple(t for _, t in offered), phone_menu([label for label, _ in offered]),
                     speech)
