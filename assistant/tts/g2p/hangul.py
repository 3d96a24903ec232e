"""Hangul syllables as (onset, vowel, coda) letters, and back.

Letters are the compatibility jamo (ㄱ, ㅏ …) that Korean grammars and the
pronunciation rules are written in; an empty coda is "". The onset ㅇ is the
empty onset (a syllable that starts with its vowel).
"""

from __future__ import annotations

from dataclasses import dataclass

ONSETS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
CODAS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
         "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")
_FIRST, _LAST = 0xAC00, 0xD7A3
# Kiwi writes a coda-only ending ("ㄹ" of 할, "ㅂ니다" of 합니다) in the
# Hangul Jamo block's final consonants; these are the same letters.
_JAMO_CODAS = {chr(0x11A8 + i): c for i, c in enumerate(CODAS[1:])}


@dataclass
class Syllable:
    onset: str
    vowel: str
    coda: str = ""

    @property
    def text(self) -> str:
        return chr(_FIRST + (ONSETS.index(self.onset) * len(VOWELS) + VOWELS.index(self.vowel)) * len(CODAS)
                   + CODAS.index(self.coda))


def is_syllable(char: str) -> bool:
    return _FIRST <= ord(char) <= _LAST


def split(char: str) -> Syllable:
    """"닭" -> Syllable("ㄷ", "ㅏ", "ㄺ")."""
    index = ord(char) - _FIRST
    onset, rest = divmod(index, len(VOWELS) * len(CODAS))
    vowel, coda = divmod(rest, len(CODAS))
    return Syllable(ONSETS[onset], VOWELS[vowel], CODAS[coda])


def compatibility_letters(text: str) -> str:
    """Kiwi's conjoining jamo ("ᆯ게요") in compatibility letters ("ㄹ게요")."""
    return "".join(_JAMO_CODAS.get(c, c) for c in text)
