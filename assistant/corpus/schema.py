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
