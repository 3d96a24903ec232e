"""Record items said the way a counselor says them: short sentences in 해요체.

Records are written for the eye: noun-ending fragments ("지사 방문", "수당
지급"), asides in brackets, "및"/"또는", table rows ("종류: 응급진료"). Heard
once, by an older resident, they do not parse. Each item is rewritten by
general grammatical rules on Kiwi's morphological analysis, never by text of
a particular service:

- asides in brackets are dropped, or said as a sentence of their own when they
  state a number, a limit or a negation (dropping those would change the meaning);
- "A 및 B" -> "A와 B", "A 또는 B" -> "A나 B" after a noun; "하여" -> "해서", "-며" -> "-고";
- "항목: 내용" -> "항목은 내용…";
- the ending becomes 해요체: a formal or plain ending (합니다, 한다, 함) -> 해요;
  a verbal noun (신청, 지원 — told apart by Kiwi's language model: does 하다
  follow it here?) -> 신청해요 / 신청하시면 돼요 / 면제돼요; any other noun
  phrase gets the copula (…이에요/예요).

Every rewrite only re-inflects or drops words of the record; no fact is added,
so the numbers said are the record's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from kiwipiepy import Token

from ..korean import kiwi
from ..korean.josa import Particle, attach


class Mood(Enum):
    """How a predicate is said: as a statement (지원해요); for what the resident does
    when applying, as gentle guidance (신청하시면 돼요); for who may receive a
    service, as a description of the person (…거주하시는 분이에요)."""

    INFORM = "inform"
    GUIDE = "guide"
    DESCRIBE = "describe"


# Verbal nouns that name something the resident does when applying; in guidance
# they take the honorific "하시면 돼요". A grammatical class, not text of a service.
RESIDENT_ACTIONS = frozenset({
    "신청", "방문", "접수", "제출", "문의", "예약", "등록", "이용", "지참", "구비", "작성",
    "연락", "가입", "제시", "전화", "상담", "참여", "응시", "청구",
})
# Verbal nouns that say what a person is or has done ("…에 1년 이상 거주", "…이전 출생"):
# describing who may receive a service they become "거주하시는 분", "출생하신 분".
PERSON_STATES = frozenset({
    "거주", "재학", "종사", "소지", "보유", "수급", "가입", "재직", "근무", "참여", "희망", "양육",
    "부양", "입소", "이용", "취업", "구직", "운영", "등록",
})
PERSON_PAST_STATES = frozenset({"출생", "졸업", "이수", "퇴소", "전역", "제대", "입국", "퇴직", "실직", "사망"})
# Verbal nouns of administrative Korean, verbs whatever the language model's
# context; other nouns are judged by the model (see `_noun_predicate`).
VERBAL_NOUNS = RESIDENT_ACTIONS | {
    "지원", "제공", "지급", "발급", "운영", "연계", "감면", "면제", "확인", "대출", "환급",
    "실시", "보호", "감경", "경감", "할인", "보조", "지정", "선정", "배치", "파견", "설치",
    "교부", "대여", "융자", "보전", "안내", "관리", "치료", "검사", "검진", "수리", "배송",
}
# A nominal verb whose passive (…돼요) says a state rather than an act:
# "기본료 면제" -> "면제돼요", "임차보증금 제외" -> "제외돼요".
_STATE_NOUNS = frozenset({"면제", "제외", "포함", "해당", "적용", "감면", "지정", "선정", "한정", "연장"})
# Nouns whose 하다-form is another word: "65세 이상" is not 이상하다 (odd), "이용료 무료" not 무료하다 (bored).
_NEVER_PREDICATES = frozenset({"이상", "이하", "미만", "초과", "무료", "이내", "기준"})
# Words that make an aside a fact (a limit, a condition, a negation): such an aside is kept.
CONDITION = re.compile(r"\d|없|않|아니|불가|제외|배제|금지|미만|초과|이하|이상|이내|한도|한함|한해|한정"
                       r"|최대|최소|경우|포함|단[,\s]|만\s")
# Endings of a clause that joins the next one as "and" (…하고, …하며): said as a sentence end.
_COORDINATING = frozenset({"고", "며", "으며"})
_NOMINAL = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "SN", "SL", "SH", "XSN", "XR"})
_WRITTEN_CONNECTIVE = re.compile(r"및|또는|며|하여")
_PUNCTUATION = frozenset({"SF", "SP", "SE", "SSO", "SSC", "SW", "SO"})
# Particles after which a clause still ends as a noun phrase does: "1,000만 원까지" -> "…까지예요".
_NOUN_LIKE_PARTICLES = frozenset({"까지", "부터", "마다", "만", "나", "이나", "씩"})
# Symbols that are words when said ("50%" is 오십 퍼센트): a clause may end in them.
_UNITS = frozenset({"%", "℃", "㎡", "㎏", "㎞"})
# A label is the word right before the colon.
# A label opens the text or follows a comma, and is at most three words: "지원내용: …", ", 장례비 및 특별장례비: …".
# (a comma and a space: "15,000원" holds a thousands separator, not a label's comma).
_LABEL = re.compile(r"(?:^|(?<=,\s))\s*((?:[^\s,:()]+\s){0,2}[^\s,:()]+)\s*[:：]\s*")
# Any other colon sits inside a run-together table ("일반청소년 : 최대 40만 원"): said as a pause.
_COLON = re.compile(r"\s*[:：]\s*")
# Brackets around an aside (dropped or said apart) and around a title (only the marks go:
# "「장애인연금법」에 따른" is part of the sentence).
_BRACKETS = {"(": ")", "[": "]", "【": "】", "<": ">", "〈": "〉"}
_QUOTES = re.compile(r"[\"'“”‘’`「」『』《》]")
# Bullets and pointers that lost their line: a listener hears nothing in them.
_MARKERS = re.compile(r"[☞※○●◦•▪□■▶►◆◇★☆*]")
# "19:30" is a time, "1:1" a ratio: said "19시 30분" and "1 대 1" (digits stay digits for the normalizer).
_CLOCK = re.compile(r"(?<![\d:])([01]?\d|2[0-4])\s*:\s*([0-5]\d)(?![\d:])")
_RATIO = re.compile(r"(?<![\d:])(\d+)\s*:\s*(\d+)(?![\d:])")
_LOOSE_PARTICLE = re.compile(r"(?<=[가-힣A-Za-z0-9])\s+(에서|으로|에게|까지|부터|에|로|를|을)(?=[\s,.]|$)")
# Steps of a procedure ("신청 → 조사 → 선정"), rows of a table (";"): each said as a sentence.
_STEP = re.compile(r"\s*(?:→|⇒|->|;)\s*")
# "…지급 단, …" : a proviso that qualifies what comes before it; it is kept with it, like an aside.
_PROVISO = re.compile(r"\s+(?=단\s*,)")
# An item is cut into clauses only when it is too long to follow by ear in one breath.
_CLAUSE_SPLIT_CHARS = 60
_LM_VERB_FLOOR = -4.0  # log-probability of 하 after a noun above which the noun is read as a verb


@dataclass(frozen=True)
class Said:
    """One record item as sentences: the main ones, then its asides that state a fact."""

    main: tuple[str, ...]
    asides: tuple[str, ...]
    # A later part that could not be said (a fragment) states a condition; whoever says
    # less than the whole item must say that there is more.
    conditions_unsaid: bool = False

    @property
    def sentences(self) -> tuple[str, ...]:
        return self.main + self.asides


@lru_cache(maxsize=8192)
def say(item: str, mood: Mood = Mood.INFORM) -> Said | None:
    """`item` of a record as 해요체 sentences, or None when it is a fragment
    that cannot stand as a sentence (it ends in a particle or a conditional)."""
    text, asides = split_asides(item)
    parts: list[tuple[str, str | None]] = []  # (clause of the record, its sentence)
    for step in _STEP.split(spoken_connectives(text)):
        head, *provisos = _PROVISO.split(step)
        parts += [c for part in _labelled_parts(head) for c in _clauses(part, mood)]
        asides += provisos
    # A part that cannot be said ends what is said of the item; the first must be sayable.
    said = [sentence for _, sentence in parts]
    cut = said.index(None) if None in said else len(said)
    main = [s for s in said[:cut] if s]
    if not main:
        return None
    said_asides = [_sentence(spoken_connectives(a), Mood.INFORM) for a in asides]
    if None in said_asides:
        return None
    unsaid = any(CONDITION.search(clause) for clause, _ in parts[cut:])
    # The same aside twice ("(만 18세 미만)" after two groups) is said once.
    return Said(tuple(main), tuple(dict.fromkeys(s for s in said_asides if s)), unsaid)


def speakable_name(name: str) -> str:
    """A service name as said: bracketed tags and asides dropped ("[경기] 간병 SOS(간병비 지급)" ->
    "간병 SOS"), and no mark a listener would take for a sentence end."""
    text, _ = split_asides(name)
    text = re.sub(r"[!?.·ㆍ]+(?=\s|$)", "", _QUOTES.sub("", text))
    return re.sub(r"\s+", " ", text).strip(" ,") or name


def split_asides(text: str) -> tuple[str, list[str]]:
    """`text` without its bracketed asides, and the asides that state a fact.

    An unclosed bracket runs to the end (booklet items are often cut inside one);
    a stray closing bracket is dropped."""
    text = _RATIO.sub(r"\1 대 \2", _CLOCK.sub(_said_time, _MARKERS.sub(" ", text)))
    out, asides, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch in _BRACKETS:
            end = _closing(text, i)
            # An aside may hold asides of its own: "(암, 심장질환(고혈압 제외))".
            aside, inner = split_asides(text[i + 1:end])
            if aside and CONDITION.search(text[i + 1:end]):
                asides.append(aside)
                asides += inner
            i = end + 1
        elif ch in _BRACKETS.values():
            i += 1
        else:
            out.append(ch)
            i += 1
    plain = re.sub(r"\s+", " ", _QUOTES.sub("", "".join(out)))
    plain = re.sub(r"\s+([,.])", r"\1", plain).strip(" ,")
    # A particle left apart where an aside or an address stood: "공사 (www…) 에서" -> "공사에서".
    plain = _LOOSE_PARTICLE.sub(r"\1", plain)
    return plain, asides


def _closing(text: str, start: int) -> int:
    """Index of the bracket closing the one at `start` (nested ones counted), or the end of `text`."""
    opening, depth = text[start], 0
    for i in range(start, len(text)):
        depth += (text[i] == opening) - (text[i] == _BRACKETS[opening])
        if depth == 0:
            return i
    return len(text)


def _said_time(m: re.Match[str]) -> str:
    return f"{m[1]}시" + (f" {m[2]}분" if m[2] != "00" else "")


def spoken_connectives(text: str) -> str:
    """Written connectives in their spoken form: "A 및 B" -> "A와 B", "A 또는 B" -> "A나 B"
    after a noun; "하여" -> "해서"; "-며" -> "-고"."""
    if not _WRITTEN_CONNECTIVE.search(text):
        return text
    tokens = kiwi.tokenize(text)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied right to left
    for before, token in zip(tokens, tokens[1:]):
        surface = text[token.start:token.end]
        if surface in ("및", "또는") and before.tag in _NOMINAL and before.end < token.start:
            particle = Particle.AND if surface == "및" else Particle.OR
            word = text[:before.end]
            edits.append((before.end, token.end, attach(word, particle)[len(word):]))
        elif token.tag == "EC" and token.form in ("며", "으며") and surface == token.form:
            edits.append((token.start, token.end, "고"))
        elif (token.tag == "EC" and token.form == "어" and before.form == "하"
              and text[before.start:token.end] == "하여"):
            edits.append((before.start, token.end, "해서"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _labelled_parts(text: str) -> list[str]:
    """A table row "종류: 응급진료, 지원내용: …" as parts "종류는 응급진료", "지원내용은 …"."""
    matches = list(_LABEL.finditer(text))
    parts = [text[:matches[0].start()] if matches else text]
    for m, following in zip(matches, [*matches[1:], None]):
        value = text[m.end():following.start() if following else len(text)].strip(" ,")
        label = m.group(1).replace("_", " ").strip()
        if value:
            parts.append(f"{attach(label, Particle.TOPIC)} {value}")
    return [p for p in (_COLON.sub(", ", part).strip(" ,") for part in parts) if p]


def _clauses(text: str, mood: Mood) -> list[tuple[str, str | None]]:
    """`text` as one sentence, or, when long, one per coordinated clause (…하고 / …하며)."""
    if len(text) <= _CLAUSE_SPLIT_CHARS:
        return [(text, _sentence(text, mood))]
    tokens = kiwi.tokenize(text)
    # Only "<verbal noun>하고" is cut: Kiwi reads some nouns as a verb + 고 ("사고" as 사+고).
    cuts = [c.end for a, b, c in zip(tokens, tokens[1:], tokens[2:])
            if a.tag == "NNG" and b.tag in ("XSV", "XSA") and c.tag == "EC" and c.form == "고"
            and text[c.end:c.end + 1] == " "]
    pieces, start = [], 0
    for cut in cuts:
        if cut - start >= 15 and len(text) - cut >= 15:
            pieces.append(text[start:cut])
            start = cut
    pieces.append(text[start:])
    return [(p, _sentence(p.strip(" ,"), mood)) for p in pieces]


def _sentence(clause: str, mood: Mood) -> str | None:
    """`clause` ending in 해요체, with a full stop; None when its end is not a predicate or a noun."""
    clause = clause.strip(" ,.;·")
    tokens = kiwi.tokenize(clause)
    while tokens and tokens[-1].tag in _PUNCTUATION and tokens[-1].form not in _UNITS:
        tokens.pop()
    if not tokens:
        return None
    last = tokens[-1]
    clause = clause[:last.end]
    word_start = clause.rfind(" ", 0, last.start) + 1
    word = [t for t in tokens if t.start >= word_start]
    if last.tag in ("EF", "ETN") or (last.tag == "EC" and last.form in _COORDINATING):
        ended = _reinflect(clause, word)
    elif last.tag == "ETM" and _ends_in_noun(clause):
        ended = attach(clause, Particle.COPULA)
    elif last.tag in _NOMINAL or last.tag.startswith("W_") or last.form in _UNITS or (
            last.tag == "JX" and last.form in _NOUN_LIKE_PARTICLES):
        ended = _noun_predicate(clause, tokens, mood)
    else:
        return None
    return ended + "."


def _ends_in_noun(clause: str) -> bool:
    """Whether Kiwi, shown that a copula follows, reads the clause's last word as a noun:
    a clause cannot end in a modifier, so "…장애인" taken for 장애+이+ㄴ is really 장애인."""
    probe = kiwi.tokenize(clause + "이다")
    return len(probe) >= 3 and probe[-2].tag == "VCP" and (
        probe[-3].tag in _NOMINAL and probe[-3].end == len(clause))


def _reinflect(clause: str, word: list[Token]) -> str:
    """The last word's ending swapped for 해요체: 지원합니다/지원한다/지원함/지원하며 -> 지원해요."""
    last = word[-1]
    if last.tag == "EF" and last.form.endswith("요"):
        return clause
    stem = word[:-1]
    prefix = clause[:word[0].start]
    if stem and stem[-1].tag == "VCP":  # …입니다 / …이다 -> the noun with the copula
        noun_end = stem[-1].start
        return attach(clause[:noun_end], Particle.COPULA)
    if stem and stem[-1].tag == "VCN":  # 아닙니다 -> 아니에요
        return clause[:stem[-1].start] + "아니에요"
    if stem and stem[-1].form == "시" and stem[-1].tag == "EP":  # 하십시오 / 하십니다 -> 하세요
        return prefix + kiwi.join([(t.form, t.tag) for t in stem[:-1]] + [("세요", "EF")])
    if not stem:
        return clause
    return prefix + kiwi.join([(t.form, t.tag) for t in stem] + [("어요", "EF")])


def _noun_predicate(clause: str, tokens: list[Token], mood: Mood) -> str:
    """A clause ending in a noun, made a sentence: a verbal noun is conjugated
    (지원해요, 신청하시면 돼요, 면제돼요, 가능해요), any other noun phrase takes the copula."""
    last = tokens[-1]
    if last.form == "자" and last.tag == "NNB" and len(tokens) > 1 and tokens[-2].tag == "ETM":
        # "…인 자" (one who …) is the written word for a person; said, it is "…인 분".
        return attach(clause[:last.start] + "분", Particle.COPULA)
    kind = _predicate_kind(tokens[-4:]) if last.tag == "NNG" else None
    if kind == "adjective":
        return clause + "해요"
    if kind == "verb":
        if mood is Mood.GUIDE and last.form in RESIDENT_ACTIONS:
            return clause + "하시면 돼요"
        # "…거주하시는 분" only when the clause has no subject of its own ("…중 1명이 … 거주").
        if mood is Mood.DESCRIBE and not any(t.tag == "JKS" for t in tokens):
            if last.form in PERSON_STATES:
                return clause + "하시는 분이에요"
            if last.form in PERSON_PAST_STATES:
                return clause + "하신 분이에요"
        # A passive says a state ("기본료 면제돼요") only when nothing is its object.
        if last.form in _STATE_NOUNS and mood is not Mood.GUIDE and not any(t.tag == "JKO" for t in tokens):
            return clause + "돼요"
        return clause + "해요"
    return attach(clause, Particle.COPULA)


_KINDS: dict[tuple[tuple[str, str], ...], str | None] = {}


def _predicate_kind(context: list[Token]) -> str | None:
    key = tuple((t.form, t.tag) for t in context)
    if key not in _KINDS:
        _KINDS[key] = _model_predicate_kind(context)
    return _KINDS[key]


def _model_predicate_kind(context: list[Token]) -> str | None:
    """Whether the noun ending `context` is read here as a verb (…하다), an
    adjective (가능하다, 필요하다) or a plain noun, by Kiwi's language model:
    the likelihood that 하 follows it against that of the copula."""
    noun = context[-1].form
    if noun in _NEVER_PREDICATES:
        return None
    scores = kiwi.next_morpheme_scores(context)
    verb = scores.get(("하", "XSV"), float("-inf"))
    adjective = scores.get(("하", "XSA"), float("-inf"))
    copula = scores.get(("이", "VCP"), float("-inf"))
    if len(noun) > 1 and adjective > max(verb, copula):
        return "adjective"
    # A one-syllable noun is more often a word cut short by the source ("…희망하는 청") than a verb.
    if noun in VERBAL_NOUNS or (len(noun) > 1 and verb > _LM_VERB_FLOOR and verb > copula):
        return "verb"
    return None
