"""Particles (조사) in the form the word before them takes: 은/는, 이/가, 과/와, 이나/나, 으로/로, 이에요/예요.

The choice follows how the word ends when SAID, so a word ending in digits or
Latin letters is judged by its reading: "24" (이십사) takes 는, "10" (십) takes
은, "SOS" (에스) takes 는. Kiwi's `join` picks allomorphs after Hangul only.
"""

from __future__ import annotations

import re
from enum import Enum

from .numbers import sino_korean

# Latin letters whose Korean names end in a consonant: 엘, 엠, 엔, 알.
_LATIN_CLOSED = set("lmnr")
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the final consonants
_TRAILING_NUMBER = re.compile(r"\d+$")
_SAID_SYMBOLS = {"%": "퍼센트", "℃": "도", "㎡": "제곱미터", "㎏": "킬로그램", "㎞": "킬로미터"}


class Particle(Enum):
    """Each particle as (after a consonant, after a vowel)."""

    TOPIC = ("은", "는")
    SUBJECT = ("이", "가")
    AND = ("과", "와")
    OR = ("이나", "나")
    MEANS = ("으로", "로")
    COPULA = ("이에요", "예요")


def final_consonant(word: str) -> int | None:
    """Index (1-27) of the spoken final consonant of `word`, 0 after a vowel, None if unknown."""
    word = word.rstrip(" .,)]\"'")
    if not word:
        return None
    last = word[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_FIRST) % 28
    if last.isdigit():
        digits = _TRAILING_NUMBER.search(word)
        return final_consonant(sino_korean(int(digits.group()))) if digits else None
    if last in _SAID_SYMBOLS:
        return final_consonant(_SAID_SYMBOLS[last])
    if last.isascii() and last.isalpha():
        return 8 if last.lower() in _LATIN_CLOSED else 0
    return None


def attach(word: str, particle: Particle) -> str:
    """`word` followed by `particle` in the form its ending calls for."""
    after_consonant, after_vowel = particle.value
    final = final_consonant(word)
    # 으로 drops its 으 after ㄹ as after a vowel: 서울로, 지역으로.
    closed = bool(final) and not (particle is Particle.MEANS and final == _RIEUL)
    return word + (after_consonant if closed else after_vowel)
