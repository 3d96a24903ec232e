"""`assistant corpus import`: the public source files -> `corpus/services.jsonl`.

Every source is read and every record validated before anything is written;
the file is then replaced in one rename, so a failed import leaves the previous
corpus as it was. Bad records are skipped and reported; a missing or unreadable
source file stops the import.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...files import atomic_write
from .eligibility import with_eligibility
from .merge import attach_national, link_deliveries, merge_local
from .regions import Gazetteer, Locale
from ..schema import Criteria, Service
from .sources import bokjiro_detail, bokjiro_list, booklet, gov24
from .sources.base import ImportReport, SourceError, load_json_list
from .sources.places import Places
from ..store import IMPORTED_FILE

log = logging.getLogger(__name__)

# The fullest source first: it names a merged local record.
_PRIORITY = [bokjiro_detail.FILE, gov24.FILE, bokjiro_list.FILE]

__all__ = ["ImportResult", "SourceError", "import_corpus", "build_services", "write_services"]


@dataclass(frozen=True)
class ImportResult:
    services: tuple[Service, ...]
    report: ImportReport
    path: Path

    def summary(self) -> str:
        """Counts per source and scope, merges, links and skips, for people to read."""
        services, report = self.services, self.report
        kept = Counter(src.file for s in services for src in s.sources)
        scopes = Counter(f"{s.region.scope} {s.region.label}" for s in services)
        national = [s for s in services if s.region.scope == "전국"]
        lines = [f"{len(services)} services written to {self.path}"]
        lines += [f"  {scope}: {n}" for scope, n in sorted(scopes.items())]
        lines.append(f"  national programs also named by other sources: "
                     f"{sum(1 for s in national if len(s.sources) > 1)}")
        lines.append(f"  local services merged from several records: "
                     f"{sum(1 for s in services if s.region.scope != '전국' and len(s.sources) > 1)}")
        lines.append(f"  local services delivering a national program: {sum(1 for s in services if s.delivers)}")
        for file in sorted(report.read):
            skipped = sum(1 for x in report.skipped if x.file == file)
            lines.append(f"  {file}: read {report.read[file]}, kept {kept[file]}, "
                         f"left out {report.left_out[file]} (other regions, national outside the booklet), "
                         f"skipped {skipped}")
        lines += criteria_coverage(services)
        reasons = Counter(f"{x.file}: {x.reason}" for x in report.skipped)
        lines += [f"  skipped {n} x {reason}" for reason, n in reasons.most_common()]
        return "\n".join(lines)


def criteria_coverage(services: tuple[Service, ...] | list[Service]) -> list[str]:
    """How many services state each eligibility criterion, and which state none."""
    counts = Counter(name for s in services for name in s.criteria.stated())
    fields = list(Criteria.model_fields)
    lines = ["  eligibility criteria read (services stating each): "
             + ", ".join(f"{name} {counts[name]}" for name in fields)
             + f"; documents to bring {sum(1 for s in services if s.documents)}"]
    without = [s for s in services if not s.criteria.stated()]
    lines.append(f"  services with no criterion read: {len(without)} (`assistant corpus criteria --none` lists them)")
    return lines


def build_services(source_dir: Path, report: ImportReport, locale: Locale = Locale()) -> list[Service]:
    """Every service the source files hold, merged and linked, sorted by id.
    All files are read first: a missing or unreadable one stops the import."""
    chunks = load_json_list(source_dir / booklet.FILE)
    listed = load_json_list(source_dir / bokjiro_list.FILE)
    benefits = load_json_list(source_dir / gov24.FILE)
    details = load_json_list(source_dir / bokjiro_detail.FILE, key=bokjiro_detail.RECORDS_KEY)

    gazetteer = Gazetteer({})
    for sido, sigungu in (*bokjiro_list.places_in(listed), *bokjiro_detail.places_in(details)):
        gazetteer.add(sido, sigungu)
    places = Places(gazetteer, locale)

    national = booklet.read_booklet(chunks, report)
    others = [*bokjiro_detail.read_bokjiro_detail(details, places, report),
              *gov24.read_gov24(benefits, places, report),
              *bokjiro_list.read_bokjiro_list(listed, places, report)]
    _require_some_valid_records(source_dir, report)
    national = attach_national(national, [s for s in others if s.region.scope == "전국"], report)
    local = merge_local([s for s in others if s.region.scope != "전국"], locale, _PRIORITY)
    services = [with_eligibility(s) for s in (*national, *link_deliveries(local, national))]
    ids = Counter(s.id for s in services)
    if duplicates := sorted(i for i, n in ids.items() if n > 1):
        raise SourceError(f"two services were given the same id: {', '.join(duplicates)}")
    return sorted(services, key=lambda s: s.id)


def _require_some_valid_records(source_dir: Path, report: ImportReport) -> None:
    """A file whose every record is malformed is not a source but a broken file."""
    for file, count in report.read.items():
        skipped = [x for x in report.skipped if x.file == file]
        if count and len(skipped) == count:
            raise SourceError(f"{source_dir / file}: every record is malformed (first: {skipped[0]})")


def write_services(services: list[Service], out_dir: Path) -> Path:
    """Write one service per line, replacing the old file atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / IMPORTED_FILE
    atomic_write(target, lambda f: f.write("".join(s.model_dump_json() + "\n" for s in services).encode()))
    return target


def import_corpus(source_dir: Path, out_dir: Path) -> ImportResult:
    """Read, validate, merge and write; raises SourceError (writing nothing)
    when a source file is missing or unreadable."""
    report = ImportReport()
    services = build_services(source_dir, report)
    for skipped in report.skipped:
        log.debug("skipped %s", skipped)
    path = write_services(services, out_dir)
    return ImportResult(tuple(services), report, path)
