"""What a question asks about a service: how to apply, how much, who, whom to call.

Cues are everyday question words, not service names, so they hold for any
service in the corpus.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Intent(StrEnum):
    APPLY = "apply"
    BENEFIT = "benefit"
    ELIGIBILITY = "eligibility"
    CONTACT = "contact"
    GENERAL = "general"


# Checked in this order: "얼마 받을 수 있어요" asks an amount, not eligibility.
_CUES: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (Intent.BENEFIT, re.compile(r"얼마|금액|액수|몇\s*원|혜택|무엇을\s*지원|뭘\s*지원|뭐\s*지원"
                                r"|지원\s*내용|얼만큼|받는\s*돈")),
    (Intent.APPLY, re.compile(r"신청|어디서|어디에서|어디로\s*가|어떻게\s*(받|하)|방법|접수|서류|준비물")),
    (Intent.CONTACT, re.compile(r"전화|연락처|연락|문의|번호|상담")),
    (Intent.ELIGIBILITY, re.compile(r"누가|누구|대상|자격|조건|기준|나이|몇\s*살|해당|받을\s*수\s*있")),
)

# A question that only points back at the previous answer ("그건 얼마예요?").
_FOLLOW_UP = re.compile(r"^(그럼|그러면|그건|그거|그것|거기|그|이건|이거)\b|그건|그거는|그것은")


def classify(question: str) -> Intent:
    for intent, cue in _CUES:
        if cue.search(question):
            return intent
    return Intent.GENERAL


def refers_back(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question.strip()))
