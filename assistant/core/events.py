"""Typed events a conversation emits, in the order they happen.

The session (the pipeline) emits what it heard, found and answered; the
controller (turn-taking) adds state changes, interruptions, resets and the end
of a conversation, and stamps every event with the number of the reply turn it
belongs to. Adapters (CLI, kiosk, phone bridge, scenario runner) only translate
these to their own I/O.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from ..corpus.schema import Service

# Marks a field that stays inside the process: never serialized, never logged.
INTERNAL = {"internal": True}


def _json_value(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class Event:
    # The reply turn this event belongs to (0: outside any turn); set by the controller.
    turn: int = 0

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_json(self) -> dict:
        """A JSON-safe dict for sockets and reports; audio and internal fields stay out."""
        out: dict[str, Any] = {"type": self.type}
        for f in fields(self):
            value = getattr(self, f.name)
            if not f.metadata.get("internal") and not isinstance(value, np.ndarray):
                out[f.name] = _json_value(value)
        return out


@dataclass(frozen=True)
class SpeechStarted(Event):
    at_s: float


# silence: the resident stopped; complete: the turn-end judge heard a finished
# utterance; patience: it heard an unfinished one and the longer silence ran
# out; max_length: the turn ran too long;
# end_of_input: the stream ended (or 말하기 was pressed again) while the resident was speaking.
EndReason = Literal["silence", "complete", "patience", "max_length", "end_of_input"]


@dataclass(frozen=True)
class SpeechEnded(Event):
    at_s: float
    duration_s: float
    reason: EndReason = "silence"
    # Silence waited after the last voiced sound before the turn was ended.
    waited_ms: float = 0.0
    # The utterance, float32 mono 16 kHz; never serialized or logged.
    audio: np.ndarray | None = field(default=None, repr=False, compare=False, metadata=INTERNAL)


@dataclass(frozen=True)
class TurnDecided(Event):
    """The turn-end judge read a pause: "complete" (the turn ends now),
    "incomplete" (keep listening) or "unsure" (the usual silence), and why."""

    at_s: float
    verdict: str
    reason: str  # a TurnReason value, such as "final_ending" or "connective_ending"
    ends_after_ms: int  # silence after at_s that ends the turn; 0: ended now


@dataclass(frozen=True)
class Transcript(Event):
    text: str
    confidence: float
    # Set when the recognizer's output was rejected (silence, noise,
    # hallucination); the session then asks the resident to repeat.
    rejected: str | None = None


@dataclass(frozen=True)
class ServiceHit:
    id: str
    name: str
    score: float


@dataclass(frozen=True)
class ServicesFound(Event):
    query: str
    services: tuple[ServiceHit, ...]
    confidence: float


# answer: about one service; clarify: which of close services is meant;
# repeat: nothing usable was heard; notice: a fixed sentence (greeting, goodbye);
# handoff: how to reach a person; question: the counselor asks about the
# resident (age, household …) before suggesting; suggest: services that fit
# the resident, in `choices`, each with its reason.
AnswerKind = Literal["answer", "clarify", "repeat", "notice", "handoff", "question", "suggest"]


@dataclass(frozen=True)
class PhoneEntry:
    organization: str
    number: str


@dataclass(frozen=True)
class ServiceCard:
    """What a screen shows of the service an answer is about (built in `answer/card.py`)."""

    id: str
    name: str
    region: str  # "" for a national program
    how_to_apply: str
    phones: tuple[PhoneEntry, ...]
    source: str  # in words: "2024 복지서비스 안내 책자 220쪽"


@dataclass(frozen=True)
class Choice:
    """A service offered to pick from (a clarifying question, or a suggestion
    with why it fits and what is still uncertain)."""

    id: str
    name: str
    reason: str = ""


@dataclass(frozen=True)
class Answer(Event):
    screen: str
    speech: str
    kind: AnswerKind = "answer"
    card: ServiceCard | None = None
    choices: tuple[Choice, ...] = ()
    # Questions the resident may ask next, best first (kiosk buttons; the
    # phone offers them by digit: `menu` is that spoken offer, key n asking
    # follow_ups[n-1]).
    follow_ups: tuple[str, ...] = ()
    menu: str = ""
    # The service the answer is about, for the conversation's context.
    service: Service | None = field(default=None, repr=False, compare=False, metadata=INTERNAL)


@dataclass(frozen=True)
class ReplyAudio(Event):
    """One synthesized sentence, int16 mono. The turn's `Timings` follows the last one."""

    samples: np.ndarray = field(repr=False)
    sample_rate: int = 22050
    index: int = 0

    def to_json(self) -> dict:
        return {**super().to_json(), "duration_s": len(self.samples) / self.sample_rate}


@dataclass(frozen=True)
class Timings(Event):
    """Milliseconds per stage for one turn, and the turn's last event.

    endpoint: silence waited after the last speech before the turn ended;
    stt, retrieval, answer: processing time of each stage;
    tts_first_audio: synthesis of the first spoken sentence;
    first_audio: end of turn to the first reply audio (what the resident waits);
    total: end of turn (or the typed question) to the whole reply ready."""

    ms: dict[str, float]


NoticeLevel = Literal["info", "warning", "error"]
# resident: shown (and, when the core says it, spoken) to the person in front of the kiosk;
# staff: for the office and the logs only (a missing microphone).
Audience = Literal["resident", "staff"]


@dataclass(frozen=True)
class Notice(Event):
    """Something the adapter should show or log (a missing voice, bad input)."""

    message: str
    level: NoticeLevel = "info"
    audience: Audience = "resident"


class State(StrEnum):
    """What the conversation is doing, as a resident should see and hear it."""

    READY = "ready"  # waiting (hands-free: the microphone is open)
    LISTENING = "listening"  # 듣는 중
    THINKING = "thinking"  # 생각 중
    SPEAKING = "speaking"  # 말하는 중


@dataclass(frozen=True)
class StateChanged(Event):
    state: State
    hands_free: bool


# speech: the resident went on speaking over the reply past the barge-in confirm time;
# question: a short utterance over the reply was recognized as words to answer;
# input: a button, a key or a typed question.
InterruptReason = Literal["speech", "question", "input"]


@dataclass(frozen=True)
class Interrupted(Event):
    """The reply of `turn` was cut: stop playing its audio at once."""

    reason: InterruptReason = "input"


# speech: the resident started speaking over the reply (hands-free barge-in).
PauseReason = Literal["speech"]
# backchannel: a short 응 / 네 / 음; not_speech: nothing usable was recognized
# (a cough, a knock, noise on the line); unclear: words, but heard too unsurely
# to stop a reply for; timeout: not recognized in time (a busy machine), so the
# reply goes on meanwhile.
ResumeReason = Literal["backchannel", "not_speech", "unclear", "timeout"]


@dataclass(frozen=True)
class ReplyPaused(Event):
    """The reply of `turn` went silent but is kept: it either resumes where it
    stopped (`ReplyResumed`) or is cut (`Interrupted`). Stop playing it at once."""

    reason: PauseReason = "speech"


@dataclass(frozen=True)
class ReplyResumed(Event):
    """The paused reply of `turn` goes on from where it stopped; the utterance that
    paused it was not a turn of its own."""

    reason: ResumeReason
    paused_s: float  # how long the resident heard nothing of the reply


@dataclass(frozen=True)
class Handoff(Event):
    """The resident asked for a person: whom to call (the service's numbers first)."""

    service: str | None
    phones: tuple[PhoneEntry, ...]
    office_phone: str


ResetReason = Literal["restart", "idle"]


@dataclass(frozen=True)
class ConversationReset(Event):
    """Everything of this resident is forgotten (처음으로, or idle at the kiosk)."""

    reason: ResetReason
    hands_free: bool


@dataclass(frozen=True)
class ConversationEnded(Event):
    """The conversation is over (the phone line hangs up): idle, handed off, or closed."""

    reason: str


# What a session's turn methods return: events, made one at a time as the
# consumer asks; closing it stops the work (a reply being cut).
EventStream = Generator[Event, None, None]
