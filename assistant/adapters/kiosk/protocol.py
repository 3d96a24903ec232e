"""The kiosk page's WebSocket protocol (`/ws`), one socket per conversation.

Page -> server
  binary  one microphone frame: uint32 LE sample rate, then 16-bit LE mono PCM
  text    a JSON command, `{"type": ...}`:
          talk                  the 말하기 button: start listening; while listening, finish
                                the question; while thinking or speaking, interrupt and listen
          ask {text}            a typed question
          replay                다시 듣기       slower   천천히 (and say it again)
          normal                보통 빠르기 (the configured rate again, from the next reply)
          volume {level}        소리 크게/작게: reply loudness, 1.0 as synthesized (0-2);
                                the kiosk's own speaker applies it, a page plays at it itself
          restart               처음으로        agent    상담원 연결 (calls staff where configured)
          hands_free {on}       listen without pressing the button (the core's endpointing)
          played {turn}         the page has finished playing that turn's audio

Server -> page
  text    JSON: `hello` once, `state` on every change, the session's events
          (`Event.to_json()`: SpeechStarted, SpeechEnded, Transcript, ServicesFound,
          Answer + `card`, `choices`, ReplyAudio, Timings, Notice) each with its `turn`,
          `interrupted` {turn, reason}, `agent` (numbers; `staff`: {id, status} when staff were
          called, null where no staff page is configured), `staff` {id, status: "taken"} (someone
          is coming), `reset`; barge-in: `ReplyPaused` (stop playing now, keep the rest) and
          `ReplyResumed` (play on from there)
  binary  one spoken sentence: uint32 LE sample rate, uint32 LE turn, then 16-bit LE mono PCM,
          played in order; a spoken question's turn starts with the "네, 찾아볼게요." cue. Sent
          only when the page is the audio source (the device speaker plays it otherwise)
"""

from __future__ import annotations

import json
import struct
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

MIN_RATE, MAX_RATE = 8000, 192000
_IN_HEADER = struct.Struct("<I")
_OUT_HEADER = struct.Struct("<II")


class ProtocolError(ValueError):
    """A message the page should not have sent; the socket stays open."""


class Command(BaseModel):
    type: Literal["talk", "ask", "replay", "slower", "normal", "volume", "restart", "agent", "hands_free", "played"]
    text: str = Field("", max_length=500)
    level: float = Field(1.0, ge=0.0, le=2.0)
    on: bool = False
    turn: int = 0


def parse_command(text: str) -> Command:
    try:
        return Command.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as err:
        raise ProtocolError(f"not a kiosk command: {str(err).splitlines()[0]}") from err


def decode_audio(frame: bytes) -> tuple[np.ndarray, int]:
    if len(frame) < _IN_HEADER.size or (len(frame) - _IN_HEADER.size) % 2:
        raise ProtocolError("audio frame must be a 4-byte rate and 16-bit samples")
    (rate,) = _IN_HEADER.unpack_from(frame)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ProtocolError(f"audio frame has an unusable sample rate {rate}")
    return np.frombuffer(frame, dtype="<i2", offset=_IN_HEADER.size), rate


def encode_audio(samples: np.ndarray, sample_rate: int, turn: int) -> bytes:
    return _OUT_HEADER.pack(sample_rate, turn) + np.asarray(samples, dtype="<i2").tobytes()
