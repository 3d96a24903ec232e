"""What a resident's words say about them: "일흔둘이고 혼자 살아요",
"기초생활수급자예요", "딸이 다음 달에 출산해요", "아들이 장애가 있어요".

Numbers are read from Kiwi's tokens (numerals in words or digits, with their
counter: 일흔둘, 칠십이 세, 72살, 70대); the rest are everyday phrasings of
a household, an income tier, a disability, a pregnancy, found by their words,
whatever the question around them is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kiwipiepy import Token

from ..korean import kiwi
from ..korean.spoken_numbers import read_number
from .profile import OLDEST, Field, Profile, Whose

_NUMBER_TAGS = {"NR", "SN"}
# Determiner forms of numerals before a counter ("두 살", "세 살", "스무 살").
_NUMERAL_DETERMINERS = {"한", "두", "세", "네", "스무"}
_AGE_COUNTERS = {"살", "세"}

_CHILD = r"아들|딸|(?<![가-힣])아이|애기|아기|(?<![가-힣])애(?!기)|자녀|손자|손녀|손주"
_PARENT = r"어머니|아버지|어머님|아버님|엄마|아빠|부모님|시어머니|시아버지|장모님|장인어른|할머니|할아버지"
_SPOUSE = r"남편|아내|와이프|집사람|바깥양반|영감|할멈"
_CHILD_WORD = re.compile(rf"(?:{_CHILD})(?:이|가|는|은|도|를|한테|의)?(?=\s|$|[가-힣])")
_CHILD_AFTER = re.compile(rf"\s*(?:살|세|개월)?\s*(?:된\s*|짜리\s*)?(?:{_CHILD})")
_PARENT_WORD = re.compile(rf"(?:{_PARENT})")
_SPOUSE_WORD = re.compile(rf"(?:{_SPOUSE})")

_HOUSEHOLD = (
    ("한부모", re.compile(r"한부모|싱글\s*맘|미혼모|미혼부|"
                         r"혼자\s*(?:서\s*)?(?:아이|애|자녀|아들|딸)[를을]?\s*(?:키우|키워|기르)")),
    ("조손", re.compile(r"(?:손자|손녀|손주)[를을]?\s*(?:키우|키워|돌보|데리고)|조손")),
    ("1인", re.compile(r"혼자\s*(?:살|사는|사세요|삽니다|지내|있어요|예요|에요)|홀로\s*(?:살|사)|독거|1\s*인\s*가구")),
    ("부부", re.compile(rf"(?:{_SPOUSE})(?:이?랑|하고|과|와)\s*(?:둘이|단둘이|같이|함께)?\s*(?:살|사)|"
                       r"부부\s*(?:둘이|만|가구)|둘이\s*(?:살|사)")),
    ("가족", re.compile(r"가족(?:이?랑|하고|과|와)\s*(?:같이|함께)?\s*(?:살|사)|"
                       r"식구(?:들)?(?:이?랑|하고)\s*(?:살|사)")),
)
_INCOME = (
    ("기초생활수급", re.compile(r"기초\s*생활\s*수급|기초\s*수급|생계\s*급여|의료\s*급여|(?<!장려금\s)수급자")),
    ("차상위", re.compile(r"차상위")),
    ("저소득", re.compile(r"저소득|형편이\s*(?:어려|안\s*좋)|생활이\s*어려|돈이\s*없|벌이가\s*없")),
)
_DISABILITY = re.compile(r"장애")
_NO_DISABILITY = re.compile(r"장애[는가]?\s*(?:없|아니)")
_SEVERE = re.compile(r"중증|심한|심해|[12]\s*급|정도가\s*심")
_MILD = re.compile(r"경증|심하지\s*않|가벼|[3-6]\s*급")
_EXPECTING = re.compile(r"임신|출산\s*(?:예정|해요|할|합니다|을\s*앞)|출산해|"
                        r"(?:아기|애기|아이)[가를]?\s*(?:낳|태어날|생겼)|곧\s*(?:아기|애기)|뱃속|예정일")
_BABY_BORN = re.compile(r"(?:아기|애기|아이)[가를]?\s*(?:낳았|태어났)|출산했|신생아")
_HAS_CHILDREN = re.compile(rf"(?:{_CHILD})[가이]?\s*(?:있|하나|둘|셋|한\s*명|두\s*명|세\s*명|키우)")
_CONDITIONS = (
    ("보훈", re.compile(r"국가\s*유공자|보훈|참전")),
    ("다문화", re.compile(r"다문화|결혼\s*이민|결혼\s*이주")),
    ("북한이탈주민", re.compile(r"탈북|북한\s*이탈|북한에서\s*왔")),
    ("농어업인", re.compile(r"농사|농업|농민|어업|어민|고기잡")),
    ("구직자", re.compile(r"일자리를?\s*찾|구직|실직|직장을?\s*(?:잃|그만)|일을?\s*(?:구하|찾)|실업")),
    ("학생", re.compile(r"대학생|고등학생|중학생|재학\s*중")),
)
# "기초연금 받고 있어요": the words before say what is received.
_RECEIVING = re.compile(r"(?:을|를)?\s*(?:받고\s*있|받는\s*중|받고\s*계|받는데|수급\s*중|"
                        r"이용\s*중|이용하고\s*있|다니고\s*있)")
_NEGATIVE = re.compile(r"^(?:아니|아뇨|아니요|아니에요|없어|없습|없고|없는데|해당\s*(?:없|안)|안\s*받|그런\s*거\s*없)")
_UNKNOWN = re.compile(r"모르|몰라|글쎄|잘\s*몰")


@dataclass
class Heard:
    """What one utterance told: the fields filled, and the words naming a
    service the resident already receives (resolved by the counselor)."""

    filled: set[str] = field(default_factory=set)
    receiving: str | None = None
    # The resident did not know the answer to the pending question.
    unsure: bool = False


def _numbers(tokens: list[Token], text: str) -> list[tuple[int, str, int]]:
    """(value, the word after the number, its end offset) for each number said."""
    out: list[tuple[int, str, int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.tag in _NUMBER_TAGS:
            j = i + 1
            while j < len(tokens) and (tokens[j].tag in _NUMBER_TAGS or (
                    tokens[j].tag == "MM" and tokens[j].form in _NUMERAL_DETERMINERS)):
                j += 1
            words = text[token.start:tokens[j - 1].start + tokens[j - 1].len]
            value = read_number(words)
            after = tokens[j].form if j < len(tokens) else ""
            if value is not None:
                out.append((value, after, tokens[j - 1].start + tokens[j - 1].len))
            i = j
        elif token.tag == "MM" and token.form in _NUMERAL_DETERMINERS and i + 1 < len(tokens) \
                and tokens[i + 1].form in _AGE_COUNTERS:
            value = read_number({"한": "하나", "두": "둘", "세": "셋", "네": "넷"}.get(token.form, token.form))
            if value is not None:
                out.append((value, tokens[i + 1].form, token.start + token.len))
            i += 1
        else:
            i += 1
    return out


def _whose(clause: str) -> Whose:
    if _CHILD_WORD.search(clause):
        return "자녀"
    if _SPOUSE_WORD.search(clause):
        return "가족"
    return "본인"


def _read_ages(text: str, profile: Profile, heard: Heard, pending: Field | None) -> None:
    tokens = kiwi.tokenize(text)
    for value, after, end in _numbers(tokens, text):
        before = text[max(0, end - 20):end]
        rest = text[end:end + 8]
        # Whose age: the nearest family word before the number in its clause.
        clause = re.split(r"[,.?!]|고\s|는데\s|데\s", before)[-1]
        # "딸이 다섯 살", or "다섯 살 아이": the child's age, not the resident's.
        child = bool(_CHILD_WORD.search(clause)) or bool(_CHILD_AFTER.match(text, end)) or pending == "family"
        decade = after == "대"
        aged = after in _AGE_COUNTERS or decade or (
            after in ("", "이", "이에요", "예요", "입니다", "이고", "인데", "이요", "넘", "정도")
            and (value >= 20 or pending == "age" or re.search(r"나이|연세|살|세", clause)))
        if not aged or value > OLDEST or re.match(r"\s*(?:개월|명|원|번|년|월|일|시|개|평|만)", rest):
            if re.match(r"\s*개월", rest) and (child or _CHILD_WORD.search(text[end:end + 14])):
                profile.add_child(0)
                heard.filled.add("family")
            continue
        if _SPOUSE_WORD.search(clause):
            continue
        if child:
            profile.add_child(value)
            heard.filled.add("family")
            continue
        if decade:
            profile.set_age_range(value, min(value + 9, OLDEST))
        elif re.match(r"\s*(?:세|살)?\s*이상", rest) or re.match(r"\s*넘", rest):
            profile.set_age_range(value, OLDEST)
        elif re.match(r"\s*(?:세|살)?\s*미만", rest):
            profile.set_age_range(0, max(value - 1, 0))
        else:
            profile.set_age(value)
        heard.filled.add("age")


def read_statements(text: str, profile: Profile, pending: Field | None = None) -> Heard:
    """Fill `profile` from what `text` says; `pending` is the field the
    counselor just asked about, so "없어요" answers it."""
    heard = Heard()
    _read_ages(text, profile, heard, pending)
    for household, pattern in _HOUSEHOLD:
        if pattern.search(text):
            profile.set_household(household)  # type: ignore[arg-type]
            heard.filled.add("household")
            break
    for tier, pattern in _INCOME:
        if pattern.search(text):
            profile.set_income(tier)  # type: ignore[arg-type]
            heard.filled.add("income")
            break
    if _NO_DISABILITY.search(text):
        profile.set_disability("없음")
        heard.filled.add("disability")
    elif _DISABILITY.search(text):
        severity = "중증" if _SEVERE.search(text) else "경증" if _MILD.search(text) else "등록"
        profile.set_disability(severity, _whose(text[:_DISABILITY.search(text).start()]))  # type: ignore[arg-type, union-attr]
        heard.filled.add("disability")
    if _BABY_BORN.search(text):
        profile.add_child(0)
        heard.filled.add("family")
    elif _EXPECTING.search(text):
        profile.set_expecting(True)
        heard.filled.add("family")
    if _HAS_CHILDREN.search(text) and "family" not in heard.filled:
        profile.add_child()
        heard.filled.add("family")
    for condition, pattern in _CONDITIONS:
        if pattern.search(text):
            profile.add_condition(condition)  # type: ignore[arg-type]
            heard.filled.add("conditions")
    if m := _RECEIVING.search(text):
        words = text[:m.start()].strip()
        if len(words) >= 2:
            heard.receiving = words
    if pending is not None and pending not in heard.filled:
        answer = text.strip()
        if _NEGATIVE.search(answer):
            _negative_answer(profile, pending)
            heard.filled.add(pending)
        elif _UNKNOWN.search(answer):
            heard.unsure = True
    return heard


def _negative_answer(profile: Profile, pending: Field) -> None:
    """"아니요", "없어요" to the question just asked."""
    if pending == "income":
        profile.set_income("해당없음")
    elif pending == "disability":
        profile.set_disability("없음")
    elif pending == "family":
        profile.set_no_children()
    elif pending == "household":
        profile.set_household("가족")
