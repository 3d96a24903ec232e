"""Phone numbers and the organizations they belong to, read from free text.

Source texts write contacts as `보건복지상담센터(☎129)`, `국민연금공단 콜센터(☎1355)`,
`(국번없이) 129`, `한국환경산업기술원(☎02-2284-1820, 1813)` (a second line
given as its last digits only) or `043-719-8398~8399` (a range). Every number the
text states is kept; numbers are normalized to digits joined by hyphens.
"""

from __future__ import annotations

import re

from ..schema import Contact, Phone

# Longest forms first so `031-310-5850` is not read as `031` + `310` + ...;
# `031-120` is a province's call centre.
_FULL = r"0\d{1,2}[-.)\s]\s?\d{3,4}[-.\s]\d{4}|0\d{2}-1\d{2}(?![\d-])|1\d{3}-\d{4}"
# Short service numbers (129, 1339, 1577 is never alone): 3-4 digits starting with 1.
_SHORT = r"1\d{2,3}"
# A line written without its area code (`아동돌봄과 8008-3073`); only read in
# texts that are contact lines, where it cannot be a year span.
_LOCAL = r"[2-9]\d{2,3}-\d{4}"


def _number_pattern(local: bool) -> re.Pattern:
    return re.compile(
        rf"(?<![\d\w.-])(?:(?P<full>{_FULL})|(?P<short>{_SHORT}){f'|(?P<local>{_LOCAL})' if local else ''})"
        # A range (`~8399`, `~9`) or further lines given by their last digits (`, 1813`).
        r"(?P<tail>(?:\s?~\s?\d{1,4}|,\s?\d{2,4}(?![\d-]))*)"
        r"(?![\d%]|\.\d|\s?(?:만|원|세|년|개|명|일|월|시|층|호|p\b|쪽|천|억|kWh|cm|kg|점|회|학점))"
    )


_NUMBER = {local: _number_pattern(local) for local in (False, True)}
# The forms `Phone.number` accepts.
_VALID = re.compile(r"\d{3,4}(-\d{3,4}){0,2}|\d{2,3}-\d{3,4}-\d{4}")
_TAIL_PART = re.compile(r"(~|,)\s?(\d{1,4})")
# A short number must stand as a phone number, not as a count or a page.
_SHORT_CONTEXT = re.compile(r"(^|☎|전화|국번\s?없이\)?|\(|:|번호|콜센터|상담)\s*$")
# Ranges longer than this keep their two ends rather than every number between.
_MAX_RANGE = 10
# A contact text without numbers longer than this is a paragraph, not a place to ask.
_MAX_PLACE = 60
_FAX = re.compile(r"(팩스|FAX|Fax|fax)\s*[:：]?\s*☎?\s*$")
# A word ending in a particle (`국가유공자는 보훈지청(☎…)`) is the sentence, not the name.
_ENTRY_END = re.compile(r"\)\s|[,:;/\n]|\.\s|[가-힣](?:는|은|를|을|에|에서|에게|으로)\s")
_DECORATION = re.compile(r"☎|☏|\(국번\s?없이\)|국번\s?없이|전화번호|연락처|TEL|Tel|tel")


def _normalize(raw: str) -> str:
    digits = re.sub(r"\D", " ", raw).split()
    if len(digits) == 1:
        number = digits[0]
        if len(number) == 8 and number.startswith("1"):
            return f"{number[:4]}-{number[4:]}"
        return number
    return "-".join(digits)


def _with_last_group(number: str, group: str) -> str:
    head, _, last = number.rpartition("-")
    return f"{head}-{last[: len(last) - len(group)]}{group}"


def _expand(number: str, tail: str) -> list[str]:
    """`02-410-1298` + `~9` -> both lines; `1599-2000` + `,2230` -> 1599-2230;
    `031-310-2756` + `,57,59` -> 031-310-2757 and 031-310-2759."""
    numbers = [number]
    for sep, group in _TAIL_PART.findall(tail):
        previous = numbers[-1]
        last = previous.rpartition("-")[2]
        sibling = "-" in previous and len(group) <= len(last)
        if sep == ",":
            # `☎1577-1000, 1339` names a second service number, not a sibling line.
            if sibling and not (group.startswith("1") and len(group) >= 3 and not previous.startswith("0")):
                numbers.append(_with_last_group(previous, group))
            else:
                numbers.append(group)
            continue
        if not sibling:
            continue
        end = _with_last_group(previous, group)
        start_n, end_n = int(last), int(end.rpartition("-")[2])
        if 0 < end_n - start_n < _MAX_RANGE:
            head = previous.rpartition("-")[0]
            numbers += [f"{head}-{n:0{len(last)}d}" for n in range(start_n + 1, end_n + 1)]
        elif end_n > start_n:
            numbers.append(end)
    return [n for n in numbers if _VALID.fullmatch(n)]


def find_numbers(text: str, local: bool = False) -> list[tuple[int, int, list[str]]]:
    """(start, end, numbers) for every phone number in `text`, in order; fax
    numbers are not numbers to call and are left out. `local`: the text is a
    contact line, where numbers without an area code are read too."""
    found = []
    for m in _NUMBER[local].finditer(text):
        if m.group("short") and not _SHORT_CONTEXT.search(text[: m.start()]):
            continue
        if _FAX.search(text[max(0, m.start() - 12): m.start()]):
            continue
        found.append((m.start(), m.end(), _expand(_normalize(m.group("full") or m.group("short") or m.group("local")),
                                                   m.group("tail"))))
    return found


def phone_numbers(text: str) -> list[str]:
    """Every phone number in `text`, normalized, in order, without repeats."""
    return list(dict.fromkeys(n for _, _, numbers in find_numbers(text) for n in numbers))


def _organization_before(text: str, start: int) -> str:
    """The name a number belongs to: the words before its opening parenthesis,
    or before the number itself, back to the previous entry's end."""
    before = text[:start]
    depth_open = before.rfind("(")
    if depth_open > before.rfind(")"):
        # `시설에서 신청(산업통상자원부 ☎1577-0900)`: a name inside the parenthesis wins.
        inner = _clean_name(before[depth_open + 1:])
        if len(inner) >= 2:
            return inner
        before = before[:depth_open]
    # The previous entry ends at a list separator, a label colon or a closing
    # parenthesis followed by a space (`(☎129) 국민연금공단`); `보훈(지)청` is one name.
    cut = max((m.end() for m in _ENTRY_END.finditer(before)), default=0)
    return _clean_name(before[cut:])


def _clean_name(text: str) -> str:
    name = _DECORATION.sub(" ", text)
    name = re.sub(r"^[\s\-·.※*]+|[\s\-·:※*(]+$", "", name)
    return re.sub(r"\s+", " ", name).strip()


def parse_contacts(text: str, default: str = "문의처", local: bool = False) -> list[Contact]:
    """Contacts stated in `text`: each number takes the name written before it
    (`default` when the text names none). A text with no number at all is a
    place to ask (`읍면동 주민센터(행정복지센터)`) when it is short enough.
    `local`: `text` is a contact line (see `find_numbers`)."""
    contacts: list[tuple[str, list[str]]] = []
    for start, _, numbers in find_numbers(text, local):
        name = _organization_before(text, start)
        if len(name) < 2:
            # `☎129, ☎1339` after one name: the later numbers share it.
            name = contacts[-1][0] if contacts else default
        if contacts and contacts[-1][0] == name:
            contacts[-1][1].extend(numbers)
        else:
            contacts.append((name, list(numbers)))
    if not contacts:
        place = _clean_name(text).strip(" .")
        return [Contact(organization=place)] if 2 <= len(place) <= _MAX_PLACE else []
    return [Contact(organization=name, phones=tuple(Phone(number=n) for n in dict.fromkeys(numbers)))
            for name, numbers in contacts]


def contacts_in_text(text: str) -> list[Contact]:
    """Numbers mentioned anywhere in a description (`국가유공자는 보훈지청(☎1577-0606)에
    신청`), read line by line so each keeps the name written before it."""
    return [c for line in text.split("\n") for c in parse_contacts(line) if c.phones]


def merge_contacts(*groups: list[Contact]) -> tuple[Contact, ...]:
    """Contacts from several places, each number once (first mention wins);
    an organization that brings no new number is dropped."""
    seen: set[str] = set()
    merged: list[Contact] = []
    for contact in (c for group in groups for c in group):
        phones = tuple(p for p in contact.phones if p.number not in seen)
        seen.update(p.number for p in phones)
        if phones or (not contact.phones and contact.organization not in {c.organization for c in merged}):
            merged.append(Contact(organization=contact.organization, phones=phones))
    return tuple(merged)
