"""Transcripts in one comparable form, and the character error rate between two.

Recognizers write "64.5%" where a reference says "육십사쩜오퍼센트"; both are
right. Scoring therefore compares spoken Hangul with punctuation and spaces
removed, so that only real recognition errors count.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

from .korean_numbers import verbalize_numbers

_SINO_NUMBER_CHAR = "영공일이삼사오육칠팔구십백천만억조"
# Colloquial spellings of the same spoken word, mapped to one form.
_SPELLING_VARIANTS = (
    (re.compile(rf"(?<=[{_SINO_NUMBER_CHAR}])쩜(?=[{_SINO_NUMBER_CHAR}])"), "점"),
    (re.compile(rf"(?<=[{_SINO_NUMBER_CHAR}])프로(?!그)"), "퍼센트"),
    (re.compile("쎈티"), "센티"),
    (re.compile(rf"(?<=[{_SINO_NUMBER_CHAR}])씨씨"), "시시"),
)
# Anything that is not a letter or a digit: punctuation, symbols, spaces.
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_for_cer(text: str) -> str:
    """NFC, numbers in spoken Hangul, variants unified, punctuation and spaces removed."""
    text = unicodedata.normalize("NFC", text)
    text = verbalize_numbers(text)
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
