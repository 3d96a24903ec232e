"""Reading numbers the way residents say them: "일흔둘", "칠십이", "일흔두", "72".

The inverse of `numbers.py`: the table of spoken forms is generated from its
own readers (`native_korean`, `sino_korean`), so both directions agree.
"""

from __future__ import annotations

from functools import lru_cache

from .numbers import native_korean, sino_korean

LARGEST = 150  # ages, months, counts of children: no resident says more


@lru_cache(maxsize=1)
def _spoken_forms() -> dict[str, int]:
    forms: dict[str, int] = {}
    for n in range(1, LARGEST + 1):
        forms[sino_korean(n)] = n
        if n <= 99:
            forms[native_korean(n)] = n
            forms[native_korean(n, before_counter=True)] = n
    # "스무" before a counter and "스물" alone are both 20; "한" is also a word
    # of its own ("한 번"), read only where a number is expected.
    return forms


def read_number(word: str) -> int | None:
    """The value of one number word ("일흔둘", "칠십이", "72"), or None."""
    word = word.replace(" ", "").replace(",", "")
    if word.isdigit():
        return int(word)
    return _spoken_forms().get(word)
