"""The checkable facts of a text: every number it states (amounts, ages, dates,
percentages, phone numbers), in one comparable form.

An answer is grounded when each of its facts appears among the facts of the
records it was built from.
"""

from __future__ import annotations

import re

# A number as written: "33만 4,810", "1588-3570", "65", "2024.4.1", "64.5".
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:-\d+)*")


def facts(text: str) -> set[str]:
    """Digit strings with thousands separators dropped: "4,810" -> "4810"."""
    return {m.group().replace(",", "") for m in _NUMBER.finditer(text)}


def ungrounded(answer: str, sources: list[str]) -> set[str]:
    """Facts of `answer` that none of `sources` states."""
    known: set[str] = set()
    for source in sources:
        known |= facts(source)
    return facts(answer) - known
