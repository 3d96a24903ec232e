"""Korean text -> its standard pronunciation -> Kokoro's phoneme string.

    pronounce("국민연금 신청할 수 있어요")  == "궁민년금 신청할 쑤 이써요"
    phonemes("국물")                         == "kuŋmul"

The text is expected after `speech_normalize` (numbers, phone numbers and
symbols already in Hangul words). Characters that are neither Hangul nor
punctuation are left out.
"""

from __future__ import annotations

from .ipa import to_ipa
from .morphology import Link, Sound, analyze
from .rules import pronounce_sounds

# Bump when the phonemes produced for the same text change: cached audio made
# from older phonemes is then not reused.
G2P_VERSION = "1"


def sounds(text: str) -> list[Sound]:
    return pronounce_sounds(analyze(text))


def pronounce(text: str) -> str:
    """The pronunciation in Hangul, words and punctuation kept: "신라" -> "실라"."""
    out: list[str] = []
    previous: Sound | None = None
    for sound in sounds(text):
        if previous is not None:
            if previous.pause_after:
                out.append(previous.pause_after + " ")
            elif sound.link is Link.WORD:
                out.append(" ")
        out.append(sound.text)
        previous = sound
    if previous is not None and previous.pause_after:
        out.append(previous.pause_after)
    return "".join(out)


def phonemes(text: str) -> str:
    """Kokoro's IPA for `text`."""
    return to_ipa(sounds(text))


__all__ = ["G2P_VERSION", "phonemes", "pronounce", "sounds"]
