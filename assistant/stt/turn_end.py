"""Is the resident's turn over? A judgement from the grammar of what was heard so far.

A finished Korean utterance almost always ends in a sentence-final ending
(…요, …까, …니다, …나요: Kiwi's EF); a speaker who stops to find a word
usually stops after a connective ending (…는데, …고, …서: EC), a particle,
a bare noun or an adnominal ending (…는, …던: ETM). The judge reads the
partial transcript that early recognition produces about 350 ms into a
silence and says `complete`, `incomplete` or `unsure`; the endpointer turns
that into how long to keep listening (see `Endpointer.decide`).

Kiwi is trained on standard Korean and splits many dialect endings wrongly
(…데이, …니더, …당께 become nouns or connectives), so the last word is first
compared with tables of dialect ending classes: general grammar of the
Gyeongsang, Jeolla and Chungcheong endings, longest suffix first, never
whole sentences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
from kiwipiepy import Token

from ..korean.kiwi import tokenize

TurnVerdict = Literal["complete", "incomplete", "unsure"]


class TurnReason(StrEnum):
    FINAL_ENDING = "final_ending"  # EF: …요, …니다, …까
    DIALECT_FINAL_ENDING = "dialect_final_ending"  # …데이, …니더, …능교, …당께
    POLITE_YO = "polite_yo"  # an elliptical turn closed by 요: "신청은요", "저기요"
    SHORT_REPLY = "short_reply"  # 네, 아니요, 응
    SERVICE_NAME = "service_name"  # the name of a service alone, as an answer
    CONNECTIVE_ENDING = "connective_ending"  # EC: …는데, …고, …서
    DIALECT_CONNECTIVE_ENDING = "dialect_connective_ending"  # …는디, …가꼬, …응께
    PARTICLE = "particle"  # J*: …을, …에서, …는
    BARE_NOUN = "bare_noun"
    ADNOMINAL_ENDING = "adnominal_ending"  # ETM: …는, …던, …ㄹ
    CUT_WORD = "cut_word"  # a stem or pre-final ending with nothing after it
    CONJUNCTION = "conjunction"  # 그리고, 그래서
    ADVERB = "adverb"  # 역시, 좀, 또: the verb they qualify is still to come
    FILLER = "filler"  # 음, 어, 저기 while thinking
    QUESTION_INTONATION = "question_intonation"  # a connective heard as a question ("있는데?")
    AUDIO_COMPLETE = "audio_complete"  # an audio model heard a finished turn (evaluation/smart_turn.py)
    AUDIO_INCOMPLETE = "audio_incomplete"
    NO_TEXT = "no_text"
    OTHER = "other"


@dataclass(frozen=True)
class TurnJudgement:
    verdict: TurnVerdict
    reason: TurnReason
    # What the judgement rests on (a Kiwi tag such as "EF", "dialect", an
    # audio model's score); never the words themselves, so it is safe to log.
    tag: str = ""


# Whole-utterance replies that finish a turn on their own.
SHORT_REPLIES = frozenset({"네", "예", "응", "아니요", "아니오", "아뇨", "아니", "넵", "네네", "예예", "응응",
                           "맞아", "그래", "좋아", "됐어"})
# Sounds of thinking: the resident is about to go on.
FILLERS = frozenset({"음", "어", "그", "저", "저기", "에", "으음", "어어", "흠", "아"})

# Dialect endings of the last word, matched as suffixes of its surface form.
# Sentence-final ones: a turn can end there.
DIALECT_FINAL_SUFFIXES = (
    # Gyeongsang (its polite 예, "…어예", is read like 요 below): 데이/래이 the
    # plain statement, 니더/심더 the formal one, 능교/는교/나/노 questions, 카이 "I said".
    "데이", "래이", "니더", "심더", "슴더", "니꺼", "능교", "는교", "닌교", "카이", "카노", "이소", "나", "노", "제",
    # Jeolla: 당께/랑께 "I tell you", 지라/라우 polite, 잉 a softener, 부러 "went and did".
    "당께", "랑께", "지라", "라우", "부러", "브러", "잉",
    # Chungcheong: 유 is the polite 요.
    "유",
)
# Connective ones: the speaker is going on ("그래가꼬", "했는디", "그랑께").
DIALECT_CONNECTIVE_SUFFIXES = ("가꼬", "는디", "은디", "헌디", "근디", "응께", "능께", "니께")
# Whole words that are dialect conjunctions rather than endings.
DIALECT_CONJUNCTIONS = frozenset({"그랑께", "그라믄", "그라고", "그래가", "그래가꼬", "그란디"})

_PUNCTUATION = re.compile(r"[\s.,!?…~·\"'“”‘’()\[\]-]+")
_FINAL_TAGS = {"EF"}
_NOUN_TAGS = {"NNG", "NNP", "NNB", "NP", "NR", "SN", "SL", "SH", "XR", "XSN"}
_CUT_TAGS = {"EP", "VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA", "XPN", "ETN", "MM"}
_SKIPPED_TAGS = {"SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "W_EMOJI"}


def _compact(text: str) -> str:
    return _PUNCTUATION.sub("", unicodedata.normalize("NFC", text))


# Residents name a service without its generic tail: "기초연금" for 기초연금제도.
_GENERIC_NAME_TAILS = ("지원사업", "제도", "사업", "서비스", "프로그램")


def _spoken_names(name: str) -> set[str]:
    compact = _compact(name)
    names = {compact} if compact else set()
    for tail in _GENERIC_NAME_TAILS:
        if compact.endswith(tail) and len(compact) - len(tail) >= 2:
            names.add(compact[:-len(tail)])
    return names


class TurnJudge:
    """Judges partial transcripts; one per process (Kiwi is shared and locked)."""

    def __init__(self, service_names: Iterable[str] = ()):
        self._service_names = frozenset(n for name in service_names for n in _spoken_names(name))
        # Longest suffix first: "안된당께" is final through 당께, whatever 께 alone would say.
        self._suffixes: list[tuple[str, TurnVerdict, TurnReason]] = sorted(
            [(s, "complete", TurnReason.DIALECT_FINAL_ENDING) for s in DIALECT_FINAL_SUFFIXES]
            + [(s, "incomplete", TurnReason.DIALECT_CONNECTIVE_ENDING) for s in DIALECT_CONNECTIVE_SUFFIXES],
            key=lambda entry: len(entry[0]), reverse=True)

    def judge(self, text: str, audio: np.ndarray | None = None) -> TurnJudgement:
        """`audio` is not read: grammar alone. It keeps the signature of judges that listen."""
        compact = _compact(text)
        if not compact:
            return TurnJudgement("unsure", TurnReason.NO_TEXT)
        if compact in SHORT_REPLIES:
            return TurnJudgement("complete", TurnReason.SHORT_REPLY, "IC")
        if compact in FILLERS:
            return TurnJudgement("incomplete", TurnReason.FILLER, "IC")
        if compact in self._service_names:
            return TurnJudgement("complete", TurnReason.SERVICE_NAME, "NNP")

        morphemes = [m for m in tokenize(text) if m.tag not in _SKIPPED_TAGS]
        if not morphemes:
            return TurnJudgement("unsure", TurnReason.NO_TEXT)
        judgement = self._dialect(text, morphemes) or self._by_grammar(morphemes)
        # Spoken Korean asks with connectives and particles too ("있는데?",
        # "신청은?"); Whisper writes the rising pitch as "?". Such a turn may
        # well be over: leave it to the silence rule rather than wait longer.
        if judgement.verdict == "incomplete" and text.rstrip().endswith("?"):
            return TurnJudgement("unsure", TurnReason.QUESTION_INTONATION, judgement.tag)
        return judgement

    def _dialect(self, text: str, morphemes: list[Token]) -> TurnJudgement | None:
        word_start = text.rstrip().rfind(" ") + 1
        word = _compact(text[word_start:])
        if word in DIALECT_CONJUNCTIONS:
            return TurnJudgement("incomplete", TurnReason.CONJUNCTION, "dialect")
        in_word = [m for m in morphemes if m.start >= word_start]
        for suffix, verdict, reason in self._suffixes:
            if not word.endswith(suffix) or word == suffix:
                continue
            # One syllable is weak evidence: "이유" and "문제" are nouns, not
            # …유 and …제 endings. Believe it only where Kiwi split the word
            # into several morphemes and did not end it in a particle.
            if len(suffix) == 1 and (len(in_word) < 2 or in_word[-1].tag.startswith(("J", "ETM"))):
                return None
            return TurnJudgement(verdict, reason, "dialect")
        return None

    def _by_grammar(self, morphemes: list[Token]) -> TurnJudgement:
        last = morphemes[-1]
        # 요 (and its Gyeongsang form 예) closes a polite turn, elliptical or
        # not: "신청은요", "저기요", "어데예", "고마워예". Kiwi tags it variously.
        if last.form in ("요", "예") and len(morphemes) > 1:
            return TurnJudgement("complete", TurnReason.POLITE_YO, last.tag)
        # A trailing interjection after a finished sentence ("고마워 예") is a tag, not a new start.
        if last.tag == "IC" and len(morphemes) > 1 and morphemes[-2].tag in _FINAL_TAGS:
            return TurnJudgement("complete", TurnReason.FINAL_ENDING, "EF")
        tag = last.tag.split("-")[0]  # "VV-R" (regular verb) -> "VV"
        if tag in _FINAL_TAGS:
            return TurnJudgement("complete", TurnReason.FINAL_ENDING, tag)
        if tag == "EC":
            return TurnJudgement("incomplete", TurnReason.CONNECTIVE_ENDING, tag)
        if tag.startswith("J"):
            return TurnJudgement("incomplete", TurnReason.PARTICLE, tag)
        if tag == "ETM":
            return TurnJudgement("incomplete", TurnReason.ADNOMINAL_ENDING, tag)
        if tag in _NOUN_TAGS:
            return TurnJudgement("incomplete", TurnReason.BARE_NOUN, tag)
        if tag in _CUT_TAGS:
            return TurnJudgement("incomplete", TurnReason.CUT_WORD, tag)
        if tag == "MAJ":
            return TurnJudgement("incomplete", TurnReason.CONJUNCTION, tag)
        if tag == "MAG":
            # Korean puts the verb last. After a finished sentence an adverb is
            # more often the next sentence's start ("…힘들잖아. 같이…") than an
            # afterthought ("해 주세요, 빨리"), and waiting too long costs less
            # than cutting a resident off.
            return TurnJudgement("incomplete", TurnReason.ADVERB, tag)
        if tag == "IC" and last.form in FILLERS:
            return TurnJudgement("incomplete", TurnReason.FILLER, tag)
        return TurnJudgement("unsure", TurnReason.OTHER, tag)

