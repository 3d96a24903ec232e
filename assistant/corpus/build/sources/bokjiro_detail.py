"""복지로 local-government service detail (infant, child, pregnancy and birth
services): full target, criteria, benefit, how to apply, laws and contacts with
phone numbers."""

from __future__ import annotations

from typing import Iterator

from ..contacts import contacts_in_text, merge_contacts, parse_contacts
from ...schema import Service, Source
from ...targets import infer_targets
from .base import ImportReport, clean, optional_str, read_records, require_str
from .places import Places

FILE = "bokjiro_local_detail_family.json"
RECORDS_KEY = "items"
AS_OF = "2026-08"


def places_in(records: list) -> Iterator[tuple[str, str]]:
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("ctpv"), str) and isinstance(record.get("sgg"), str):
            yield record["ctpv"], record["sgg"]


def _date(value: str) -> str | None:
    """`20260801` -> `2026-08-01`."""
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else None


def read_bokjiro_detail(records: list, places: Places, report: ImportReport) -> list[Service]:
    return read_records(FILE, records, "servId", report,
                        lambda record, serv_id: _service(record, serv_id, places), label="item")


def _service(record: dict, serv_id: str, places: Places) -> Service | None:
    """The record as a service; None when the corpus leaves it out (another region)."""
    name = require_str(record, "servNm")
    detail = record.get("detail") or {}
    if not isinstance(detail, dict):
        raise ValueError("`detail` is not an object")
    raw_contacts = detail.get("contacts") or []
    laws = detail.get("laws") or []
    if not isinstance(raw_contacts, list) or not isinstance(laws, list):
        raise ValueError("`detail.contacts` and `detail.laws` must be lists")
    contact_lines = [clean(c) for c in raw_contacts if isinstance(c, str)]
    region = places.region(optional_str(record, "ctpv") or None, optional_str(record, "sgg") or None,
                           *contact_lines)
    if region is None:
        return None
    summary = optional_str(record, "dgst")
    target, criteria, benefit, how = (optional_str(detail, k) for k in ("target", "crit", "benefit", "how"))
    # The source often repeats one paragraph as target, criteria and benefit: say it once.
    seen: set[str] = {summary}
    fields = {}
    for field, text, label in (("eligibility", target, None), ("criteria", criteria, "선정 기준"),
                               ("benefit", benefit, None), ("how_to_apply", how, None)):
        fields[field] = "" if text in seen else (f"{label}: {text}" if label and text else text)
        seen.add(text)
    eligibility = "\n".join(filter(None, (fields["eligibility"], fields["criteria"])))
    channel = optional_str(record, "aply")
    how_to_apply = "\n".join(filter(None, (fields["how_to_apply"], f"신청: {channel}" if channel else "")))
    notes = [f"근거 법령: {', '.join(clean(x) for x in laws if isinstance(x, str))}" if laws else "",
             f"지원 주기: {optional_str(record, 'cyc')}" if record.get("cyc") else "",
             f"지원 형태: {optional_str(record, 'pvsn')}" if record.get("pvsn") else ""]
    described = "\n".join((summary, eligibility, fields["benefit"], how_to_apply))
    modified = _date(optional_str(detail, "lastMod")) or _date(optional_str(record, "lastMod"))
    return Service(
        id=f"src-{serv_id.lower()}",
        name=name,
        region=region,
        targets=infer_targets(name, summary, target),
        summary=summary,
        eligibility=eligibility,
        benefit=fields["benefit"],
        how_to_apply=how_to_apply,
        contacts=merge_contacts([c for line in contact_lines for c in parse_contacts(line, local=True)],
                                contacts_in_text(described)),
        notes="\n".join(filter(None, notes)),
        sources=(Source(file=FILE, record=serv_id, url=optional_str(record, "link") or None),),
        as_of=modified or AS_OF,
    )
