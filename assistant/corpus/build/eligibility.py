"""Who a service is for, read from its record: age, household, income, disability,
region, other conditions, and the documents to bring.

Every criterion keeps the record's own sentence (`evidence`, a verbatim part of
the field it was read from) so an answer can say why a service fits and a
deployer can check it. The patterns are the general phrasings of Korean welfare
records (만 65세 이상, 기준 중위소득 50% 이하, 독거, 중증장애인), not rules for
particular services. What a record does not state stays unknown (None).

Criteria read from one sentence that lists alternatives ("기초생활수급자 및
차상위계층, 저소득 한부모가족") keep only what all alternatives share: the income
tiers are alternatives of one criterion, but a household or disability named
beside other groups is not required of every applicant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..schema import (
    AgeCriterion,
    BirthCriterion,
    Condition,
    ConditionCriterion,
    Criteria,
    DisabilityCriterion,
    Document,
    GroupCriterion,
    Household,
    HouseholdCriterion,
    IncomeCriterion,
    IncomeTier,
    RegionCriterion,
    Service,
)
from ..targets import infer_targets

# Records run items together; these marks start a new one.
_SPLIT = re.compile(r"\n+|(?<=[^\d][.!?])\s+|(?<=다\.)|\s*(?:^|\s)[-※○●◦•▪□■ㅇ*①②③④⑤⑥⑦⑧⑨⑩]\s*|\s+/\s+|;\s*")
EVIDENCE_MAX = 140

# --- age ------------------------------------------------------------------------
_N = r"(\d{1,3})"
_YEARS = r"\s*세"
_AGE_RANGE = re.compile(rf"(?:만\s*)?{_N}\s*(?:세\s*)?[~∼～]\s*(?:만\s*)?{_N}{_YEARS}\s*(미만)?")
_AGE_BETWEEN = re.compile(rf"(?:만\s*)?{_N}{_YEARS}\s*이상\s*(?:만\s*)?{_N}{_YEARS}\s*(이하|미만)")
_AGE_FROM = re.compile(rf"(?:만\s*)?{_N}{_YEARS}\s*(이상|초과|부터)")
_AGE_UPTO = re.compile(rf"(?:만\s*)?{_N}{_YEARS}\s*(?:\([^)]{{0,20}}\)\s*)?(이하|미만|까지)")
_CHILD_NOUN = r"(?:의\s*)?[가-힣]{0,3}(?:영아|영유아|유아|아동|아기|자녀|아)"
_MONTHS_UPTO = re.compile(rf"(?:생후\s*)?{_N}\s*개월\s*(미만|이하|이내)\s*{_CHILD_NOUN}")
_MONTHS_RANGE = re.compile(rf"{_N}\s*[~∼～]\s*{_N}\s*개월\s*(?:미만)?\s*{_CHILD_NOUN}")
_AFTER_BIRTH = re.compile(r"(?:출생|출산|생후)\s*(?:후|일로부터|일\s*기준)?\s*(\d{1,3})\s*(개월|일)\s*(?:이내|미만|까지)?")
_CHILD_AFTER = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:의\s*)?(?:\S{0,6}\s)?(?:아동|자녀|영유아|영아|유아|아이|입양아동|손자녀|미취학|취학|초등|중학|고등|신생아)")
_RAISES = re.compile(r"양육|부양|키우|자녀|아동을|보호자")
_NO_LIMIT = re.compile(r"연령\s*제한\s*없")

# --- birth ----------------------------------------------------------------------
_PREGNANT = re.compile(r"임신\s*중|임신한|임산부|임부|임신부|임신\s*\d+\s*주|임신\s*(?:확인|기간)")
_BIRTH = re.compile(r"출산\s*(?:\([^)]{0,20}\)\s*)?(?:가정|가구|한|예정|후|일)|출생아|출생\s*(?:아동|한|신고|후|일)|신생아|산모|영아\s*가구")
_WISH = re.compile(r"임신을?\s*희망|난임")

# --- household ------------------------------------------------------------------
_HOUSEHOLD: dict[Household, re.Pattern[str]] = {
    "1인": re.compile(r"독거|홀로|혼자\s*(?:살|사는|거주)|1\s*인\s*가구|1\s*인\s*세대|단독\s*(?:가구|세대)"),
    "부부": re.compile(r"부부\s*(?:가구|세대)|노인\s*부부|고령\s*부부|노인\s*2\s*인\s*가구"),
    "한부모": re.compile(r"한부모|미혼모|미혼부"),
    "조손": re.compile(r"조손|조부모가\s*손자녀|손자녀를?\s*양육"),
    "3세대": re.compile(r"3\s*세대\s*(?:가정|가구|이상)"),
}

# --- income ---------------------------------------------------------------------
_TIERS: dict[IncomeTier, re.Pattern[str]] = {
    "기초생활수급": re.compile(r"기초\s*생활\s*(?:보장\s*)?수급|생계\s*급여|의료\s*급여|주거\s*급여|교육\s*급여|"
                               r"(?<![가-힣])수급자(?:\s*및|\s*,|\s*또는)|법정\s*저소득"),
    "차상위": re.compile(r"차상위"),
    "기초연금수급": re.compile(r"기초\s*연금\s*수급"),
    "저소득": re.compile(r"저소득"),
}
_MEDIAN = re.compile(r"중위\s*소득\s*(?:의\s*)?(\d{1,3})\s*%\s*(?:이하|미만|이내)")
_LOWEST = re.compile(r"소득\s*(?:인정액\s*)?하위\s*(\d{1,3})\s*%")

# --- disability -----------------------------------------------------------------
_DISABLED = re.compile(r"장애(?:인|아동|아|학생|가|를|정도|등급|유형|등록|\s*판정)?")
_SEVERE = re.compile(r"중증\s*장애|장애\s*(?:의\s*)?정도가\s*심한|심한\s*장애|(?:장애\s*)?1\s*[~∼]\s*[23]\s*급")
_MILD = re.compile(r"경증\s*장애|장애\s*(?:의\s*)?정도가\s*심하지\s*않은")
# Words that name a disability program or a profession, not the applicant's disability.
_NOT_APPLICANT = re.compile(r"장애인\s*(?:고용|표준사업장|직업재활시설|기업)|장애\s*예방|장애물")

# --- region ---------------------------------------------------------------------
_RESIDES = re.compile(r"(시흥시|시흥|경기도|경기|도내|관내)\s*(?:에|내|내에)?\s*(?:[가-힣 ]{0,12}?)"
                      r"(?:주민\s*등록|주소|거주|살고)")

# --- other conditions -----------------------------------------------------------
_CONDITIONS: dict[Condition, re.Pattern[str]] = {
    "보훈": re.compile(r"국가\s*유공자|보훈|참전|독립\s*유공|제대\s*군인|고엽제|5[·.]18|특수\s*임무|상이자"),
    "다문화": re.compile(r"다문화|결혼\s*이민|결혼\s*이주"),
    "북한이탈주민": re.compile(r"북한\s*이탈|탈북"),
    "농어업인": re.compile(r"농업인|어업인|농어업인|농가|어가|영농|어업\s*종사|농어촌\s*주민"),
    "구직자": re.compile(r"구직|미취업|실업자|실직|취업\s*준비|취업을?\s*희망"),
    "학생": re.compile(r"재학\s*중|재학생|대학생|대학원생|초[·등]?\s*중[·등]?\s*고|초등학생|중학생|고등학생"),
    # A diagnosis, an assessed grade or a harm suffered: the counselor cannot know it.
    "진단·판정": re.compile(r"진단|판정|환자|질환|수술|입원|등급을?\s*(?:받|인정)|피해자|학대|중독|난임|실종"),
    "입양·위탁·시설": re.compile(r"입양|위탁|퇴소|입소|보호\s*종료|시설에?\s*(?:생활|거주|입소)"),
    "사업자": re.compile(r"사업주|사업자|(?<![가-힣])기업|중소기업|법인|소상공인|자영업|사업장|창업|협동조합|"
                        r"사회적\s*경제|단체|기관\s*및\s*시설"),
}
# An alternatives list: groups joined by 및, 또는, commas; requirements joined by these.
_ALTERNATIVES = re.compile(r"\s(?:및|또는|이나)\s|,\s*|·")
_PARENTHESES = re.compile(r"\([^()]*\)")
_AND = re.compile(r"\s중\s|이면서|이고\s|으?로서|에\s*해당하는|인\s")
_ASIDE = re.compile(r"[가-힣]{0,6}\s*(?:또한|도\s|포함|제외|우선|은\s*연령|는\s*연령|의\s*경우)")

# --- documents ------------------------------------------------------------------
_DOC_CUE = re.compile(r"지참|제출|첨부|제시|구비\s*서류|제출\s*서류|첨부\s*서류|증빙\s*서류|필요\s*서류|소지")
_DOC_HEAD = (r"신분증|주민등록증|증명서|확인서|진단서|소견서|신청서|등본|초본|사본|영수증|계획서|의뢰서|통지서|"
             r"동의서|위임장|기록지|진료기록|유공자증|복지카드|건강검진표|통장|사진|승선권|등록증")
# A head noun with the word it is written into ("가족관계증명서"), or after a
# separate modifier when the head says nothing alone ("통장 사본", "의사 소견서").
_DOCUMENT = re.compile(rf"(?:(?<=[\s(,·'‘])|^)((?:[가-힣]{{1,8}}\s)?[가-힣]{{0,10}}(?:{_DOC_HEAD}))")
_BARE_HEADS = re.compile(r"^(?:사본|등본|초본|소견서|진단서|증명서|확인서|신청서|영수증|계획서)$")
_DOC_NOT_MODIFIER = re.compile(r"(?:및|또는|등|후|시|의|를|을|와|과|에|서|로|은|는|이|가)$")


def sentences(text: str) -> list[str]:
    """The items of a record text, each a verbatim part of it."""
    return [s.strip(" ,:") for s in _SPLIT.split(text or "") if s and len(s.strip(" ,:")) >= 2]


def _evidence(sentence: str, match: re.Match[str]) -> str:
    """The sentence, or around `match` when the record ran many items together;
    always a verbatim part of it."""
    if len(sentence) <= EVIDENCE_MAX:
        return sentence
    start = max(0, match.start() - EVIDENCE_MAX // 3)
    end = min(len(sentence), start + EVIDENCE_MAX)
    if start > 0 and (space := sentence.find(" ", start, match.start())) >= 0:
        start = space + 1
    if end < len(sentence) and (space := sentence.rfind(" ", match.end(), end)) >= 0:
        end = space
    return sentence[start:end].strip(" ,:")


def _outside_parentheses(sentence: str, at: int) -> bool:
    return sentence.count("(", 0, at) <= sentence.count(")", 0, at)


def _age(items: list[str]) -> AgeCriterion | None:
    for sentence in items:
        found = _age_in(sentence)
        if found is not None:
            low, high, match = found
            if not _outside_parentheses(sentence, match.start()) and _NO_LIMIT.search(sentence):
                continue
            if (low is not None and low > 120) or (high is not None and high > 120) or (
                    low is not None and high is not None and low > high):
                continue
            child = bool(_CHILD_AFTER.search(sentence[match.end():])) or (
                high is not None and high < 19 and bool(_RAISES.search(sentence)))
            return AgeCriterion(min_years=low, max_years=high, applies_to="자녀" if child else "본인",
                                evidence=_evidence(sentence, match))
    return None


def _age_in(sentence: str) -> tuple[int | None, int | None, re.Match[str]] | None:
    """The first age range the sentence states: (min, max) in whole years, inclusive."""
    candidates: list[tuple[int, int | None, int | None, re.Match[str]]] = []
    if m := _AGE_BETWEEN.search(sentence):
        candidates.append((m.start(), int(m[1]), int(m[2]) - (m[3] == "미만"), m))
    if m := _AGE_RANGE.search(sentence):
        candidates.append((m.start(), int(m[1]), int(m[2]) - bool(m[3]), m))
    if m := _AGE_FROM.search(sentence):
        candidates.append((m.start(), int(m[1]) + (m[2] == "초과"), None, m))
    if m := _AGE_UPTO.search(sentence):
        candidates.append((m.start(), None, int(m[1]) - (m[2] == "미만"), m))
    if m := _MONTHS_RANGE.search(sentence):
        candidates.append((m.start(), int(m[1]) // 12, (int(m[2]) - 1) // 12, m))
    if m := _MONTHS_UPTO.search(sentence):
        months = int(m[1]) - (m[2] == "미만")
        candidates.append((m.start(), 0, max(months, 1) // 12 if months >= 12 else 0, m))
    if not candidates:
        return None
    # The earliest mention; at one place the fullest reading (a range over one end).
    candidates.sort(key=lambda c: (c[0], (c[1] is None) + (c[2] is None)))
    _, low, high, match = candidates[0]
    return low, high, match


def _birth(items: list[str]) -> BirthCriterion | None:
    for sentence in items:
        if _WISH.search(sentence):
            continue
        pregnant, born = _PREGNANT.search(sentence), _BIRTH.search(sentence)
        if pregnant and (not born or pregnant.start() < born.start()):
            return BirthCriterion(stage="임신", evidence=_evidence(sentence, pregnant))
        if m := born:
            within = None
            if after := _AFTER_BIRTH.search(sentence):
                n = int(after[1])
                within = n if after[2] == "개월" else -(-n // 30)
            return BirthCriterion(stage="출산", within_months=within, evidence=_evidence(sentence, m))
    return None


def _is_alternative(sentence: str, match: re.Match[str], others: Iterable[re.Pattern[str]]) -> bool:
    """Whether the matched group stands in one list beside a group of another
    kind ("기초생활수급자 및 차상위계층, 저소득 한부모가족"): then it is one of the
    alternatives, not required of everyone. "X 중 Y", "X이면서 Y" join requirements."""
    start = max((m.end() for m in _AND.finditer(sentence, 0, match.start())), default=0)
    end = next((m.start() for m in _AND.finditer(sentence, match.end())), len(sentence))
    window = _PARENTHESES.sub(" ", sentence[max(start, match.start() - 30):min(end, match.end() + 30)])
    return bool(_ALTERNATIVES.search(window)) and any(p.search(window) for p in others)


def _aside(sentence: str, match: re.Match[str]) -> bool:
    """A mention that adds to or exempts from the rule ("…도 포함", "…는 제외", "…또한")."""
    return bool(_ASIDE.match(sentence, match.end())) or not _outside_parentheses(sentence, match.start())


def _income_patterns() -> list[re.Pattern[str]]:
    return [*_TIERS.values(), _MEDIAN, _LOWEST]


def _household(items: list[str]) -> HouseholdCriterion | None:
    for sentence in items:
        kinds: list[Household] = []
        first: re.Match[str] | None = None
        for kind, pattern in _HOUSEHOLD.items():
            m = next((m for m in pattern.finditer(sentence) if not _aside(sentence, m) and not _is_alternative(
                sentence, m, [*_income_patterns(), _DISABLED])), None)
            if m:
                kinds.append(kind)
                first = first if first is not None and first.start() < m.start() else m
        if kinds and first is not None:
            return HouseholdCriterion(kinds=tuple(kinds), evidence=_evidence(sentence, first))
    return None


def _income(items: list[str]) -> IncomeCriterion | None:
    for sentence in items:
        tiers = [t for t, p in _TIERS.items() if p.search(sentence)]
        median = _MEDIAN.search(sentence)
        lowest = _LOWEST.search(sentence)
        if not tiers and not median and not lowest:
            continue
        # 저소득 beside a named tier adds nothing: the named tier says which.
        if len(tiers) > 1 and "저소득" in tiers:
            tiers.remove("저소득")
        spots = [m for m in (median, lowest, *(p.search(sentence) for p in _TIERS.values())) if m]
        first = min(spots, key=lambda m: m.start())
        return IncomeCriterion(tiers=tuple(tiers), median_income_percent=int(median[1]) if median else None,
                               lowest_income_percent=int(lowest[1]) if lowest else None,
                               evidence=_evidence(sentence, first))
    return None


def _disability(items: list[str]) -> DisabilityCriterion | None:
    others = [*_income_patterns(), *_HOUSEHOLD.values(), re.compile(r"어르신|노인|고령자|아동|청소년|임산부|국가유공자")]
    for sentence in items:
        cleaned = _NOT_APPLICANT.sub(" ", sentence)
        m = next((m for m in _DISABLED.finditer(cleaned)
                  if not _aside(cleaned, m) and not _is_alternative(cleaned, m, others)), None)
        if not m:
            continue
        severity = "중증" if _SEVERE.search(cleaned) else "경증" if _MILD.search(cleaned) else "등록"
        # "중증장애인에 해당하지 않는" is the milder group.
        if severity == "중증" and re.search(r"중증\s*장애인?에?\s*해당하지\s*않", cleaned):
            severity = "경증"
        return DisabilityCriterion(severity=severity, evidence=_evidence(sentence, m))
    return None


def _region(items: list[str], service: Service) -> RegionCriterion | None:
    for sentence in items:
        if m := _RESIDES.search(sentence):
            place = m[1]
            area = {"시흥": "시흥시", "경기": "경기도", "도내": "경기도"}.get(place, place)
            if place == "관내":
                area = service.region.label
            if area == "전국":
                continue
            return RegionCriterion(area=area, evidence=_evidence(sentence, m))
    return None


def _conditions(items: list[str]) -> ConditionCriterion | None:
    for sentence in items:
        kinds: list[Condition] = []
        first: re.Match[str] | None = None
        for kind, pattern in _CONDITIONS.items():
            if m := next((m for m in pattern.finditer(sentence) if not _aside(sentence, m)), None):
                kinds.append(kind)
                first = first if first is not None and first.start() < m.start() else m
        if kinds and first is not None:
            return ConditionCriterion(kinds=tuple(kinds), evidence=_evidence(sentence, first))
    return None


def _groups(items: list[str]) -> GroupCriterion | None:
    for sentence in items:
        groups = infer_targets(sentence)
        if groups:
            return GroupCriterion(groups=groups, evidence=sentence if len(sentence) <= EVIDENCE_MAX
                                  else _evidence(sentence, re.search(r"\S", sentence)))  # type: ignore[arg-type]
    return None


def extract_criteria(service: Service) -> Criteria:
    """What the record says about who may apply. The eligibility text, or the
    summary when the record has no eligibility text."""
    items = sentences(service.eligibility or service.summary)
    return Criteria(age=_age(items), birth=_birth(items), groups=_groups(items), household=_household(items),
                    income=_income(items), disability=_disability(items), region=_region(items, service),
                    conditions=_conditions(items))


def extract_documents(service: Service) -> tuple[Document, ...]:
    """What the record says to bring or submit, from its sentences that say so."""
    found: dict[str, Document] = {}
    for text in (service.how_to_apply, service.notes, service.eligibility, service.benefit):
        for sentence in sentences(text):
            cue = _DOC_CUE.search(sentence)
            if not cue:
                continue
            for m in _DOCUMENT.finditer(sentence):
                name = m[1].strip()
                first, _, rest = name.partition(" ")
                # "및 신청서", "후 신분증": a joining word is not part of the name.
                if rest and (_DOC_NOT_MODIFIER.search(first) or not _BARE_HEADS.match(rest)):
                    name = rest
                if len(name) >= 2 and name not in found:
                    found[name] = Document(name=name, evidence=_evidence(sentence, m))
    return tuple(found.values())


def with_eligibility(service: Service) -> Service:
    return service.model_copy(update={"criteria": extract_criteria(service),
                                      "documents": extract_documents(service)})
