"""복지로 service list: national and local services, list level only (title,
department, one-line summary, region, application URL).

`contact` in this file is a view count, not a phone number, and is ignored;
the machine-assigned age and household tags are not trusted for targets.
"""

from __future__ import annotations

from typing import Iterator

from ...schema import Contact, Service, Source
from ...targets import infer_targets
from .base import ImportReport, clean, optional_str, read_records, require_str
from .places import Places

FILE = "bokjiro_services_list.json"
AS_OF = "2026-06"


def _region_fields(record: dict) -> tuple[str | None, str | None]:
    regions = record.get("regions")
    if not isinstance(regions, dict):
        raise ValueError("`regions` is not an object")
    values = []
    for key in ("sido", "districts"):
        value = regions.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"`regions.{key}` is not a list of names")
        values.append(value[0] if len(value) == 1 else None)
    return values[0], values[1]


def places_in(records: list) -> Iterator[tuple[str, str]]:
    """(province, city) pairs the file names, for the gazetteer."""
    for record in records:
        try:
            sido, sigungu = _region_fields(record)
        except (ValueError, AttributeError):
            continue
        if sido and sigungu:
            yield sido, sigungu


def read_bokjiro_list(records: list, places: Places, report: ImportReport) -> list[Service]:
    return read_records(FILE, records, "id", report,
                        lambda record, record_id: _service(record, record_id, places))


def _service(record: dict, record_id: str, places: Places) -> Service | None:
    """The record as a service; None when the corpus leaves it out (another region)."""
    title = require_str(record, "title")
    organization = optional_str(record, "organization")
    sido, sigungu = _region_fields(record)
    region = places.region(None if record.get("source") == "national" else sido, sigungu, organization)
    if region is None:
        return None
    summary = optional_str(record, "plain_desc")
    categories = record.get("categories") or []
    cycle = optional_str(record, "support_cycle")
    updated = optional_str(record, "updated_at")
    return Service(
        id=f"src-{record_id.lower()}",
        name=title,
        region=region,
        targets=infer_targets(title, summary),
        category=clean(categories[0]) if isinstance(categories, list) and categories else None,
        summary=summary,
        contacts=(Contact(organization=organization),) if len(organization) >= 2 else (),
        notes=f"지원 주기: {cycle}" if cycle else "",
        sources=(Source(file=FILE, record=record_id, url=optional_str(record, "apply_url") or None),),
        as_of=updated[:10] if updated[:4].isdigit() else AS_OF,
    )
