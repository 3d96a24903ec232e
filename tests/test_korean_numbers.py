import pytest

from assistant.korean.numbers import (
    native_korean,
    read_decimal,
    read_digits,
    sino_korean,
    verbalize_numbers,
)


@pytest.mark.parametrize("number, spoken", [
    (0, "영"),
    (1, "일"),
    (10, "십"),
    (11, "십일"),
    (100, "백"),
    (1010, "천십"),
    (10000, "만"),
    (11000, "만천"),
    (110000, "십일만"),
    (334810, "삼십삼만사천팔백십"),
    ("4,810", "사천팔백십"),
    (100000000, "일억"),
    (100010000, "일억일만"),
    (2_0000_0000_0000, "이조"),
    (-5, "마이너스 오"),
])
def test_sino_korean(number, spoken):
    assert sino_korean(number) == spoken


@pytest.mark.parametrize("text, spoken", [
    ("64.5", "육십사점오"),
    ("0.05", "영점영오"),
    ("3", "삼"),
    ("1,200.5", "천이백점오"),
])
def test_read_decimal(text, spoken):
    assert read_decimal(text) == spoken


def test_read_digits_says_gong_for_zero():
    assert read_digits("1588") == "일오팔팔"
    assert read_digits("0310") == "공삼일공"


@pytest.mark.parametrize("bad", ["12a", "", "1-2"])
def test_read_digits_rejects_non_digits(bad):
    with pytest.raises(ValueError):
        read_digits(bad)


@pytest.mark.parametrize("n, cardinal, before_counter", [
    (1, "하나", "한"), (3, "셋", "세"), (12, "열둘", "열두"), (20, "스물", "스무"), (21, "스물하나", "스물한"),
    (99, "아흔아홉", "아흔아홉"),
])
def test_native_korean(n, cardinal, before_counter):
    assert native_korean(n) == cardinal
    assert native_korean(n, before_counter=True) == before_counter


@pytest.mark.parametrize("text, spoken", [
    # amounts
    ("33만 4,810원", "삼십삼만 사천팔백십 원"),
    ("월 9만 원", "월 구만 원"),
    ("2천 원", "이천 원"),
    ("1억 2천만 원", "일억 이천만 원"),
    ("1.5만 원", "만오천 원"),
    ("7만~10만 원", "칠만에서 십만 원"),
    ("1,234,567", "백이십삼만사천오백육십칠"),
    # ages and people: native numerals before native counters
    ("만 65세 이상", "만 육십오 세 이상"),
    ("65~69세", "육십오에서 육십구 세"),
    ("10살 때", "열 살 때"),
    ("20살", "스무 살"),
    ("3명", "세 명"),
    ("3~5명", "셋에서 다섯 명"),
    ("2자녀 이상", "두 자녀 이상"),
    ("1번째", "첫 번째"),
    ("150명", "백오십 명"),
    # percentages and decimals
    ("64.5%", "육십사점오 퍼센트"),
    ("투표율 64.5%에, 찬성 67.2%", "투표율 육십사점오 퍼센트에, 찬성 육십칠점이 퍼센트"),
    ("26.7개", "이십육점칠 개"),
    ("3.5", "삼점오"),
    # dates and times
    ("2024년 4월 1일", "이천이십사년 사월 일일"),
    ("6월 10일", "유월 십일"),
    ("2024. 4. 1.", "이천이십사년 사월 일일"),
    ("2024-04-01", "이천이십사년 사월 일일"),
    ("29일 오후 2시로 3명", "이십구일 오후 두 시로 세 명"),
    ("3시간", "세 시간"),
    ("09:30", "아홉 시 삼십 분"),
    ("6개월", "육 개월"),
    # numbers that are names, not quantities
    ("05번 버스", "공오 번 버스"),
    ("4호선", "사 호선"),
    ("제3조", "제삼조"),
    ("제1장", "제일 장"),
    ("20대 후반", "이십대 후반"),
    # digit groups
    ("1588-3570", "일오팔팔 삼오칠공"),
    ("031-310-5850", "공삼일 삼일공 오팔오공"),
    ("(031)310-5850", "공삼일 삼일공 오팔오공"),
    # units written as symbols
    ("165cm", "백육십오 센티미터"),
    ("10kg", "십 킬로그램"),
    # no numbers: unchanged
    ("기초연금 신청", "기초연금 신청"),
])
def test_verbalize_numbers(text, spoken):
    assert verbalize_numbers(text) == spoken


def test_verbalize_numbers_group_separator():
    assert verbalize_numbers("1588-3570", group_separator="에 ") == "일오팔팔에 삼오칠공"


def test_written_and_spoken_forms_meet_after_spaces_are_dropped():
    # What the CER scorer relies on: a transcript in written form and a
    # reference in spoken form compare equal once spaces are removed.
    pairs = [
        ("이를 위반할 경우 승합차는 범칙금 13만 원", "이를 위반할 경우 승합차는 범칙금 십삼만 원"),
        ("2016년 7월 4일", "이천십육년 칠월 사일"),
        ("조식 시간은 아침 7시부터 8시까지입니다", "조식 시간은 아침 일곱시부터 여덟시까지입니다"),
        ("서울에서 태어나 10살 때", "서울에서 태어나 열살 때"),
        ("6개월 어학연수", "육개월 어학연수"),
    ]
    for written, spoken in pairs:
        assert verbalize_numbers(written).replace(" ", "") == spoken.replace(" ", "")
