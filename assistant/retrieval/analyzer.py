"""Korean text analysis shared by the index (documents) and the search (queries).

Both sides must produce the same tokens from the same words, whatever the
spacing: speech transcripts run words together ("노인연금얼마받아요") or split
compounds apart ("기초 연금"), and written records do the opposite. Kiwi
splits compounds into their nouns regardless of spacing; on top of that the
analyzer adds each pair of adjacent nouns joined ("기초연금"), so a compound
matches both as a phrase and by its parts. Numbers keep their unit and are
normalized to their value ("삼십만 원", "30만원" and "300,000원" all give
"300000원"), because "65세" means something that "65" alone does not.
"""

from __future__ import annotations

from functools import lru_cache

from kiwipiepy import Token

from ..korean import kiwi

# Bump whenever the tokens produced for the same text change: persisted
# indexes built with another version are rebuilt.
ANALYZER_VERSION = "3"

_NOUN_TAGS = {"NNG", "NNP", "XR", "SL", "SH"}
# Morphemes a sentence encoder needs to read what was asked: every content
# word and number, without particles and endings.
_CONTENT_TAGS = {"NNG", "NNP", "NNB", "NR", "NP", "XR", "SL", "SH", "SN", "VV", "VA", "MAG", "XSN", "XPN"}
# Predicates that carry no topic ("있다", "하다", "되다" ...).
_LIGHT_STEMS = {"하", "되", "있", "없", "않", "이", "아니", "같", "주", "보", "알", "받", "어떻", "그렇", "이렇"}
# Noun suffixes change the word ("저소득층", "맞춤형"); the plural does not.
_PLURAL_SUFFIXES = {"들"}
_UNIT_SYNONYMS = {"살": "세"}
_SINO_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
# Native numerals add up ("예순" + "다섯" = 65); the determiner forms ("두
# 자녀", "세 명") count only before a unit.
_NATIVE_NUMBERS = {
    "하나": 1, "둘": 2, "셋": 3, "넷": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9,
    "열": 10, "스물": 20, "서른": 30, "마흔": 40, "쉰": 50, "예순": 60, "일흔": 70, "여든": 80, "아흔": 90,
}
_NATIVE_DETERMINERS = {"한": 1, "두": 2, "세": 3, "네": 4, "스무": 20}
_SMALL_MAGNITUDES = {"십": 10, "백": 100, "천": 1000}
_LARGE_MAGNITUDES = {"만": 10_000, "억": 100_000_000, "조": 1_000_000_000_000}


def _numeral_symbols(parts: list[Token]):
    for part in parts:
        if part.tag == "SN":
            yield int(part.form.replace(",", ""))
        elif part.form in _NATIVE_NUMBERS or part.form in _NATIVE_DETERMINERS:
            yield part.form
        else:
            yield from part.form  # "육십오" reads digit by digit


def _number_value(parts: list[Token]) -> int | None:
    """Value of a run of digit and numeral morphemes ("33", "만", "4,810" or
    "육십오"); None when it does not read as one number."""
    total = section = current = 0
    for symbol in _numeral_symbols(parts):
        if isinstance(symbol, int):
            current = symbol
        elif symbol in _NATIVE_NUMBERS or symbol in _NATIVE_DETERMINERS:
            current += _NATIVE_NUMBERS.get(symbol) or _NATIVE_DETERMINERS[symbol]
        elif symbol in _SINO_DIGITS:
            current = _SINO_DIGITS[symbol]
        elif symbol in _SMALL_MAGNITUDES:
            section += (current or 1) * _SMALL_MAGNITUDES[symbol]
            current = 0
        elif symbol in _LARGE_MAGNITUDES:
            total += ((section + current) or 1) * _LARGE_MAGNITUDES[symbol]
            section = current = 0
        else:
            return None
    return total + section + current


def _is_numeral(morphemes: list[Token], i: int) -> bool:
    token = morphemes[i]
    if token.tag == "SN":
        return token.form.replace(",", "").isdigit()
    if token.tag == "NR":
        return token.form in _NATIVE_NUMBERS or all(
            c in _SINO_DIGITS or c in _SMALL_MAGNITUDES or c in _LARGE_MAGNITUDES for c in token.form)
    return (token.tag == "MM" and token.form in _NATIVE_DETERMINERS
            and i + 1 < len(morphemes) and morphemes[i + 1].tag == "NNB")


class Analyzer:
    """Turns Korean text into BM25 tokens. Stateless apart from the shared
    Kiwi model; safe to use from several threads."""

    @property
    def fingerprint(self) -> str:
        """Changes whenever the same text could yield different tokens."""
        return f"{kiwi.VERSION}/analyzer-{ANALYZER_VERSION}"

    def analyze(self, text: str) -> list[str]:
        return self._tokens(self._morphemes(text))

    def analyze_query(self, text: str) -> tuple[list[str], str]:
        """The tokens of `text` and its content words as a phrase ("노인 연금
        얼마 받다"), from one pass of Kiwi. The phrase is what a sentence
        encoder reads: as telling as the whole question and about half as
        many subword tokens, which is what its time grows with."""
        morphemes = self._morphemes(text)
        return self._tokens(morphemes), _content_phrase(morphemes)

    def analyze_many(self, texts: list[str]) -> list[list[str]]:
        if not texts:
            return []
        return [self._tokens(morphemes) for morphemes in kiwi.tokenize_many(texts)]

    def _morphemes(self, text: str) -> list[Token]:
        return kiwi.tokenize(text)

    def _tokens(self, morphemes: list[Token]) -> list[str]:
        tokens: list[str] = []
        # The current run of adjacent nominal words, each as [form, affixed].
        run: list[list] = []
        i = 0
        while i < len(morphemes):
            token = morphemes[i]
            if _is_numeral(morphemes, i):
                self._end_run(run, tokens)
                i = self._number(morphemes, i, tokens)
                continue
            if token.tag in _NOUN_TAGS:
                form = token.form.lower()
                tokens.append(form)
                run.append([form, False])
            elif token.tag == "XPN" and i + 1 < len(morphemes) and morphemes[i + 1].tag in _NOUN_TAGS:
                # "저" + "소득" + "층": the prefix belongs to the next noun.
                form = morphemes[i + 1].form.lower()
                tokens.append(form)
                run.append([token.form + form, True])
                i += 1
            elif token.tag == "XSN" and run:
                if token.form not in _PLURAL_SUFFIXES:
                    run[-1][0] += token.form
                    run[-1][1] = True
            else:
                self._end_run(run, tokens)
                if token.tag.split("-")[0] in ("VV", "VA") and token.form not in _LIGHT_STEMS:
                    tokens.append(token.form + "다")
            i += 1
        self._end_run(run, tokens)
        return tokens

    @staticmethod
    def _end_run(run: list[list], tokens: list[str]) -> None:
        """Add each pair of adjacent nominal words joined, and each affixed
        word whole ("저소득층" besides "소득"); then start a new run."""
        tokens.extend(a[0] + b[0] for a, b in zip(run, run[1:]))
        tokens.extend(form for form, affixed in run if affixed)
        run.clear()

    @staticmethod
    def _number(morphemes: list[Token], start: int, tokens: list[str]) -> int:
        """Read a number and its unit from `start`; add its token; return the
        index after it. A number without a unit carries too little meaning to
        index ("2" of "2자녀" does, "2" alone does not)."""
        end = start
        while end < len(morphemes) and _is_numeral(morphemes, end):
            end += 1
        value = _number_value(morphemes[start:end])
        if end < len(morphemes) and value is not None:
            unit = morphemes[end]
            attached = unit.start == morphemes[end - 1].end
            if unit.tag == "NNB" or (unit.tag in ("NNG", "SW") and attached and len(unit.form) <= 2):
                tokens.append(f"{value}{_UNIT_SYNONYMS.get(unit.form, unit.form)}")
                return end + 1
        return end


def _content_phrase(morphemes: list[Token]) -> str:
    words: list[str] = []
    end = -1
    for token in morphemes:
        tag = token.tag.split("-")[0]
        if tag not in _CONTENT_TAGS:
            continue
        if tag in ("VV", "VA"):
            words.append(token.form + "다")
        elif token.start == end and words:
            words[-1] += token.form  # a compound or a suffix stays one word
        else:
            words.append(token.form)
        end = token.end
    return " ".join(words)


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer()


def analyze(text: str) -> list[str]:
    return default_analyzer().analyze(text)
