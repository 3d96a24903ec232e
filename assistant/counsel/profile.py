"""What the counselor knows about the resident in this conversation.

Filled from what the resident says (`statements.py`) and from kiosk buttons
(the typed setters below). It lives in the `Session` and is wiped by
`Session.reset` (처음으로, idle, hang-up). Its values are personal: `repr` and
`summary` name only which fields are known, never the values, so a profile
that reaches a log shows nothing about the resident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..corpus.schema import Condition, Severity

Household = Literal["1인", "부부", "한부모", "조손", "가족"]
Income = Literal["기초생활수급", "차상위", "저소득", "해당없음"]
Whose = Literal["본인", "자녀", "가족"]
# What the counselor can ask about, most of them answered in one short reply.
Field = Literal["age", "household", "income", "disability", "family"]
OLDEST = 120


@dataclass(repr=False)
class Profile:
    # The age of the person the services are for, as a range: "72살" is
    # (72, 72), "70대" (70, 79), "65세 이상" (65, 120).
    age: tuple[int, int] | None = None
    household: Household | None = None
    income: Income | None = None
    # Severity of a disability in the household (None: not said; "없음": none).
    disability: Severity | Literal["없음"] | None = None
    disability_of: Whose = "본인"
    # Children: None not said, False none; their ages when said.
    children: bool | None = None
    child_ages: tuple[int, ...] = ()
    # A baby expected in the household (임신 중, 출산 예정), or born lately.
    expecting: bool | None = None
    region: str | None = None
    conditions: set[Condition] = field(default_factory=set)
    # Services the resident already receives (id -> name); never offered again.
    received: dict[str, str] = field(default_factory=dict)

    # --- typed setters (kiosk buttons, and the statement reader) -------------------
    def set_age(self, years: int) -> None:
        if not 0 <= years <= OLDEST:
            raise ValueError(f"not an age: {years}")
        self.age = (years, years)

    def set_age_range(self, low: int, high: int) -> None:
        if not 0 <= low <= high <= OLDEST:
            raise ValueError(f"not an age range: {low}-{high}")
        self.age = (low, high)

    def set_household(self, household: Household) -> None:
        self.household = household
        if household == "1인":
            self.children = self.children if self.child_ages else False
        if household in ("한부모", "조손"):
            self.children = True

    def set_income(self, income: Income) -> None:
        self.income = income

    def set_disability(self, severity: Severity | Literal["없음"], whose: Whose = "본인") -> None:
        self.disability, self.disability_of = severity, whose
        if whose == "자녀":
            self.children = True

    def add_child(self, age: int | None = None) -> None:
        self.children = True
        if age is not None and 0 <= age <= OLDEST and age not in self.child_ages:
            self.child_ages = (*self.child_ages, age)

    def set_no_children(self) -> None:
        self.children, self.child_ages = False, ()
        if self.expecting is None:
            self.expecting = False

    def set_expecting(self, expecting: bool = True) -> None:
        self.expecting = expecting

    def set_region(self, region: str) -> None:
        self.region = region

    def add_condition(self, condition: Condition) -> None:
        self.conditions.add(condition)

    def add_received(self, service_id: str, name: str) -> None:
        self.received[service_id] = name

    # --- reading -----------------------------------------------------------------
    def known(self) -> list[str]:
        """Names of the fields the resident has told (for logs: names only)."""
        values = {"age": self.age, "household": self.household, "income": self.income,
                  "disability": self.disability, "children": self.children, "expecting": self.expecting,
                  "region": self.region, "conditions": self.conditions, "received": self.received}
        return [name for name, value in values.items() if value not in (None, set(), (), {})]

    def answered(self, asked: Field) -> bool:
        """Whether a question about `asked` has its answer."""
        return {"age": self.age is not None, "household": self.household is not None,
                "income": self.income is not None, "disability": self.disability is not None,
                "family": bool(self.child_ages) or self.expecting is not None or self.children is False}[asked]

    def is_empty(self) -> bool:
        return not self.known()

    def __repr__(self) -> str:
        return f"Profile(known={self.known()})"

    summary = __repr__
