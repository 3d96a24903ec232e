"""Numbers read the way Korean speakers say them.

Shared by speech synthesis (a voice must say "삼십삼만 원", not spell digits)
and by the speech-recognition scorer (a transcript "64.5%" must compare equal
to a reference "육십사점오퍼센트"), so both read numbers one way.

Sino-Korean numerals (일, 이, 삼) are the default. Native numerals (한, 두,
세) are used only where Koreans say them: 1-99 before counters such as 명, 살,
개, 시, 시간. Digit strings with a leading zero, hyphenated groups (phone and
account numbers) are read digit by digit with 공 for zero.
"""

from __future__ import annotations

import re
from decimal import Decimal

_SINO_DIGITS = "영일이삼사오육칠팔구"
_SPOKEN_DIGITS = "공일이삼사오육칠팔구"  # 공 for zero when reading digit by digit
_SMALL_UNITS = ("", "십", "백", "천")
_LARGE_UNITS = ("", "만", "억", "조", "경")
_BIG_MULTIPLIERS = {"십": 10, "백": 100, "천": 1000, "만": 10**4, "억": 10**8, "조": 10**12}

_NATIVE_ONES = ("", "하나", "둘", "셋", "넷", "다섯", "여섯", "일곱", "여덟", "아홉")
_NATIVE_TENS = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
# Before a counter: 하나 명 -> 한 명, 스물 살 -> 스무 살.
_ATTRIBUTIVE = {"하나": "한", "둘": "두", "셋": "세", "넷": "네", "스물": "스무"}
_MONTHS = {6: "유월", 10: "시월"}  # the two months whose names drop a final consonant

# Counters that take native numerals for 1-99 ("세 명", "열두 시", "두 시간").
_NATIVE_COUNTERS = (
    "살", "명", "개", "마리", "사람", "시", "시간", "달", "잔", "권", "장", "벌", "켤레",
    "가지", "군데", "곳", "그릇", "병", "봉지", "통", "번째", "가구", "자녀", "끼", "차례", "채",
)
# Counters after sino numerals; written apart from the number like every unit noun.
_SINO_COUNTERS = (
    "원", "세", "개월", "개국", "주", "주일", "주년", "분", "초", "회", "차", "층", "호", "호선",
    "번", "인", "인분", "등", "급", "점", "배", "평", "단계", "학년", "달러", "유로", "엔",
    "퍼센트", "킬로그램", "킬로미터", "미터", "센티미터",
)
# Date units read as one word with their number ("이천이십사년 사월 일일").
_DATE_UNITS = ("년", "월", "일")
_SYMBOL_UNITS = {
    "%": "퍼센트", "％": "퍼센트", "㎏": "킬로그램", "kg": "킬로그램", "km": "킬로미터", "㎞": "킬로미터",
    "cm": "센티미터", "㎝": "센티미터", "mm": "밀리미터", "㎜": "밀리미터", "㎡": "제곱미터",
    "m²": "제곱미터", "m": "미터", "g": "그램", "mL": "밀리리터", "ml": "밀리리터", "L": "리터",
    "℃": "도", "°C": "도", "cc": "시시", "CC": "시시",
}


def sino_korean(n: int | str) -> str:
    """334810 -> "삼십삼만사천팔백십"; "4,810" -> "사천팔백십"; 0 -> "영"."""
    value = _to_int(n)
    if value < 0:
        return "마이너스 " + sino_korean(-value)
    if value == 0:
        return "영"
    if value >= 10 ** (4 * len(_LARGE_UNITS)):
        return read_digits(str(value))
    groups: list[str] = []
    position = 0
    while value:
        value, group = divmod(value, 10000)
        if group:
            # 10000 is "만", not "일만"; 억 and 조 keep their 일 ("일억").
            leading_man = position == 1 and group == 1 and value == 0
            groups.append(("" if leading_man else _read_group(group)) + _LARGE_UNITS[position])
        position += 1
    return "".join(reversed(groups))


def read_decimal(s: str) -> str:
    """"64.5" -> "육십사점오"; digits after the point one by one ("0.05" -> "영점영오")."""
    whole, _, fraction = s.replace(",", "").partition(".")
    spoken = sino_korean(whole or "0")
    if fraction:
        if not fraction.isdigit():
            raise ValueError(f"not a decimal number: {s!r}")
        spoken += "점" + "".join(_SINO_DIGITS[int(d)] for d in fraction)
    return spoken


def read_digits(s: str) -> str:
    """"1588" -> "일오팔팔", zero as "공" the way phone numbers are read."""
    if not s.isdigit():
        raise ValueError(f"not a digit string: {s!r}")
    return "".join(_SPOKEN_DIGITS[int(d)] for d in s)


def native_korean(n: int, *, before_counter: bool = False) -> str:
    """1-99 in native numerals: 12 -> "열둘", or "열두" before a counter."""
    if not 1 <= n <= 99:
        raise ValueError(f"native numerals cover 1-99, got {n}")
    tens, ones = divmod(n, 10)
    if before_counter and ones == 0:
        return _ATTRIBUTIVE.get(_NATIVE_TENS[tens], _NATIVE_TENS[tens])
    ones_word = _NATIVE_ONES[ones]
    if before_counter:
        ones_word = _ATTRIBUTIVE.get(ones_word, ones_word)
    return _NATIVE_TENS[tens] + ones_word


def verbalize_numbers(text: str, *, group_separator: str = " ") -> str:
    """Every numeric expression in `text` in its spoken Hangul form.

    "33만 4,810원" -> "삼십삼만 사천팔백십 원", "64.5%" -> "육십사점오 퍼센트",
    "2024년 4월 1일" -> "이천이십사년 사월 일일", "3명" -> "세 명",
    "1588-3570" -> "일오팔팔 삼오칠공" (groups joined by `group_separator`).
    """
    text = _DOTTED_DATE.sub(_spoken_dotted_date, text)
    text = _DIGIT_GROUPS.sub(lambda m: _spoken_digit_groups(m, group_separator), text)
    text = _CLOCK_TIME.sub(_spoken_clock_time, text)
    return _QUANTITY.sub(_spoken_quantity, text)


def _to_int(n: int | str) -> int:
    if isinstance(n, int):
        return n
    digits = n.replace(",", "").strip()
    if not re.fullmatch(r"-?\d+", digits):
        raise ValueError(f"not an integer: {n!r}")
    return int(digits)


def _read_group(group: int) -> str:
    """1-9999, with 일 dropped before 십/백/천 ("십", not "일십")."""
    words = []
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit:
            words.append(("" if digit == 1 and position else _SINO_DIGITS[digit]) + _SMALL_UNITS[position])
    return "".join(words)


def _alternation(words) -> str:
    # Longest first, so "개월" wins over "개" and "시간" over "시".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_BIG = r"(?:[십백천]?[만억조])+|[십백천]"
_UNIT = _alternation((*_NATIVE_COUNTERS, *_SINO_COUNTERS, *_DATE_UNITS, *_SYMBOL_UNITS))
_QUANTITY = re.compile(
    rf"(?P<a>{_NUMBER})(?P<abig>{_BIG})?"
    rf"(?:\s*[~∼～]\s*(?P<b>{_NUMBER})(?P<bbig>{_BIG})?)?"
    rf"(?:\s*(?P<unit>{_UNIT})(?![A-Za-z]))?"
)
_APOSTROPHES = "’‘'"
_DASH = "[-–‐‑−]"  # booklets type phone numbers with en dashes as often as hyphens
# "2024. 4. 1.", "2024-04-01", and the short year "’21.10.14." (read "이십일년").
_DOTTED_DATE = re.compile(
    rf"(?<![\d.])(?P<y>(?:19|20)\d\d|[{_APOSTROPHES}]\d\d)\s*(?P<sep>[.]|{_DASH})\s*(?P<m>\d{{1,2}})\s*(?P=sep)\s*"
    r"(?P<d>\d{1,2})(?:\s*\.)?(?!\d)"
)
# Phone, fax and account numbers: dashed groups, or an area code in brackets.
_DIGIT_GROUPS = re.compile(
    rf"(?<!\d)(?<!\d[.,])(?:\(?0\d{{1,2}}\)\s*|\d{{2,}}{_DASH})\d{{3,4}}(?:{_DASH}\d{{3,}})*(?!\d|[.,]\d)"
)
_CLOCK_TIME = re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-4]):(?P<m>[0-5]\d)(?![\d:])")


def _spoken_dotted_date(m: re.Match) -> str:
    month, day = int(m["m"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m[0]
    return f"{sino_korean(m['y'].lstrip(_APOSTROPHES))}년 {_month_name(month)} {sino_korean(day)}일"


def _spoken_digit_groups(m: re.Match, separator: str) -> str:
    groups = re.findall(r"\d+", m[0])
    if len(groups) == 2 and not m[0].lstrip("(").startswith("0") and min(map(len, groups)) < 3:
        return m[0]  # "12-3" is not a phone number
    return separator.join(read_digits(g) for g in groups)


def _spoken_clock_time(m: re.Match) -> str:
    hour, minute = int(m["h"]), int(m["m"])
    spoken = (native_korean(hour, before_counter=True) if hour else "영") + " 시"
    return spoken + (f" {sino_korean(minute)} 분" if minute else "")


def _spoken_quantity(m: re.Match) -> str:
    unit = _SYMBOL_UNITS.get(m["unit"] or "", m["unit"] or "")
    if m.string[max(m.start() - 1, 0):m.start()] == "제":
        # An ordinal: "제3조" is article three (not three trillion), "제1장" chapter one.
        spoken = sino_korean(m["a"]) + (m["abig"] or "")
        return f"{spoken} {unit}" if unit else spoken
    if m["b"] is None:
        return _number_with_unit(m["a"], m["abig"] or "", unit, attach_unit=True)
    first = _number_with_unit(m["a"], m["abig"] or "", unit, attach_unit=False)
    return f"{first}에서 " + _number_with_unit(m["b"], m["bbig"] or "", unit, attach_unit=True)


def _number_with_unit(number: str, big: str, unit: str, *, attach_unit: bool) -> str:
    """One number, read as its unit requires; the unit itself only if `attach_unit`."""
    plain = number.replace(",", "")
    if big:
        value = Decimal(plain)
        for ch in big:
            value *= _BIG_MULTIPLIERS[ch]
        spoken = sino_korean(int(value)) if value == value.to_integral() else read_decimal(format(value, "f"))
    elif len(plain) > 1 and plain.startswith("0") and "." not in plain:
        spoken = read_digits(plain)  # "05번" bus, "01" item
    elif "." in plain:
        spoken = read_decimal(plain)
    elif unit == "월":
        return _month_name(int(plain)) if attach_unit else sino_korean(plain)
    elif unit == "번째" and plain == "1":
        spoken = "첫"
    elif unit in _NATIVE_COUNTERS and 1 <= int(plain) <= 99:
        spoken = native_korean(int(plain), before_counter=attach_unit)
    else:
        spoken = sino_korean(plain)
    if not attach_unit or not unit:
        return spoken
    return spoken + unit if unit in _DATE_UNITS else f"{spoken} {unit}"


def _month_name(month: int) -> str:
    return _MONTHS.get(month, sino_korean(month) + "월")
