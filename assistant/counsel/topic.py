"""What a question is about on its own: its content words, and whether it
follows up on the service the conversation is on or opens a new topic.

"그건 얼마예요?" and "신청 방법 알려 주세요" have no subject of their own and
follow up; "아들이 장애가 있는데 받을 수 있는 거 뭐 있어요" names a need (장애)
that the previous service (기초연금) does not mention, so it is a new topic and
is never answered with the previous service's facts.
"""

from __future__ import annotations

import re

from ..corpus.schema import Service
from ..korean import kiwi

_NOUN_TAGS = {"NNG", "NNP", "SL", "XR"}
# Words of any question about any service (what, how, who, when, where to
# call), of the resident's family, and of counseling itself: none of them
# names a subject.
GENERIC = frozenset((
    "것", "거", "게", "건", "뭐", "무엇", "무슨", "어떤", "도움", "혜택", "지원", "복지", "서비스", "제도",
    "사업", "정책", "프로그램", "저", "제", "나", "우리", "수", "때", "등", "정도", "좀", "이거", "그거",
    "그것", "이것", "거기", "여기", "신청", "신청서", "방법", "대상", "자격", "조건", "기준", "금액", "액수",
    "얼마", "돈", "전화", "전화번호", "번호", "연락처", "연락", "문의", "상담", "서류", "준비물", "필요",
    "어디", "어디서", "누구", "언제", "나이", "연세", "살", "세", "혼자", "가족", "식구", "내용", "정보",
    "안내", "말씀", "질문", "답", "자세히", "다음", "번", "사람", "분", "요즘", "지금", "이번", "경우", "관련",
    "해당", "가능", "확인", "처음", "다른", "또", "더", "하나", "종류", "곳", "기관", "센터", "주민센터", "받",
    "예", "네", "아니", "감사", "부탁", "설명", "이름", "다음달", "달",
))
FAMILY = frozenset((
    "아들", "딸", "아이", "애", "애기", "아기", "자녀", "손자", "손녀", "손주", "남편", "아내", "와이프",
    "집사람", "어머니", "아버지", "어머님", "아버님", "엄마", "아빠", "부모", "부모님", "할머니", "할아버지",
    "부부", "할멈", "영감",
))
# A pointer back at what was just said.
_REFERENCE = re.compile(r"(?:^|\s)(?:그거|그건|그것|그게|거기|이거|이건|그\s*서비스|그\s*제도)")


def content_words(question: str) -> list[str]:
    """The nouns that name what the question is about."""
    words = []
    for token in kiwi.tokenize(question):
        if token.tag in _NOUN_TAGS and token.form not in GENERIC and token.form not in FAMILY and len(token.form) > 0:
            words.append(token.form)
    return words


def refers_back(question: str) -> bool:
    return bool(_REFERENCE.search(question.strip()))


def _mentions(service: Service, word: str, linked: list[Service]) -> bool:
    return any(word in s.full_text() for s in [service, *linked])


def follows_up(question: str, current: Service, linked: list[Service] = ()) -> bool:  # type: ignore[assignment]
    """Whether `question` asks about `current` (the service the conversation is on):
    it points back at it, has no subject of its own, or names only words of it."""
    if refers_back(question):
        return True
    words = content_words(question)
    return all(_mentions(current, w, list(linked)) for w in words)
