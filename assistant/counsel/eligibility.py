"""How well a service's criteria fit a resident's profile.

Each criterion the record states is met, unmet or not yet known for this
profile. A service with an unmet criterion is not offered. Its chance of
fitting is the product, over criteria still unknown, of how often that
criterion holds for residents in general (`PRIOR`); how specifically it fits is
the surprise of the criteria met (−log₂ of the same rate): "만 65세 이상" met
says more than "전국 누구나".

The rates are rough shares of the people who ask at a community center, set
by hand and documented in docs/counseling.md; they order questions and
suggestions, they never decide eligibility on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ..corpus.build.eligibility import _age_in
from ..corpus.schema import AgeCriterion, Criteria, IncomeCriterion, Service
from .profile import OLDEST, Profile

Verdict = Literal["met", "unmet", "unknown"]
ADULT_AGES = (19, 90)
# Share of residents asking for whom each condition holds (see module doc).
PRIOR_HOUSEHOLD = {"1인": 0.3, "부부": 0.25, "한부모": 0.06, "조손": 0.02, "3세대": 0.1}
PRIOR_CONDITION = {"보훈": 0.05, "다문화": 0.04, "북한이탈주민": 0.01, "농어업인": 0.03, "구직자": 0.15,
                   "학생": 0.1, "진단·판정": 0.1, "입양·위탁·시설": 0.03, "사업자": 0.05}
PRIOR_DISABILITY = {"등록": 0.08, "중증": 0.03, "경증": 0.05}
PRIOR_CHILD = 0.3
PRIOR_BIRTH = 0.05
PRIOR_TIER = {"기초생활수급": 0.08, "차상위": 0.06, "기초연금수급": 0.15, "저소득": 0.2}
PRIOR_GROUP = {"어르신": 0.35, "장애인": 0.08, "아동": 0.3, "청소년": 0.15, "청년": 0.2, "임산부": 0.05,
               "영유아": 0.15, "저소득": 0.2, "한부모": 0.06, "다문화": 0.04, "보훈": 0.05, "여성": 0.5,
               "북한이탈주민": 0.01, "농어업인": 0.03, "구직자": 0.15, "1인가구": 0.3}


@dataclass(frozen=True)
class Check:
    criterion: str
    verdict: Verdict
    prior: float  # how often it holds for residents in general
    why: str = ""  # a few words for a met criterion ("만 65세 이상")
    open: str = ""  # what is uncertain for an unknown one ("소득 기준이 있어요")


@dataclass(frozen=True)
class Fit:
    service: Service
    checks: tuple[Check, ...]

    @property
    def excluded(self) -> bool:
        return any(c.verdict == "unmet" for c in self.checks)

    @property
    def chance(self) -> float:
        """Probability that every criterion still unknown holds."""
        return 0.0 if self.excluded else math.prod(c.prior for c in self.checks if c.verdict == "unknown")

    def _met(self) -> list[Check]:
        """Met criteria; the target groups count only when nothing more precise is met
        (they restate the age, income or household the record also sets)."""
        met = [c for c in self.checks if c.verdict == "met"]
        precise = [c for c in met if c.criterion != "groups"]
        return precise or met

    @property
    def facts_met(self) -> int:
        """How many of the resident's facts the record's criteria use."""
        return len(self._met())

    @property
    def specificity(self) -> float:
        """Bits of surprise of the criteria met: rarer criteria say more."""
        return sum(-math.log2(max(c.prior, 1e-3)) for c in self._met())

    @property
    def reasons(self) -> list[str]:
        """Why it fits, in a few words; the target group only when nothing more precise is met."""
        precise = [c.why for c in self.checks if c.verdict == "met" and c.why and c.criterion != "groups"]
        groups = [c.why for c in self.checks if c.verdict == "met" and c.why and c.criterion == "groups"]
        return list(dict.fromkeys(precise or groups))

    @property
    def uncertain(self) -> list[str]:
        return list(dict.fromkeys(c.open for c in self.checks if c.verdict == "unknown" and c.open))


def _span_share(low: int | None, high: int | None, span: tuple[int, int]) -> float:
    a, b = max(low if low is not None else 0, span[0]), min(high if high is not None else OLDEST, span[1])
    return max(0, b - a + 1) / (span[1] - span[0] + 1)


def _age_phrase(criterion: AgeCriterion) -> str:
    found = _age_in(criterion.evidence)
    return found[2][0].strip() if found else ""


def _child_prior(profile: Profile) -> float:
    """How likely the resident raises a child of that age: rarely past 60
    (grandparents raising grandchildren say so: 조손)."""
    if profile.household == "조손":
        return 0.9
    if profile.children:
        return 0.7  # has children, ages not said
    if profile.age is None:
        return PRIOR_CHILD
    return 0.05 if profile.age[0] >= 60 else 0.45 if profile.age[1] < 50 else PRIOR_CHILD


def _child_age(criterion: AgeCriterion, profile: Profile) -> Check:
    phrase = _age_phrase(criterion)
    low, high = criterion.min_years or 0, criterion.max_years if criterion.max_years is not None else OLDEST
    if profile.child_ages:
        if any(low <= a <= high for a in profile.child_ages):
            return Check("age", "met", PRIOR_CHILD, f"{phrase} 자녀")
        if profile.expecting and low == 0:
            return Check("age", "met", PRIOR_CHILD, "곧 태어날 아기")
        return Check("age", "unmet", PRIOR_CHILD)
    if profile.expecting and low == 0:
        return Check("age", "met", PRIOR_CHILD, "곧 태어날 아기")
    if profile.children is False:
        return Check("age", "unmet", PRIOR_CHILD)
    return Check("age", "unknown", _child_prior(profile),
                 open=f"{phrase} 자녀가 있어야 해요" if phrase else "자녀 나이 기준이 있어요")


def check_age(criterion: AgeCriterion, profile: Profile) -> Check:
    low, high = criterion.min_years, criterion.max_years
    # An age range entirely under adulthood is a child's, whoever applies.
    if criterion.applies_to == "자녀" or (high is not None and high < ADULT_AGES[0] and (
            profile.age is None or profile.age[0] >= ADULT_AGES[0])):
        return _child_age(criterion, profile)
    prior = _span_share(low, high, ADULT_AGES)
    phrase = _age_phrase(criterion)
    if profile.age is None:
        return Check("age", "unknown", prior, open="나이 기준이 있어요")
    a, b = profile.age
    lo, hi = low if low is not None else 0, high if high is not None else OLDEST
    if a >= lo and b <= hi:
        return Check("age", "met", prior, phrase)
    if b < lo or a > hi:
        return Check("age", "unmet", prior)
    return Check("age", "unknown", _span_share(lo, hi, (a, b)), open="나이 기준이 있어요")


def check_income(criterion: IncomeCriterion, profile: Profile) -> Check:
    tiers = set(criterion.tiers)
    prior = min(0.9, sum(PRIOR_TIER[t] for t in tiers)
                + (criterion.median_income_percent or 0) / 100 * 0.5 + (criterion.lowest_income_percent or 0) / 100)
    received_pension = "기초연금수급" in tiers and any("기초연금" in name for name in profile.received.values())
    named = {"기초생활수급": "기초생활수급자", "차상위": "차상위계층", "저소득": "저소득층"}
    income = profile.income
    if received_pension or income == "기초생활수급":
        return Check("income", "met", prior, "기초연금을 받고 계셔서" if received_pension else "기초생활수급자")
    if income == "차상위":
        median = criterion.median_income_percent or 0
        if tiers & {"차상위", "저소득"} or median >= 50 or criterion.lowest_income_percent:
            return Check("income", "met", prior, "차상위계층")
        return Check("income", "unmet", prior)
    if income == "해당없음" and tiers and tiers <= {"기초생활수급", "차상위"} and not (
            criterion.median_income_percent or criterion.lowest_income_percent):
        return Check("income", "unmet", prior)
    if income == "저소득" and "저소득" in tiers:
        return Check("income", "met", prior, named["저소득"])
    return Check("income", "unknown", prior, open="소득 기준이 있어요")


def checks(service: Service, profile: Profile, locale: tuple[str, str]) -> list[Check]:
    """Each stated criterion of `service` against `profile`; `locale` is the
    kiosk's (city, province), where the resident lives unless they said otherwise."""
    criteria: Criteria = service.criteria
    out: list[Check] = []
    if criteria.age is not None:
        out.append(check_age(criteria.age, profile))
    if (birth := criteria.birth) is not None:
        born = 0 in profile.child_ages
        if profile.expecting or (birth.stage == "출산" and born):
            out.append(Check("birth", "met", PRIOR_BIRTH, "임신·출산 가정"))
        elif profile.expecting is False and not born:
            out.append(Check("birth", "unmet", PRIOR_BIRTH))
        else:
            out.append(Check("birth", "unknown", PRIOR_BIRTH, open="임신·출산 가정이 대상이에요"))
    if (household := criteria.household) is not None:
        prior = min(0.9, sum(PRIOR_HOUSEHOLD[k] for k in household.kinds))
        words = {"1인": "혼자 사시는 분", "부부": "부부 가구", "한부모": "한부모 가족", "조손": "조손 가족",
                 "3세대": "3세대 가정"}
        if profile.household in household.kinds:
            out.append(Check("household", "met", prior, words[profile.household]))
        elif profile.household is None or (profile.household == "가족" and {"부부", "3세대"} & set(household.kinds)):
            out.append(Check("household", "unknown", prior, open="가구 기준이 있어요"))
        else:
            out.append(Check("household", "unmet", prior))
    if criteria.income is not None:
        out.append(check_income(criteria.income, profile))
    if (disability := criteria.disability) is not None:
        prior = PRIOR_DISABILITY[disability.severity]
        said = profile.disability
        whose = "자녀" if profile.disability_of == "자녀" else ""
        if said is None:
            out.append(Check("disability", "unknown", prior, open="장애가 있어야 해요"))
        elif said == "없음" or (disability.severity != "등록" and said != "등록" and said != disability.severity):
            out.append(Check("disability", "unmet", prior))
        elif disability.severity != "등록" and said == "등록":
            out.append(Check("disability", "unknown", 0.5, open=f"{disability.severity} 장애 기준이에요"))
        else:
            label = f"{disability.severity} 장애" if disability.severity != "등록" else "장애"
            out.append(Check("disability", "met", prior, f"{label}가 있는 {whose or '분'}"))
    if (region := criteria.region) is not None:
        lives = profile.region or locale[0]
        inside = region.area in (lives, locale[1]) if lives == locale[0] else region.area == lives
        out.append(Check("region", "met" if inside else "unmet", 1.0))
    if (conditions := criteria.conditions) is not None:
        prior = min(0.9, sum(PRIOR_CONDITION[k] for k in conditions.kinds))
        held = [k for k in conditions.kinds if k in profile.conditions]
        names = {"보훈": "국가유공자", "다문화": "다문화 가족", "북한이탈주민": "북한이탈주민", "농어업인": "농어업인",
                 "구직자": "일자리를 찾는 분", "학생": "학생", "진단·판정": "진단이나 판정을 받은 분",
                 "입양·위탁·시설": "입양·위탁 가정이나 시설",
                 "사업자": "사업주"}
        if held:
            out.append(Check("conditions", "met", prior, names[held[0]]))
        else:
            out.append(Check("conditions", "unknown", prior,
                             open=f"{'·'.join(names[k] for k in conditions.kinds[:2])} 대상이에요"))
    if (groups := criteria.groups) is not None:
        out.append(_check_groups(groups.groups, profile))
    return out


def _group_holds(group: str, profile: Profile) -> bool | None:
    """Whether the profile puts the resident in `group` (None: cannot tell)."""
    age = profile.age
    kids = profile.children
    rules: dict[str, bool | None] = {
        "어르신": None if age is None else age[0] >= 60 if age[0] >= 60 or age[1] < 60 else None,
        "청년": None if age is None else age[0] >= 19 and age[1] <= 39 if age[1] < 19 or age[0] > 39 or (
            age[0] >= 19 and age[1] <= 39) else None,
        "장애인": None if profile.disability is None else profile.disability != "없음",
        "임산부": profile.expecting,
        "한부모": None if profile.household is None else profile.household == "한부모",
        "1인가구": None if profile.household is None else profile.household == "1인",
        "저소득": None if profile.income is None else profile.income != "해당없음",
        "아동": True if profile.child_ages and min(profile.child_ages) < 18 else None if kids is None else kids,
        "영유아": True if profile.child_ages and min(profile.child_ages) < 6 else (
            True if profile.expecting else None if kids is None else bool(kids) and None),
    }
    if group in ("보훈", "다문화", "북한이탈주민", "농어업인", "구직자"):
        return True if group in profile.conditions else None
    return rules.get(group)


_GROUP_WORDS = {"어르신": "어르신", "장애인": "장애가 있는 분", "아동": "아동", "영유아": "영유아", "임산부": "임산부",
                "한부모": "한부모 가족", "1인가구": "혼자 사시는 분", "저소득": "저소득층", "청년": "청년",
                "청소년": "청소년", "보훈": "국가유공자", "다문화": "다문화 가족"}


def _check_groups(groups: tuple[str, ...], profile: Profile) -> Check:
    """Target groups are alternatives: one that holds is enough."""
    held = [(g, _group_holds(g, profile)) for g in groups]
    prior = min(0.9, sum(PRIOR_GROUP.get(g, 0.1) for g in groups))
    for group, holds in held:
        if holds:
            return Check("groups", "met", prior, f"{_GROUP_WORDS.get(group, group)} 대상")
    if held and all(h is False for _, h in held):
        return Check("groups", "unmet", prior)
    return Check("groups", "unknown", 1.0)


def fit(service: Service, profile: Profile, locale: tuple[str, str]) -> Fit:
    return Fit(service, tuple(checks(service, profile, locale)))
