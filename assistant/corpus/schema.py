"""The knowledge-base record: one welfare service, whatever source it came from.

`corpus/services.jsonl` holds one `Service` per line (written by the importer);
`corpus/local/*.yaml` holds services a deployer adds by hand. Both are
validated against this model when loaded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["전국", "광역", "기초"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Record):
    """Where a service applies. `전국` is national; otherwise `sido` names the
    province or metropolitan city and `sigungu` the city/county when local."""

    scope: Scope = "전국"
    sido: str | None = None
    sigungu: str | None = None

    @property
    def label(self) -> str:
        return self.sigungu or self.sido or "전국"


class Phone(_Record):
    number: str = Field(pattern=r"^\d{3,4}(-\d{3,4}){0,2}$|^\d{2,3}-\d{3,4}-\d{4}$")
    organization: str | None = None


class Contact(_Record):
    organization: str
    phones: tuple[Phone, ...] = ()


class FAQ(_Record):
    question: str
    answer: str


class Source(_Record):
    file: str
    page: int | None = None
    record: str | None = None
    url: str | None = None


# --- Eligibility read from the record (assistant/corpus/build/eligibility.py) ---
# Each criterion keeps the record's own sentence that states it (`evidence`),
# so an answer can say why and a deployer can check it. A criterion that the
# record does not state is absent (None): unknown, never guessed.

Household = Literal["1인", "부부", "한부모", "조손", "3세대"]
IncomeTier = Literal["기초생활수급", "차상위", "기초연금수급", "저소득"]
Severity = Literal["등록", "중증", "경증"]
BirthStage = Literal["임신", "출산"]
# Conditions other than age, household, income and disability that a record
# sets on who may apply; 진단·판정 is a diagnosis, an assessed grade or a harm
# suffered; 입양·위탁·시설 an adoption, foster care or a stay in a facility;
# 사업자 marks services for employers and businesses.
Condition = Literal["보훈", "다문화", "북한이탈주민", "농어업인", "구직자", "학생", "진단·판정", "입양·위탁·시설",
                    "사업자"]


class Criterion(_Record):
    evidence: str = Field(min_length=2)


class AgeCriterion(Criterion):
    """An age range in whole years, both ends inclusive (18세 미만 is max 17).
    `applies_to` 자녀 when the age is that of a child the applicant raises."""

    min_years: int | None = Field(None, ge=0)
    max_years: int | None = Field(None, ge=0)
    applies_to: Literal["본인", "자녀"] = "본인"


class BirthCriterion(Criterion):
    """임신 중 (pregnancy) or 출산 (a baby born within `within_months`)."""

    stage: BirthStage
    within_months: int | None = Field(None, ge=0)


class HouseholdCriterion(Criterion):
    kinds: tuple[Household, ...] = Field(min_length=1)


class IncomeCriterion(Criterion):
    """Any of the named tiers, or income under a share of 기준 중위소득, or in
    the lowest share of incomes (소득 하위 70 %)."""

    tiers: tuple[IncomeTier, ...] = ()
    median_income_percent: int | None = Field(None, gt=0)
    lowest_income_percent: int | None = Field(None, gt=0)


class DisabilityCriterion(Criterion):
    severity: Severity = "등록"


class RegionCriterion(Criterion):
    """Where the applicant must live, as the record says (경기도, 시흥시)."""

    area: str = Field(min_length=2)


class ConditionCriterion(Criterion):
    kinds: tuple[Condition, ...] = Field(min_length=1)


class GroupCriterion(Criterion):
    """Target groups the eligibility text names (vocabulary of corpus/targets.py)."""

    groups: tuple[str, ...] = Field(min_length=1)


class Criteria(_Record):
    age: AgeCriterion | None = None
    birth: BirthCriterion | None = None
    groups: GroupCriterion | None = None
    household: HouseholdCriterion | None = None
    income: IncomeCriterion | None = None
    disability: DisabilityCriterion | None = None
    region: RegionCriterion | None = None
    conditions: ConditionCriterion | None = None

    def stated(self) -> list[str]:
        """Names of the criteria the record states."""
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


class Document(_Record):
    """Something to bring or submit (신분증, 통장 사본, 진단서), with the sentence naming it."""

    name: str = Field(min_length=2)
    evidence: str = Field(min_length=2)


class Service(_Record):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=2)
    aliases: tuple[str, ...] = ()
    region: Region = Region()
    targets: tuple[str, ...] = ()
    category: str | None = None
    summary: str = ""
    eligibility: str = ""
    benefit: str = ""
    how_to_apply: str = ""
    contacts: tuple[Contact, ...] = ()
    notes: str = ""
    faq: tuple[FAQ, ...] = ()
    sources: tuple[Source, ...] = Field(min_length=1)
    as_of: str = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    # Ids of national programs this local service delivers locally
    # (e.g. 시흥시 노인일자리 delivers 노인 일자리 및 사회활동 지원).
    delivers: tuple[str, ...] = ()
    # Read from the texts above by the importer; a deployer may correct them in corpus/local/.
    criteria: Criteria = Criteria()
    documents: tuple[Document, ...] = ()

    @property
    def phones(self) -> list[Phone]:
        """Every phone number, each labelled with its organization."""
        return [p if p.organization else p.model_copy(update={"organization": c.organization})
                for c in self.contacts for p in c.phones]

    def full_text(self) -> str:
        """Every fact the record states; answers may quote only from this."""
        parts = [self.name, *self.aliases, self.summary, self.eligibility, self.benefit,
                 self.how_to_apply, self.notes]
        parts += [f"{c.organization} " + " ".join(p.number for p in c.phones) for c in self.contacts]
        parts += [f"{f.question} {f.answer}" for f in self.faq]
        return "\n".join(p for p in parts if p)
