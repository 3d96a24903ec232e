"""Masking personal numbers before anything reaches a log.

Residents may say their resident registration number or a phone number; logs
keep the shape of what was said, never the digits. What a log line may hold at
all is the policy in docs/architecture.md ("Privacy").
"""

from __future__ import annotations

import re

_RESIDENT_NUMBER = re.compile(r"\d{6}\s*[-‐]?\s*[1-8]\d{6}")
_MOBILE = re.compile(r"01[016789]\s*[-‐.]?\s*\d{3,4}\s*[-‐.]?\s*\d{4}")
# Area code and a local number, however spaced: 02-123-4567, 031 310 2114, (02)1234-5678.
_LANDLINE = re.compile(r"\(?0[2-6]\d?\)?\s*[-‐.]?\s*\d{3,4}\s*[-‐.]?\s*\d{4}")
# Any other run of 8+ digits (account, card, a number without separators).
_LONG_DIGITS = re.compile(r"(?:\d[\s-]?){7,}\d")
# The same numbers as the recognizer may write them, in digit words (공일공 일이삼사 …):
# seven or more in a row never make an ordinary Korean word.
_DIGIT_WORD = "[공영일이삼사오육륙칠팔구]"
_SPOKEN_DIGITS = re.compile(rf"(?:{_DIGIT_WORD}[\s-]?){{6,}}{_DIGIT_WORD}")


def _hide(match: re.Match[str]) -> str:
    return re.sub(rf"\d|{_DIGIT_WORD}", "*", match.group())


def mask_personal(text: str) -> str:
    for pattern in (_RESIDENT_NUMBER, _MOBILE, _LANDLINE, _LONG_DIGITS, _SPOKEN_DIGITS):
        text = pattern.sub(_hide, text)
    return text
