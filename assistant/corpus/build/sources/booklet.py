"""The 2024 booklet "나에게 힘이 되는 복지서비스": national programs with full text.

The file holds text chunks; each names its program (`사업명`), chapter and item
(`항목`: 대상, 내용, 방법, 문의, …). Chunks of one program are gathered into one
`Service`, each item into the field it belongs to. The alphabetical index at the
back of the booklet adds the index's spelling of a name as an alias and its
contact line.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from ..contacts import contacts_in_text, merge_contacts, parse_contacts
from ...schema import FAQ, Contact, Region, Service, Source
from ...targets import infer_targets
from .base import ImportReport, clean, stable_id

FILE = "booklet2024_chunks.json"
AS_OF = "2024-04"
_INDEX_SECTION = "가나다순 서비스 목록"
# Chapters that are about the booklet, not programs.
_FRONT_MATTER = {None, "안내", "기타", "복지서비스 찾아보기"}
_FIXED_KEYS = {"id", "source_page", "대분류", "중분류", "사업명", "항목", "중분류_개요"}
# Items that name the program of the page's unnamed chunks rather than describe it.
_NAMING_ITEMS = {"소분류", "참고_사업명"}
_DROPPED_ITEMS = {"footer", "세부목차", "장제목"}

# Item name -> field, first match wins. Items are written freely (`지원대상_및_기준`,
# `2024년_가구별_생계급여_기준`), so they are classified by the words they contain.
_FIELD_RULES: list[tuple[str, str]] = [
    ("faq", r"질문|답변"),
    ("contacts", r"문의|연락처|전화|^기관|기관명|센터정보|센터명|누리집|상담센터안내"),
    ("how_to_apply", r"방법|신청|절차|접수|구매처|취급"),
    ("notes", r"알려드립니다|유의|달라집니다|변경|^note|참고|주석|비고|부정수급"),
    ("summary", r"^요약$|개요|^소개$|^설명$|^정의$"),
    ("benefit", r"지급|급여|금액|위로금|수당|지원금|장려금|한도|금리|이자|단가|보험료|비용|본인부담"),
    ("eligibility", r"대상|자격|기준|요건|제외|연령|소득|재산|자산|거주|해당자|조건|순위|성적|이수학점|신용"),
    ("benefit", r"내용|지원|혜택|감면|대출|융자|서비스|상환|보험금|교육|훈련|기간"),
]
# Items whose text is the field itself; others keep their name as a label.
_PLAIN_ITEMS = {"요약", "대상", "내용", "지원내용", "방법", "문의", "연락처", "알려드립니다", "개요"}
_ORG_KEYS = ("기관", "기관명", "센터명", "시설명")
_PHONE_KEYS = ("연락처", "전화번호", "문의처")


def classify_item(item: str) -> str | None:
    for target, pattern in _FIELD_RULES:
        if re.search(pattern, item):
            return target
    return None


def _page(metadata: dict) -> int | None:
    """The printed page: the chunk id starts with it (`220-1`); `source_page` is
    the PDF page and sometimes disagrees with the booklet's own index."""
    head = str(metadata.get("id", "")).split("-")[0]
    if head.isdigit():
        return int(head)
    page = str(metadata.get("source_page"))
    return int(page) if page.isdigit() else None


def _render(value) -> str:
    """A chunk value; nested tables (written as Python literals) become text."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return clean(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_render(v)}" for k, v in value.items() if _render(v))
    if isinstance(value, (list, tuple)):
        return "; ".join(filter(None, (_render(v) for v in value)))
    return clean(value)


def _label(item: str) -> str:
    return item.replace("_", " ").strip()


def _body(text: str, item: str) -> str:
    """The chunk text without its leading `항목:` label."""
    head, sep, rest = text.partition(":")
    if sep and re.sub(r"[\s_,]", "", head) == re.sub(r"[\s_,]", "", item):
        return clean(rest)
    return clean(text)


@dataclass
class _Program:
    name: str
    page_id: str
    chapter: str | None = None
    section: str | None = None
    page: int | None = None
    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    contacts: list[Contact] = field(default_factory=list)
    faq: list[FAQ] = field(default_factory=list)
    pending_question: str | None = None

    def add(self, target: str, text: str, label: str | None = None) -> None:
        if text:
            line = f"{label}: {text}" if label else text
            if line not in self.fields[target]:
                self.fields[target].append(line)


def _faq_pairs(text: str) -> tuple[list[FAQ], str]:
    """Questions and answers written in one run (`Q? - A. Q2? - A2`); the
    rest, if no question can be found, is returned as plain text."""
    pairs: list[list[str]] = []
    for sentence in re.split(r"(?<=[?？.!])\s+", text):
        if sentence.rstrip().endswith(("?", "？")):
            pairs.append([sentence.strip(), ""])
        elif not pairs and " - " in sentence:
            question, _, answer = sentence.partition(" - ")
            pairs.append([question.strip(), answer.strip()])
        elif pairs:
            pairs[-1][1] = f"{pairs[-1][1]} {sentence.lstrip('- ').strip()}".strip()
    faqs = [FAQ(question=q, answer=a) for q, a in pairs if q and a]
    return (faqs, "") if faqs else ([], text)


def _add_faq(program: _Program, item: str, metadata: dict, body: str) -> None:
    question, answer = metadata.get("질문"), metadata.get("답변")
    if question and answer:
        program.faq.append(FAQ(question=clean(question), answer=clean(answer)))
    elif item.startswith("질문"):
        program.pending_question = body
    elif item.startswith("답변") and program.pending_question:
        program.faq.append(FAQ(question=program.pending_question, answer=body))
        program.pending_question = None
    else:
        faqs, rest = _faq_pairs(body)
        program.faq += faqs
        program.add("notes", rest, "자주하는 질문")


def _add_contacts(program: _Program, extras: dict, body: str, structured: bool) -> None:
    if structured:
        org = next((clean(extras[k]) for k in _ORG_KEYS if extras.get(k)), None)
        phones = " ".join(clean(extras[k]) for k in _PHONE_KEYS if extras.get(k))
        found = [c for c in parse_contacts(phones, default=org or "문의처", local=True) if c.phones]
        program.contacts += found or ([Contact(organization=org)] if org else parse_contacts(phones))
    else:
        program.contacts += parse_contacts(body, local=True)
    program.add("notes", body, "문의")


def _add_chunk(program: _Program, item: str, metadata: dict, text: str) -> None:
    extras = {k: v for k, v in metadata.items() if k not in _FIXED_KEYS and v not in (None, "")}
    structured = "관련 정보:" in text and bool(extras)
    body = ", ".join(f"{k}: {_render(v)}" for k, v in extras.items()) if structured else _body(text, item)
    target = classify_item(item)
    if target == "faq":
        _add_faq(program, item, metadata, body)
    elif target == "contacts":
        _add_contacts(program, extras, body, structured)
    elif target is None and structured:
        # A container item (`사업목록`) whose keys are the real items.
        for key, value in extras.items():
            key_target = classify_item(key) or "notes"
            if key_target == "contacts":
                program.contacts += parse_contacts(_render(value))
                key_target = "notes"
            program.add(key_target if key_target != "faq" else "notes", _render(value),
                        None if key in _PLAIN_ITEMS else _label(key))
    else:
        program.add(target or "notes", body, None if item in _PLAIN_ITEMS else _label(item))


_CORE_FIELDS = ("summary", "eligibility", "benefit", "how_to_apply")


def _has_content(program: _Program) -> bool:
    return any(program.fields.get(f) for f in _CORE_FIELDS)


def _without_trailing_parenthetical(name: str) -> str:
    """`위(Wee)프로젝트 상담지원 (위(Wee)클래스·… 등)` -> `위(Wee)프로젝트 상담지원`."""
    if not name.endswith(")"):
        return name
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(name[i], 0)
        if depth == 0:
            return name[:i].rstrip() if i > 0 else name
    return name


def _fold_faq_groups(programs: dict[str, _Program]) -> None:
    """`산업재해 보상보험 제도 (자주하는 질문)` is a page of the program's FAQ."""
    for name in list(programs):
        parent = _without_trailing_parenthetical(name)
        program = programs[name]
        if parent != name and parent in programs and not _has_content(program):
            programs[parent].faq += program.faq
            programs[parent].contacts += program.contacts
            for target, lines in program.fields.items():
                for line in lines:
                    programs[parent].add(target, line)
            del programs[name]


def _fold_page_lists(programs: dict[str, _Program]) -> None:
    """A program page that only lists its parts (해외취업 지원: K-Move 스쿨, …)
    describes itself through them, and its contact line serves them all."""
    for program in programs.values():
        if _has_content(program):
            continue
        parts = [p for p in programs.values() if p.page_id == program.page_id and p is not program
                 and _has_content(p)]
        for part in parts:
            for target in _CORE_FIELDS:
                for line in part.fields.get(target, []):
                    program.add("benefit", line, part.name)
            if not part.contacts:
                part.contacts = list(program.contacts)


def _index_key(name: str) -> str:
    return re.sub(r"[\s'‘’·,()\-]", "", unicodedata.normalize("NFKC", name))


def _match_index(name: str, programs: dict[str, _Program]) -> list[str]:
    """The programs an index line names: the same name, or chapter names that
    add a parenthetical (`요양비(출산비)지원` -> `…지원(요양기관 외 출산 시 …)`;
    `분양전환 공공임대주택 공급` names both its 5/10-year and 6-year pages)."""
    if name in programs:
        return [name]
    key = _index_key(name)
    same = [p for p in programs if _index_key(p) == key]
    return same or [p for p in programs if _index_key(_without_trailing_parenthetical(p)) == key]


def _service(program: _Program, index_line: dict | None) -> Service:
    fields = {k: "\n".join(v) for k, v in program.fields.items()}
    aliases: tuple[str, ...] = ()
    contacts = program.contacts
    if index_line:
        if index_line["name"] != program.name:
            aliases = (index_line["name"],)
        contacts = [*contacts, *parse_contacts(index_line["contact"], local=True)]
    described = "\n".join([*(fields.get(f, "") for f in (*_CORE_FIELDS, "notes")),
                           *(f"{q.question}\n{q.answer}" for q in program.faq)])
    contacts = [*contacts, *contacts_in_text(described)]
    targets = infer_targets(program.chapter, program.section, program.name, fields.get("summary"),
                            fields.get("eligibility"))
    return Service(
        id=stable_id("kr", program.name),
        name=program.name,
        aliases=aliases,
        region=Region(scope="전국"),
        targets=targets,
        category=re.sub(r"^\d+\s*(장)?\.?\s*", "", program.chapter or "").strip() or None,
        summary=fields.get("summary", ""),
        eligibility=fields.get("eligibility", ""),
        benefit=fields.get("benefit", ""),
        how_to_apply=fields.get("how_to_apply", ""),
        contacts=merge_contacts(contacts),
        notes=fields.get("notes", ""),
        faq=tuple(dict.fromkeys(program.faq)),
        sources=(Source(file=FILE, page=program.page, record=program.name),),
        as_of=AS_OF,
    )


def _chunk_problem(chunk) -> str | None:
    if not isinstance(chunk, dict):
        return f"a chunk must be an object, not {type(chunk).__name__}"
    for key, kind in (("text", str), ("metadata", dict)):
        if key not in chunk:
            return f"missing `{key}`"
        if not isinstance(chunk[key], kind):
            return f"`{key}` is {type(chunk[key]).__name__}, expected {'text' if kind is str else 'an object'}"
    item, name = chunk["metadata"].get("항목"), chunk["metadata"].get("사업명")
    if not isinstance(item, str) or not (name is None or isinstance(name, str)):
        return "`항목` or `사업명` is not text"
    return None


def _valid_chunks(chunks: list, report: ImportReport):
    """(number, metadata, text) of every well-formed chunk; others are reported."""
    for n, chunk in enumerate(chunks, 1):
        if problem := _chunk_problem(chunk):
            metadata = chunk.get("metadata") if isinstance(chunk, dict) else None
            where = f" (id {metadata.get('id')})" if isinstance(metadata, dict) and metadata.get("id") else ""
            report.skip(FILE, f"chunk #{n}{where}", problem)
            continue
        yield n, chunk["metadata"], chunk["text"]


def read_booklet(chunks: list, report: ImportReport) -> list[Service]:
    """One national `Service` per booklet program."""
    report.read[FILE] = len(chunks)
    valid = list(_valid_chunks(chunks, report))
    index = {clean(m["사업명"]): {"name": clean(m["사업명"]), "contact": clean(m.get("문의처"))}
             for _, m, _ in valid if m.get("중분류") == _INDEX_SECTION and m.get("사업명")}
    index_keys = {_index_key(name) for name in index}

    def in_index(name: str) -> bool:
        return _index_key(name) in index_keys or _index_key(_without_trailing_parenthetical(name)) in index_keys

    programs: dict[str, _Program] = {}
    page_names: dict[str, str] = {}
    for n, metadata, text in valid:
        item, name, chapter = metadata["항목"], metadata.get("사업명"), metadata.get("대분류")
        if chapter in _FRONT_MATTER:
            continue
        page_id = str(metadata.get("id"))
        if item in _NAMING_ITEMS:
            page_names[page_id] = _body(text, item)
            continue
        page_name = page_names.get(page_id)
        # A page headed by an index program owns its chunks even where the
        # parser took a table cell (`독립유공자`) for the program's name.
        if not name or (page_name and in_index(page_name) and not in_index(name)):
            name = page_name
        if not name:
            report.skip(FILE, f"chunk #{n} (id {metadata.get('id')})", "no 사업명 and no program named on its page")
            continue
        if item in _DROPPED_ITEMS:
            continue
        name = clean(name)
        program = programs.setdefault(name, _Program(name, page_id, chapter, metadata.get("중분류"), _page(metadata)))
        _add_chunk(program, item, metadata, text)

    _fold_faq_groups(programs)
    _fold_page_lists(programs)
    index_of: dict[str, dict] = {}
    for index_name, line in index.items():
        matches = _match_index(index_name, programs)
        for match in matches:
            index_of[match] = line
        if not matches:
            report.skip(FILE, f"index line {index_name!r}", "no program text in the booklet for this index line")
    services = []
    for name, program in programs.items():
        if not _has_content(program):
            report.skip(FILE, f"program {name!r} (page {program.page})",
                        "no summary, eligibility, benefit or how-to-apply text (a chapter heading)")
            continue
        services.append(_service(program, index_of.get(name)))
    return services
