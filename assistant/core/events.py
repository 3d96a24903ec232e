"""Typed events a conversation session emits, in the order they happen.

Adapters (CLI, kiosk, phone bridge, script runner) subscribe to these and only
translate them to their own I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from ..corpus.schema import Service

# Marks a field that stays inside the process: never serialized, never logged.
INTERNAL = {"internal": True}


def _json_value(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


@dataclass(frozen=True)
class Event:
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


@dataclass(frozen=True)
class SpeechEnded(Event):
    at_s: float
    duration_s: float
    # "silence": the resident stopped; "max_length": the turn ran too long;
    # "end_of_input": the stream ended while the resident was speaking.
    reason: str = "silence"
    # The utterance, float32 mono 16 kHz; never serialized or logged.
    audio: np.ndarray | None = field(default=None, repr=False, compare=False, metadata=INTERNAL)



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
# handoff: how to reach a person.
AnswerKind = Literal["answer", "clarify", "repeat", "notice", "handoff"]


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
    """A service offered to pick from (a clarifying question)."""

    id: str
    name: str


@dataclass(frozen=True)
class Answer(Event):
    screen: str
    speech: str
    kind: AnswerKind = "answer"
    card: ServiceCard | None = None
    choices: tuple[Choice, ...] = ()
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


@dataclass(frozen=True)
class Notice(Event):
    """Something the adapter should show or log (a missing voice, bad input)."""

    message: str
    level: str = "info"
