"""Hangul text -> syllables that know their morpheme boundaries (Kiwi).

The pronunciation rules depend on what kind of boundary lies between two
syllables: a coda moves onto a vowel-initial particle or ending as it is
(옷이 [오시]) but only in its neutral form onto a new word of a compound
(옷 안 [오단]); ㄴ is added before 이/야/여/요/유 only at a boundary between
words of a compound (솜이불 [솜니불]), never before a particle (솜이 [소미]);
stems and endings have rules of their own (신고 [신꼬]). Kiwi tells these apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiwipiepy import Token

from ...korean import kiwi
from .hangul import Syllable, compatibility_letters, is_syllable, split


class Link(StrEnum):
    """How a syllable joins the one before it."""

    MORPHEME = "morpheme"        # inside one morpheme
    GRAMMATICAL = "grammatical"  # it starts a particle, ending or suffix
    LEXICAL = "lexical"          # it starts another content morpheme (compound, after a prefix)
    WORD = "word"                # a space lies between
    PAUSE = "pause"              # punctuation lies between, or it starts the text


# Particles (J…), endings (E…), suffixes and the copula 이다 attach to what
# precedes them; everything else is a content morpheme.
_GRAMMATICAL_PREFIXES = ("J", "E")
_GRAMMATICAL_TAGS = {"XSN", "XSV", "XSA", "XSM", "VCP"}
STEM_TAGS = {"VV", "VA", "VX", "VCN", "XSV", "XSA"}
NOUN_TAGS = {"NNG", "NNP", "NNB", "NR", "XR"}
PUNCTUATION = {".": ".", "?": "?", "!": "!", ",": ",", "…": ","}


def base_tag(token: Token) -> str:
    """"VV-R" (a regular verb) -> "VV"."""
    return str(token.tag).split("-")[0]


def is_grammatical(tag: str) -> bool:
    return tag.startswith(_GRAMMATICAL_PREFIXES) or tag in _GRAMMATICAL_TAGS


@dataclass(frozen=True)
class Morpheme:
    form: str   # in compatibility letters: "ㄹ게요", "신청"
    tag: str    # Kiwi's tag without its -R/-I mark
    syllables: int


@dataclass
class Sound(Syllable):
    """One written syllable and its context; the rules rewrite onset, vowel and coda."""

    written: str = ""
    link: Link = Link.PAUSE
    morpheme: Morpheme | None = None        # the morpheme its vowel belongs to
    coda_morpheme: Morpheme | None = None   # the morpheme its coda belongs to ("ㄹ" of 할)
    position: int = 0                       # syllable index inside `morpheme`
    word: str = ""                          # the written word (eojeol) it is part of
    word_index: int = 0                     # syllable index inside `word`
    pause_after: str = ""                   # punctuation spoken after it


def analyze(text: str) -> list[Sound]:
    """Every Hangul syllable of `text` with its morpheme context; other characters
    become pauses (punctuation) or word breaks (anything else)."""
    tokens = kiwi.tokenize(text)
    first_at: dict[int, Token] = {}
    last_at: dict[int, Token] = {}
    for token in tokens:
        for i in range(token.start, token.start + max(token.len, 1)):
            first_at.setdefault(i, token)
            last_at[i] = token
    morphemes = {id(t): Morpheme(compatibility_letters(t.form), base_tag(t), sum(map(is_syllable, t.form))
                                 or 1) for t in tokens}
    sounds: list[Sound] = []
    link = Link.PAUSE
    word_start = 0
    for i, char in enumerate(text):
        if not is_syllable(char):
            if char in PUNCTUATION:
                if sounds and not sounds[-1].pause_after:
                    sounds[-1].pause_after = PUNCTUATION[char]
                link = Link.PAUSE
            elif link is not Link.PAUSE:
                link = Link.WORD
            word_start = i + 1
            continue
        owner, before = first_at.get(i), last_at.get(i - 1)
        if link in (Link.WORD, Link.PAUSE):
            pass
        elif owner is None or owner is before:
            link = Link.MORPHEME
        else:
            link = Link.GRAMMATICAL if is_grammatical(base_tag(owner)) else Link.LEXICAL
        end = i
        while end + 1 < len(text) and is_syllable(text[end + 1]):
            end += 1
        sound = Sound(**vars(split(char)), written=char, link=link,
                      morpheme=morphemes.get(id(owner)) if owner else None,
                      coda_morpheme=morphemes.get(id(last_at[i])) if i in last_at else None,
                      position=_position(owner, text, i) if owner else 0,
                      word=text[word_start:end + 1], word_index=i - word_start)
        sounds.append(sound)
        link = Link.MORPHEME
    return sounds


def _position(token: Token, text: str, i: int) -> int:
    return sum(map(is_syllable, text[token.start:i]))


# A word ending in one of these closes a phrase a speaker may pause after.
_PHRASE_FINAL_TAGS = {"JX", "JKS", "JKB", "JKO", "JKC", "EC"}


def phrase_ends(text: str) -> list[int]:
    """Character offsets just after each word that ends in a particle or connective ending."""
    tokens = kiwi.tokenize(text)
    ends = []
    for token, following in zip(tokens, [*tokens[1:], None]):
        end = token.start + token.len
        word_ends = following is None or following.start > end
        # "문의해 주세요": a connective before an auxiliary verb is one phrase with it.
        before_auxiliary = following is not None and base_tag(following) == "VX"
        if word_ends and not before_auxiliary and base_tag(token) in _PHRASE_FINAL_TAGS and end < len(text):
            ends.append(end)
    return ends
