"""The few facts of a service a resident needs on screen: its name, how to apply, whom to call, and its source."""

from __future__ import annotations

import textwrap

from ..core.events import PhoneEntry, ServiceCard
from ..corpus.schema import Phone, Service, Source
from .extractive import items

# At kiosk type sizes a line of the card holds about 12 characters; it keeps to a few lines.
HOW_TO_APPLY_CHARS = 30
MAX_PHONES = 2

# The source files, named as a resident would recognize them.
SOURCE_NAMES = {
    "booklet2024_chunks.json": "2024 복지서비스 안내 책자",
    "bokjiro_services_list.json": "복지로 서비스 목록",
    "bokjiro_local_detail_family.json": "복지로 지역 복지서비스 안내",
    "gov24_services.json": "정부24 보조금24",
}


def source_in_words(source: Source) -> str:
    """ "2024 복지서비스 안내 책자 220쪽", never an internal file name."""
    name = SOURCE_NAMES.get(source.file, "공공 복지 자료")
    return f"{name} {source.page}쪽" if source.page else name


def phone_entries(phones: list[Phone], limit: int = MAX_PHONES) -> tuple[PhoneEntry, ...]:
    """The numbers to show, best first (`phones` come best first from the answerer)."""
    return tuple(PhoneEntry(p.organization or "", p.number) for p in phones[:limit])


def service_card(service: Service, phones: list[Phone]) -> ServiceCard:
    steps = items(service.how_to_apply)
    how = textwrap.shorten(" ".join(steps[:2]), HOW_TO_APPLY_CHARS, placeholder=" …") if steps else ""
    return ServiceCard(
        id=service.id,
        name=service.name,
        region=service.region.label if service.region.scope != "전국" else "",
        how_to_apply=how,
        phones=phone_entries(phones),
        source=source_in_words(service.sources[0]),
    )
