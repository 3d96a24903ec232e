"""Transcripts in one comparable form, and the character error rate between two.

Recognizers write "64.5%" or "LA" where a reference says "육십사쩜오퍼센트" or
"엘에이"; both are right. Scoring therefore compares spoken Hangul with punctuation and spaces
removed, so that only real recognition errors count.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

from ..korean.numbers import verbalize_numbers

_SINO_NUMBER_CHAR = "영공일이삼사오육칠팔구십백천만억조"
# Colloquial spellings of the same spoken word, mapped to one form.
_SPELLING_VARIANTS = (
    (re.compile(rf"(?<=[{_SINO_NUMBER_CHAR}])쩜(?=[{_SINO_NUMBER_CHAR}])"), "점"),
    (re.compile(rf"(?<=[{_SINO_NUMBER_CHAR}])프로(?!그)"), "퍼센트"),
    (re.compile("쎈티"), "센티"),
    (re.compile(rf"(?<=[{_SINO_NUMBER_CHAR}])씨씨"), "시시"),
)
# Latin capitals the way Koreans spell them aloud: "LA" is said "엘에이".
_LETTER_NAMES = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ("에이", "비", "씨", "디", "이", "에프", "지", "에이치", "아이", "제이", "케이", "엘", "엠",
     "엔", "오", "피", "큐", "알", "에스", "티", "유", "브이", "더블유", "엑스", "와이", "제트"),
))
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]+(?![a-z])")
# Anything that is not a letter or a digit: punctuation, symbols, spaces.
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_for_cer(text: str) -> str:
    """NFC, numbers and acronyms in spoken Hangul, variants unified, punctuation and spaces removed."""
    text = unicodedata.normalize("NFC", text)
    text = verbalize_numbers(text)
    text = _ACRONYM.sub(lambda m: "".join(_LETTER_NAMES[c] for c in m[0]), text)
    text = _NOT_WORD.sub("", text)
    for pattern, replacement in _SPELLING_VARIANTS:
        text = pattern.sub(replacement, text)
    return text.lower()


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of one transcript against its reference, on normalized text."""
    errors, length = edit_counts(reference, hypothesis)
    return errors / length if length else float(errors > 0)


def edit_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference length) on normalized text, for pooling over a set."""
    ref, hyp = normalize_for_cer(reference), normalize_for_cer(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)
