"""보조금24 / 정부24 benefit list: name, purpose, department, full eligibility
text, application channel, region (`경기`, `전국`) and deadline."""

from __future__ import annotations

from ..contacts import contacts_in_text, merge_contacts
from ...schema import Contact, Service, Source
from ...targets import infer_targets
from .base import ImportReport, optional_str, read_records, require_str
from .places import Places

FILE = "gov24_services.json"
AS_OF = "2026-08"
# Channel codes that say nothing a resident can act on.
_PLACEHOLDER_CHANNELS = {"직접입력", ""}
_OPEN_DEADLINES = {"상시", "상시모집"}
# The collector filed records by topic (`data/business.json`); the topic is the category.
_TOPICS = {"subsidies": "보조금", "medical": "의료", "housing": "주거", "business": "기업·소상공인",
           "finance": "금융"}


def _channels(how: str) -> str:
    """`정부24온라인신청||방문신청` -> `정부24온라인신청, 방문신청`; free text is kept."""
    parts = [p.strip() for p in how.split("||")]
    return ", ".join(p for p in parts if p not in _PLACEHOLDER_CHANNELS)


def read_gov24(records: list, places: Places, report: ImportReport) -> list[Service]:
    return read_records(FILE, records, "id", report,
                        lambda record, record_id: _service(record, record_id, places))


def _service(record: dict, record_id: str, places: Places) -> Service | None:
    """The record as a service; None when the corpus leaves it out (another region)."""
    name = require_str(record, "name")
    organization = optional_str(record, "org")
    region_label = optional_str(record, "region")
    region = places.region(region_label or None, None, organization, name)
    if region is None:
        return None
    summary, eligibility = optional_str(record, "desc"), optional_str(record, "target")
    how = _channels(optional_str(record, "how"))
    deadline = optional_str(record, "deadline")
    collected = optional_str(record, "collected_date")
    contacts = [Contact(organization=organization)] if len(organization) >= 2 else []
    return Service(
        id=f"src-{record_id.lower()}",
        name=name,
        region=region,
        targets=infer_targets(name, summary, eligibility),
        category=_TOPICS.get(optional_str(record, "_file").rpartition("/")[2].removesuffix(".json")),
        summary=summary,
        eligibility=eligibility,
        how_to_apply=how,
        contacts=merge_contacts(contacts, contacts_in_text("\n".join((summary, eligibility, how)))),
        notes="" if not deadline or deadline in _OPEN_DEADLINES else f"신청 기한: {deadline}",
        sources=(Source(file=FILE, record=record_id, url=optional_str(record, "url") or None),),
        as_of=collected[:10] if collected[:4].isdigit() else AS_OF,
    )
