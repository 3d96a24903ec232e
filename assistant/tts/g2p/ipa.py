"""Korean pronunciation (syllables after the rules) -> the IPA symbols Kokoro was trained on.

Kokoro-82M reads a string of IPA symbols from its vocabulary (`vocab.json`);
its voices are Japanese, so the symbols are chosen for what they make those
voices say, measured by how well Whisper recognizes the result (docs/voice.md):

- lax ㄱㄷㅂㅈ are voiced before a vowel, even at the start of a word (the
  Japanese voices aspirate a plain k t p ʨ, which Whisper hears as ㅋㅌㅍㅊ:
  CER 0.140 against 0.156 on the first 20 development sentences); aspirated
  ㅋㅌㅍㅊ carry ʰ; tense ㄲㄸㅃㅆㅉ are plain (a glottal stop before them, as
  in Japanese っ, did not help: 0.149);
- ㅓ is ɔ (ʌ: 0.209), ㅡ is ɯ, ㅐ and ㅔ are both e;
- ㅅ and ㅆ before i or j are ɕ; ㄹ is ɾ before a vowel and l otherwise;
- no stress or length marks (stress marks made recognition much worse).
"""

from __future__ import annotations

from .morphology import Link, Sound

VOWELS = {
    "ㅏ": "a", "ㅐ": "e", "ㅑ": "ja", "ㅒ": "je", "ㅓ": "ɔ", "ㅔ": "e", "ㅕ": "jɔ", "ㅖ": "je", "ㅗ": "o",
    "ㅘ": "wa", "ㅙ": "we", "ㅚ": "we", "ㅛ": "jo", "ㅜ": "u", "ㅝ": "wɔ", "ㅞ": "we", "ㅟ": "wi", "ㅠ": "ju",
    "ㅡ": "ɯ", "ㅢ": "ɯi", "ㅣ": "i",
}
ONSETS = {
    "ㄱ": "ɡ", "ㄷ": "d", "ㅂ": "b", "ㅈ": "ʥ",
    "ㄲ": "k", "ㄸ": "t", "ㅃ": "p", "ㅉ": "ʨ",
    "ㅋ": "kʰ", "ㅌ": "tʰ", "ㅍ": "pʰ", "ㅊ": "ʨʰ",
    "ㅅ": "s", "ㅆ": "s", "ㅎ": "h",
    "ㄴ": "n", "ㅁ": "m", "ㄹ": "ɾ", "ㅇ": "",
}
# Onsets said otherwise at the start of a word (after a space or a pause).
WORD_INITIAL: dict[str, str] = {}
CODAS = {"ㄱ": "k", "ㄴ": "n", "ㄷ": "t", "ㄹ": "l", "ㅁ": "m", "ㅂ": "p", "ㅇ": "ŋ"}
# ㅅ ㅆ before i or j: ɕ, the glide absorbed (시 [ɕi], 셔 [ɕɔ]).
_PALATAL_S = {"ㅅ", "ㅆ"}


def to_ipa(sounds: list[Sound]) -> str:
    out: list[str] = []
    previous: Sound | None = None
    for sound in sounds:
        if previous is not None:
            if previous.pause_after:
                out.append(previous.pause_after + " ")
            elif sound.link is Link.WORD:
                out.append(" ")
        out.append(_syllable(sound, previous))
        previous = sound
    if previous is not None and previous.pause_after:
        out.append(previous.pause_after)
    return "".join(out).strip()


def _syllable(sound: Sound, previous: Sound | None) -> str:
    vowel, onset = VOWELS[sound.vowel], ONSETS[sound.onset]
    if previous is None or previous.pause_after or sound.link is Link.WORD:
        onset = WORD_INITIAL.get(sound.onset, onset)
    if sound.onset in _PALATAL_S and vowel[0] in "ij":
        onset, vowel = "ɕ", vowel[1:] if vowel[0] == "j" else vowel
    if sound.onset == "ㄹ" and previous is not None and previous.coda == "ㄹ" and not previous.pause_after:
        onset = "l"  # ㄹㄹ is a long l (실라 [silla])
    return onset + vowel + CODAS.get(sound.coda, "")
