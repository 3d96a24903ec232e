"""A reply cut into the pieces it is synthesized in: the first one short.

The first audio of a reply can play only once its first piece is made, so the
first piece is about two seconds of speech: a comma clause, or the words up to
a phrase boundary (a topic or case particle, a connective ending) Kiwi finds
near the limit. Later pieces are clauses cut the same way, made while the
earlier ones play, each allowed to be longer than the one before (up to
about four seconds): a piece must be made before the one before it has
finished playing, which holds while synthesis runs at least twice as fast
as speech (Kokoro: about 0.5 of real time on one thread). Short pieces also
mean a reply cut off (barge-in, a button) never leaves the worker busy for
long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .g2p.morphology import phrase_ends
from .speech_normalize import speech_sentences

FIRST_PIECE_CHARS = 24
PIECE_CHARS = 48
# A first sentence longer than this is cut at a word boundary when it has no phrase end early enough.
FIRST_SPLIT_CHARS = 40
# Each piece may be this much longer than the one before it, up to PIECE_CHARS.
PIECE_GROWTH = 1.6
# A first piece shorter than this is not worth a separate call to the voice.
MIN_PIECE_CHARS = 6
SENTENCE_PAUSE_S = 0.3
CLAUSE_PAUSE_S = 0.15


@dataclass(frozen=True)
class Piece:
    text: str
    pause_after_s: float  # at speaking rate 1.0


def speech_pieces(text: str, first_chars: int = FIRST_PIECE_CHARS) -> list[Piece]:
    """`text` normalized for speech, as the pieces to synthesize one after another."""
    sentences = speech_sentences(text)
    if not sentences:
        return []
    pieces: list[Piece] = []
    limit = first_chars
    for sentence in sentences:
        while sentence:
            head, sentence = _first_piece(sentence, limit, first=not pieces)
            pieces.append(Piece(head, CLAUSE_PAUSE_S if sentence else _pause(head)))
            limit = min(PIECE_CHARS, max(FIRST_PIECE_CHARS, round(len(head) * PIECE_GROWTH)))
    return pieces


def _pause(sentence: str) -> float:
    return CLAUSE_PAUSE_S if sentence.endswith(",") else SENTENCE_PAUSE_S


def _first_piece(sentence: str, limit: int, first: bool = False) -> tuple[str, str]:
    """(head, rest): `sentence` cut at the last clause or phrase end within `limit`
    characters; failing that, the reply's first piece at a word boundary (its
    length is the wait for the first audio), a later one at a phrase end within
    PIECE_CHARS or, in a longer sentence, at a word boundary."""
    if len(sentence) <= limit:
        return sentence, ""
    cut = _last_end(sentence, limit)
    if cut is None and not first:
        cut = _last_end(sentence, max(limit, PIECE_CHARS))
    if cut is None and len(sentence) > (FIRST_SPLIT_CHARS if first else PIECE_CHARS):
        spaces = [m.start() for m in re.finditer(r"\s", sentence)
                  if MIN_PIECE_CHARS <= m.start() <= limit and len(sentence[m.start():].strip()) > MIN_PIECE_CHARS]
        cut = spaces[-1] if spaces else None
    if cut is None:
        return sentence, ""
    head, rest = sentence[:cut].strip(), sentence[cut:].strip()
    return (head, rest) if rest else (sentence, "")


def _last_end(sentence: str, limit: int) -> int | None:
    if len(sentence) <= limit:
        return None
    def fits(end: int) -> bool:  # neither piece too short to be worth its own call
        return MIN_PIECE_CHARS <= end <= limit and len(sentence[end:].strip()) > MIN_PIECE_CHARS

    commas = [m.end() for m in re.finditer(r",\s", sentence) if fits(m.end() - 1)]
    if commas:
        return commas[-1]
    ends = [end for end in phrase_ends(sentence) if fits(end)]
    return ends[-1] if ends else None
