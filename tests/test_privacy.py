"""Personal numbers are masked before anything is logged; what is not personal stays readable."""

from __future__ import annotations

import re

import pytest

from assistant.privacy import mask_personal


@pytest.mark.parametrize("said", [
    # resident registration numbers
    "900101-1234567", "9001011234567", "900101 1234567", "900101 - 2234567", "051231-4123456",
    # mobile numbers
    "010-1234-5678", "01012345678", "010 1234 5678", "010.1234.5678", "010-123-4567", "011 234 5678",
    # landlines, with and without an area code's parentheses
    "02-123-4567", "02 1234 5678", "031-310-2114", "0313102114", "(031) 310-2114", "064-123-4567",
    # other long digit runs: accounts, cards
    "110-123-456789", "1234 5678 9012 3456", "123456789012",
    # the same said in digit words, as the recognizer may write them
    "공일공 일이삼사 오육칠팔", "구공공일공일 일이삼사오육칠",
])
def test_personal_numbers_keep_their_shape_but_lose_every_digit(said):
    masked = mask_personal(f"제 번호는 {said}입니다")
    assert masked.startswith("제 번호는 ") and masked.endswith("입니다")
    assert len(masked) == len(said) + len("제 번호는 입니다")
    hidden = masked[len("제 번호는 "):-len("입니다")]
    assert not re.search(r"\d|[공영일이삼사오육칠팔구]", hidden), masked


@pytest.mark.parametrize("text", [
    "기초연금은 월 최대 33만 4,810원이에요",
    "단독가구 334,810원, 부부가구 535,680원",
    "월 1,000,000원까지 받을 수 있어요",
    "만 65세 이상 어르신",
    "2024년 4월 기준이에요",
    "1인 가구 기준 중위소득 50% 이하",
    "3개월 이내에 신청하세요",
    "일이 많아서 이사를 못 했어요",
    "129번으로 전화하세요",
])
def test_amounts_ages_dates_and_words_stay(text):
    assert mask_personal(text) == text


def test_a_sentence_with_several_numbers_masks_each_and_keeps_the_rest():
    text = "김철수인데요 주민번호 900101-1234567, 전화 010-9876-5432, 월 33만원 받나요?"
    masked = mask_personal(text)
    assert masked == "김철수인데요 주민번호 ******-*******, 전화 ***-****-****, 월 33만원 받나요?"
