"""Answer text rewritten as a speaker would say it, for the speech synthesizer.

Numbers become words (`korean_numbers`), phone numbers are read digit by digit
in groups joined by "에" the way Korean operators say them, web and e-mail
addresses are replaced by a word plus a pointer to the screen, and symbols a
voice cannot say (☎, ※, ○, brackets, quotes) are dropped or turned into pauses.
"""

from __future__ import annotations

import re
import unicodedata

from ..korean.numbers import sino_korean, verbalize_numbers

ADDRESS_NOTE = "주소는 화면을 봐 주세요."

_URL_TEXT = (
    r"(?:https?://|www\.)[^\s()<>\[\]가-힣]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:go|or|co|ac|re|ne|pe)\.kr\b[^\s()<>\[\]가-힣]*"
)
# An address in brackets goes with its brackets: "복지로(www…)에서" -> "복지로 누리집에서".
_URL = re.compile(rf"\(\s*(?:{_URL_TEXT})\s*\)|{_URL_TEXT}", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A web address right after the word for it is dropped, not replaced: "홈페이지(www…)".
_SITE_WORD_BEFORE = re.compile(r"(?:누리집|홈페이지|사이트|웹사이트)[\s(:：]*$")
_PHONE_MARKS = re.compile(r"[☎✆℡📞☏]\s*")
_ORDINALS = ("첫째", "둘째", "셋째", "넷째", "다섯째", "여섯째", "일곱째", "여덟째", "아홉째", "열째")
_BULLET = re.compile(r"^[ \t]*(?:[-–•◦▪▫○●◎□■◇◆▶▷►※*]+)[ \t]*", re.MULTILINE)
_MARKS = re.compile(r"[※○●◎□■◇◆▶▷►•◦▪▫★☆√✔✓*#|_]")
_PAUSES = re.compile(r"\s*(?:[·ㆍ․‧∙･/:：;→↓⇒]|(?<=\s)[-–—](?=\s))\s*")
_RANGE = re.compile(r"\s*[~∼～]\s*")
_OPEN_BRACKETS = re.compile(r"[(\[{<〈《「『【｢]")
_CLOSE_BRACKETS = re.compile(r"[)\]}>〉》」』】｣]")
_QUOTES = re.compile(r"[\"'“”‘’`]")
_UNSPEAKABLE = re.compile(r"[^\w\s.,?!%]")
_LINE_END = re.compile(r"(?<![.?!,])[ \t]*\n+")


def normalize_for_speech(text: str) -> str:
    """`text` as a voice should say it; empty if nothing in it can be spoken."""
    text = unicodedata.normalize("NFC", text)
    text, kinds = _replace_addresses(text)
    text = _BULLET.sub("", text)
    text = _PHONE_MARKS.sub("", text)
    text = re.sub(r"[\u2460-\u2473]", _circled_number, text)
    text = re.sub(r"[\u2160-\u216b]", lambda m: sino_korean(int(unicodedata.numeric(m[0]))), text)
    text = verbalize_numbers(text, group_separator="에 ")
    text = _RANGE.sub("에서 ", text)
    text = text.replace("%", " 퍼센트").replace("&", " 및 ")
    text = _MARKS.sub(" ", text)
    text = _PAUSES.sub(", ", text)
    text = _OPEN_BRACKETS.sub(" ", text)
    text = _CLOSE_BRACKETS.sub("", text)
    text = _QUOTES.sub("", text)
    text = _UNSPEAKABLE.sub(" ", text)
    text = _LINE_END.sub(". ", text)
    text = _tidy(text)
    if not kinds:
        return text
    if text and not text.endswith((".", "?", "!")):
        text += "."
    return " ".join([text, *(f"{kind} {ADDRESS_NOTE}" for kind in kinds)]).strip()


def speech_sentences(text: str, max_chars: int = 80) -> list[str]:
    """Normalized `text` cut into sentences, each short enough to synthesize quickly.

    A sentence longer than `max_chars` is cut at its last comma within the
    limit, so the first audio of a long reply is not held up.
    """
    sentences = []
    for sentence in re.split(r"(?<=[.?!])\s+", normalize_for_speech(text)):
        while len(sentence) > max_chars and (cut := sentence.rfind(",", 0, max_chars)) > 0:
            sentences.append(sentence[: cut + 1])
            sentence = sentence[cut + 1:].strip()
        if re.search(r"\w", sentence):
            sentences.append(sentence)
    return sentences


def _replace_addresses(text: str) -> tuple[str, list[str]]:
    """Web and e-mail addresses -> "누리집"/"전자우편"; returns which kinds occurred."""
    kinds: list[str] = []

    def replace(m: re.Match, word: str) -> str:
        if word not in kinds:
            kinds.append(word)
        if word == "누리집" and _SITE_WORD_BEFORE.search(m.string[: m.start()]):
            return ""
        return f" {word}" if m[0].startswith("(") else word

    text = _EMAIL.sub(lambda m: replace(m, "전자우편"), text)
    text = _URL.sub(lambda m: replace(m, "누리집"), text)
    return text, kinds


def _circled_number(m: re.Match) -> str:
    n = int(unicodedata.numeric(m[0]))
    return (_ORDINALS[n - 1] if n <= len(_ORDINALS) else f"{sino_korean(n)} 번") + ", "


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    text = re.sub(r"([,.?!])[,.]+", r"\1", text)  # ", ," and ",." left by removed symbols
    text = re.sub(r"([,.?!])(?=[^\s,.?!])", r"\1 ", text)
    return text.strip(" ,")
