"""One program, many records: merging them, and linking local services to the
national programs they deliver.

Sources spell one program differently (`노인일자리 및 사회활동 지원사업`,
`노인 일자리 및 사회활동 지원`, `시흥시 산후조리비 지원` / `산후조리비 지원(2024)`),
so records are compared by a key that ignores spacing, punctuation, years,
the place's own name and generic endings (사업, 제도, 지원, 운영).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict

from .contacts import merge_contacts
from .regions import Locale
from ..schema import Region, Service
from .sources.base import ImportReport, stable_id
from ..targets import order_targets

_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_YEAR = re.compile(r"[(\[]?\s*(?:20\d\d|'\d\d)\s*(?:년도|년)?\s*[)\]]?")
_PUNCTUATION = re.compile(r"[\s·ㆍ•,.\-'‘’\"“”()\[\]「」『』<>〈〉/~!?]")
_GENERIC_END = re.compile(r"(사업|제도|지원|운영|서비스)$")
# A local service delivers a national program when one name covers the other
# (weighted character pairs); thresholds chosen by reading the links they make
# on the shared data, listed in docs/corpus.md.
LOCAL_IN_NATIONAL, NATIONAL_FLOOR = 0.85, 0.3
NATIONAL_IN_LOCAL, LOCAL_FLOOR = 0.95, 0.5


def _place_words(region: Region) -> list[str]:
    """Words naming the service's own place (`시흥시`, `시흥형`, `경기도`, `경기`)."""
    words = []
    for place in (region.sigungu, region.sido):
        if place:
            stem = place[:-1] if len(place) > 2 else place
            words += [place, f"{stem}형", f"{stem}시", stem]
    return words


def merge_key(name: str, region: Region = Region()) -> str:
    """What two spellings of one program's name have in common."""
    key = _YEAR.sub(" ", _TAG.sub("", unicodedata.normalize("NFKC", name)))
    for word in _place_words(region):
        key = key.replace(word, " ")
    key = _PUNCTUATION.sub("", key)
    while (shorter := _GENERIC_END.sub("", key)) != key and len(shorter) >= 2:
        key = shorter
    return key or _PUNCTUATION.sub("", name)


def _combine(members: list[Service], service_id: str) -> Service:
    """One service from records of the same program; the first one's name wins,
    the others' names become aliases, texts and contacts are pooled."""
    first = members[0]
    names = list(dict.fromkeys(n for m in members for n in (m.name, *m.aliases)))

    def pooled(field: str) -> str:
        return "\n".join(dict.fromkeys(v for m in members if (v := getattr(m, field))))

    return Service(
        id=service_id,
        name=first.name,
        aliases=tuple(n for n in names if n != first.name),
        region=first.region,
        targets=order_targets({t for m in members for t in m.targets}),
        category=next((m.category for m in members if m.category), None),
        summary=pooled("summary"),
        eligibility=pooled("eligibility"),
        benefit=pooled("benefit"),
        how_to_apply=pooled("how_to_apply"),
        contacts=merge_contacts(*(list(m.contacts) for m in members)),
        notes=pooled("notes"),
        faq=tuple(dict.fromkeys(f for m in members for f in m.faq)),
        sources=tuple(sorted({s for m in members for s in m.sources},
                             key=lambda s: (s.file, s.record or "", s.page or 0))),
        as_of=max(m.as_of for m in members),
        delivers=tuple(dict.fromkeys(d for m in members for d in m.delivers)),
    )


def merge_local(services: list[Service], locale: Locale, priority: list[str]) -> list[Service]:
    """Local records of one program (same place, same key) become one service.
    `priority` orders source files: the fullest source names the merged record."""
    groups: dict[tuple[Region, str], list[Service]] = defaultdict(list)
    for service in services:
        groups[(service.region, merge_key(service.name, service.region))].append(service)
    merged = []
    for (region, key), members in groups.items():
        members.sort(key=lambda s: (priority.index(s.sources[0].file), s.sources[0].record or ""))
        prefix = locale.sigungu_prefix if region.sigungu else locale.sido_prefix
        merged.append(_combine(members, stable_id(prefix, key)))
    return merged


def attach_national(booklet: list[Service], others: list[Service], report: ImportReport) -> list[Service]:
    """National records from list-level sources join the booklet program they
    name (as an alias and a source); their 2026 texts are not mixed into the
    booklet's 2024 ones. Records naming no booklet program are left out."""
    owners: dict[str, set[str]] = defaultdict(set)
    for service in booklet:
        for name in (service.name, *service.aliases):
            owners[merge_key(name)].add(service.id)
    joined: dict[str, list[Service]] = defaultdict(list)
    for other in others:
        owner = owners.get(merge_key(other.name), set())
        if len(owner) == 1:
            joined[next(iter(owner))].append(other)
        else:
            report.left_out[other.sources[0].file] += 1
    attached = []
    for service in booklet:
        others_here = joined[service.id]
        names = dict.fromkeys([service.name, *service.aliases, *(o.name for o in others_here)])
        sources = sorted({s for o in others_here for s in o.sources}, key=lambda s: (s.file, s.record or ""))
        attached.append(service.model_copy(update={
            "aliases": tuple(n for n in names if n != service.name),
            "sources": (*service.sources, *sources)}) if others_here else service)
    return attached


def _pairs(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def _weights(keys: list[str]) -> dict[str, float]:
    """Inverse document frequency of character pairs over all names, so that
    rare pairs (`일자`, `자리`) count more than common ones (`장애`, `아동`)."""
    df = Counter(p for key in keys for p in _pairs(key))
    return {p: math.log((1 + len(keys)) / (1 + n)) + 1 for p, n in df.items()}


def _coverage(part: set[str], whole: set[str], weights: dict[str, float]) -> float:
    """How much of `part`'s weight appears in `whole`."""
    total = sum(weights[p] for p in part)
    return sum(weights[p] for p in part & whole) / total if total else 0.0


def _delivers(local: float, national: float) -> bool:
    """The local name is (nearly) inside the national one (`노인일자리` in
    `노인일자리및사회활동`), or the national name inside a local one that adds
    only its own words (`청소년자립지원관` in `경기북부청소년자립지원관`)."""
    return (local >= LOCAL_IN_NATIONAL and national >= NATIONAL_FLOOR) or \
        (national >= NATIONAL_IN_LOCAL and local >= LOCAL_FLOOR)


def _name_keys(service: Service) -> list[str]:
    """Keys of a service's names, also without a trailing qualifier
    (`산모·신생아 건강관리 지원(추가형)` is a local top-up of the national program)."""
    names = [n for name in (service.name, *service.aliases) for n in (name, re.sub(r"\s*\([^()]*\)$", "", name))]
    return list(dict.fromkeys(merge_key(n, service.region) for n in names))


def link_deliveries(local: list[Service], national: list[Service]) -> list[Service]:
    """Set `delivers` on each local service whose name contains, or is
    contained in, a national program's name or alias: the closest such program."""
    national_keys = [(s.id, _pairs(k)) for s in national for k in _name_keys(s)]
    local_keys = {s.id: [_pairs(k) for k in _name_keys(s)] for s in local}
    weights = _weights([k for s in (*national, *local) for k in _name_keys(s)])
    linked = []
    for service in local:
        candidates = []
        for pairs in local_keys[service.id]:
            for national_id, other in national_keys:
                inside, around = _coverage(pairs, other, weights), _coverage(other, pairs, weights)
                if _delivers(inside, around):
                    candidates.append((-inside, -around, national_id))
        linked.append(service.model_copy(update={"delivers": (min(candidates)[2],)}) if candidates else service)
    return linked
