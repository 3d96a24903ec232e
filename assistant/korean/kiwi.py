"""One Kiwi morphological analyzer per process, shared by every stage that reads Korean.

Loading the model takes about 1.5 s and 200 MB, so it happens once. Kiwi's
documentation does not promise concurrent use of one instance, so every call
goes through one lock; a call takes well under a millisecond per sentence.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import kiwipiepy
import kiwipiepy_model
from kiwipiepy import Kiwi, Token

_lock = threading.Lock()

VERSION = f"kiwipiepy-{kiwipiepy.__version__}/model-{kiwipiepy_model.__version__}"


@lru_cache(maxsize=1)
def _kiwi() -> Kiwi:
    return Kiwi()


def load() -> None:
    """Load the model now (at start-up) rather than on the first question."""
    _kiwi()


def tokenize(text: str) -> list[Token]:
    if not text.strip():
        return []
    with _lock:
        return _kiwi().tokenize(text)


def tokenize_many(texts: list[str]) -> list[list[Token]]:
    if not texts:
        return []
    with _lock:
        return list(_kiwi().tokenize(texts))


def join(morphemes: list[tuple[str, str]]) -> str:
    """Morphemes (form, tag) put back into text, conjugated: (지원, NNG)(하, XSV)(어요, EF) -> 지원해요."""
    with _lock:
        return _kiwi().join(morphemes)


def next_morpheme_scores(tokens: list[Token] | list[tuple[str, str]], top_n: int = 60) -> dict[tuple[str, str], float]:
    """Log-probabilities of the morphemes Kiwi's language model expects right after `tokens`
    (form, tag) -> score; a morpheme not among the `top_n` likeliest is absent."""
    if not tokens:
        return {}
    with _lock:
        predicted = _kiwi().predict_next_morpheme(tokens, top_n=top_n)
    return {(m.form, m.tag): m.score for m in predicted}
