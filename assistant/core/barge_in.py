"""Barge-in: what speech over a playing reply means, and what the reply does about it.

Hands-free (the phone always, the kiosk with 자동 듣기), the resident's voice
may start while the assistant speaks. The controller (controller.py) pauses
the reply at once, so the resident is never talked over, and then decides:

- speech that goes on past `confirm_s` of voicing is a turn of its own: the
  reply is cut there and then, and the resident is heard out;
- a shorter utterance is recognized (off the turn lane, which is busy
  synthesizing the reply) and judged here by what was said: a listener's
  acknowledgement (네, 응, 음, 그렇군요), nothing usable at all (a cough, a
  knock, line noise: the recognizer rejects it) or words too unsure to act on
  let the reply go on from where it stopped; anything else is a question or a
  correction, so the reply is cut and the utterance answered, with the
  transcript already made.

What counts as acknowledging is read through Kiwi's morphology, so that
spelling and punctuation do not matter: interjections (네, 응, 음, 어머, and a
throat-clearing 에헴 as Whisper writes it) and a few agreeing predicates,
with a small table of the interjections that do take the turn (아니요,
여보세요, 뭐). A question mark makes any of them a real turn: "네?" is "pardon?".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..korean.kiwi import tokenize
from .events import ResumeReason, Transcript

# Interjections (Kiwi tag IC: 네, 응, 음, 어머, 에헴) acknowledge, fill a pause or
# exclaim; they ask for nothing, except these, which take the turn: a "no", a
# call for attention, a "what?".
TURN_TAKING_INTERJECTIONS = frozenset({"아니", "아니요", "아뇨", "여보세요", "저기", "뭐"})
# Stems of the short predicates that agree (그래요, 맞아요, 알겠어요, 그렇군요),
# with nothing after them but endings.
AGREEING_STEMS = frozenset({"그렇", "맞", "알"})
_ENDING_TAGS = ("EP", "EF", "EC")
# More words than this is saying something, whatever the words.
MAX_BACKCHANNEL_WORDS = 4


@dataclass(frozen=True)
class BargeInPolicy:
    # Voiced this long over a reply, the resident is taking the turn: cut at once.
    # Backchannels are shorter: one 네 is 0.2-0.4 s voiced, three in a row or a
    # three-syllable exclamation (세상에) up to about 0.9 s. A longer wait costs
    # nothing audible (the reply is silent from the first syllable); it only keeps
    # the paused reply, and its synthesis, alive that much longer.
    confirm_s: float = 1.0
    # Words heard this unsurely do not stop a reply: a misheard 네 ("데이크") would
    # cut it for nothing, while a question missed is simply asked again. Real speech
    # scores 0.28 or more, noise read as words under 0.07 (docs/speech-recognition.md).
    min_confidence: float = 0.3
    # A short utterance not judged this long after it ended (a machine busy with other
    # calls) lets the reply go on meanwhile; a question still cuts it when it is known.
    judge_within_s: float = 1.5
    # Speech that starts this soon after the resident's own turn ended goes on
    # with that turn (a turn ended at a pause between two sentences, or on a
    # word the recognizer heard as a sentence ending): if it cuts the reply, the
    # two are answered as one question. A resident who heard the answer begin
    # and asks something new waits longer than this.
    continues_within_s: float = 2.0


@dataclass(frozen=True)
class Verdict:
    action: Literal["resume", "cut"]
    # Why the reply goes on; None when it is cut (the utterance is a question to answer).
    reason: ResumeReason | None


def judge(transcript: Transcript, policy: BargeInPolicy) -> Verdict:
    """What a short utterance over a reply was: resume the reply, or cut it and answer."""
    if transcript.rejected or not transcript.text.strip():
        return Verdict("resume", "not_speech")
    if is_backchannel(transcript.text):
        return Verdict("resume", "backchannel")
    if transcript.confidence < policy.min_confidence:
        return Verdict("resume", "unclear")
    return Verdict("cut", None)


def is_backchannel(text: str) -> bool:
    """Whether `text` only acknowledges (네 / 응 / 아 그렇군요) and asks for nothing."""
    if "?" in text or "？" in text:
        return False
    # Punctuation and symbols, and the polite 요 after an interjection (글쎄요), say nothing more.
    morphemes = [t for t in tokenize(text) if not t.tag.startswith(("S", "JX"))]
    # Interjections first ("아", "네"), then at most one agreeing predicate.
    interjections = 0
    while interjections < len(morphemes) and morphemes[interjections].tag == "IC":
        if morphemes[interjections].form in TURN_TAKING_INTERJECTIONS:
            return False
        interjections += 1
    predicate = morphemes[interjections:]
    if not morphemes or interjections + bool(predicate) > MAX_BACKCHANNEL_WORDS:
        return False
    if not predicate:
        return True
    stem, endings = predicate[0], predicate[1:]
    return (stem.form in AGREEING_STEMS and stem.tag.startswith(("VA", "VV"))
            and all(t.tag.startswith(_ENDING_TAGS) for t in endings))
