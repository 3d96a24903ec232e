"""Masking personal numbers before anything reaches a log.

Residents may say their resident registration number or mobile number; logs
keep the shape of what was said, never the digits.
"""

from __future__ import annotations

import re

_RESIDENT_NUMBER = re.compile(r"\d{6}\s*[-‐]?\s*[1-8]\d{6}")
_MOBILE = re.compile(r"01[016789]\s*[-‐.]?\s*\d{3,4}\s*[-‐.]?\s*\d{4}")
# Any other run of 7+ digits (account, card, landline without separators).
_LONG_DIGITS = re.compile(r"(?:\d[\s-]?){7,}\d")


def mask_personal(text: str) -> str:
    for pattern in (_RESIDENT_NUMBER, _MOBILE, _LONG_DIGITS):
        text = pattern.sub(lambda m: re.sub(r"\d", "*", m.group()), text)
    return text
