"""Asterisk AudioSocket framing: a 3-byte header (kind, big-endian 16-bit
payload length) followed by the payload.

Framing and validation are kept apart: `read_frame` only cuts the byte stream
into frames (so a bad frame never desynchronizes the stream), `Frame.check`
says whether a frame's payload fits its kind. Every read is bounded by the
16-bit length, so no frame can make a reader hold more than 64 KiB.
"""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

HEADER = struct.Struct(">BH")
MAX_PAYLOAD = 0xFFFF

PHONE_RATE = 8000
FRAME_S = 0.02
# 20 ms of signed 16-bit mono at 8 kHz: what Asterisk sends and expects.
FRAME_BYTES = int(PHONE_RATE * FRAME_S) * 2

DTMF_KEYS = frozenset("0123456789*#ABCD")


class Kind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    SLIN = 0x10
    SLIN12 = 0x11
    SLIN16 = 0x12
    SLIN24 = 0x13
    SLIN32 = 0x14
    SLIN44 = 0x15
    SLIN48 = 0x16
    SLIN96 = 0x17
    SLIN192 = 0x18
    ERROR = 0xFF


KNOWN_KINDS = frozenset(Kind)

AUDIO_RATES = {
    Kind.SLIN: 8000, Kind.SLIN12: 12000, Kind.SLIN16: 16000, Kind.SLIN24: 24000, Kind.SLIN32: 32000,
    Kind.SLIN44: 44100, Kind.SLIN48: 48000, Kind.SLIN96: 96000, Kind.SLIN192: 192000,
}


class ProtocolError(ValueError):
    """A frame that breaks the protocol; the message names the kind and length, never payload bytes."""


class Truncated(ProtocolError):
    """The stream ended inside a frame."""


@dataclass(frozen=True)
class Frame:
    kind: int
    payload: bytes = b""

    def check(self) -> Frame:
        """Raise ProtocolError unless the payload fits the kind; return self."""
        size = len(self.payload)
        if self.kind not in KNOWN_KINDS:
            raise ProtocolError(f"unknown frame kind 0x{self.kind:02x} ({size} bytes)")
        if self.kind == Kind.HANGUP and size:
            raise ProtocolError(f"hangup frame with a {size}-byte payload")
        if self.kind == Kind.UUID and size != 16:
            raise ProtocolError(f"UUID frame of {size} bytes, expected 16")
        if self.kind == Kind.DTMF and (size != 1 or chr(self.payload[0]) not in DTMF_KEYS):
            raise ProtocolError(f"DTMF frame of {size} bytes or not a key")
        if self.kind in AUDIO_RATES and (size == 0 or size % 2):
            raise ProtocolError(f"audio frame of {size} bytes, expected a positive even length")
        return self

    @property
    def is_audio(self) -> bool:
        return self.kind in AUDIO_RATES

    @property
    def sample_rate(self) -> int:
        return AUDIO_RATES[Kind(self.kind)]

    @property
    def samples(self) -> np.ndarray:
        """Audio payload as int16 samples (little-endian on the wire)."""
        return np.frombuffer(self.payload, dtype="<i2")

    @property
    def call_id(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.payload)

    @property
    def digit(self) -> str:
        return chr(self.payload[0])

    @property
    def error_code(self) -> int | None:
        return self.payload[0] if self.payload else None


def encode(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes does not fit one frame")
    return HEADER.pack(kind, len(payload)) + payload


HANGUP = encode(Kind.HANGUP)


def uuid_frame(call_id: uuid.UUID) -> bytes:
    return encode(Kind.UUID, call_id.bytes)


def dtmf_frame(key: str) -> bytes:
    if key not in DTMF_KEYS:
        raise ProtocolError("not a DTMF key")
    return encode(Kind.DTMF, key.encode("ascii"))


def audio_frames(samples: np.ndarray) -> Iterator[bytes]:
    """int16 8 kHz samples -> encoded 0x10 frames of exactly 20 ms; the last one padded with silence."""
    pcm = np.asarray(samples, dtype="<i2").tobytes()
    for start in range(0, len(pcm), FRAME_BYTES):
        yield encode(Kind.SLIN, pcm[start:start + FRAME_BYTES].ljust(FRAME_BYTES, b"\0"))


async def read_frame(reader: asyncio.StreamReader) -> Frame | None:
    """The next frame, unchecked; None when the stream ended cleanly between frames.

    Raises Truncated when it ended inside a header or a payload.
    """
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            return None
        raise Truncated(f"stream ended after {len(err.partial)} of {HEADER.size} header bytes") from None
    kind, size = HEADER.unpack(header)
    try:
        payload = await reader.readexactly(size) if size else b""
    except asyncio.IncompleteReadError as err:
        raise Truncated(f"stream ended after {len(err.partial)} of {size} payload bytes (kind 0x{kind:02x})") from None
    return Frame(kind, payload)


def parse_address(address: str) -> tuple[str, int]:
    """'host:port' or '[v6]:port' -> (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"listen address must be host:port, got {address!r}")
    if not 0 <= int(port) <= 65535:
        raise ValueError(f"port must be 0 to 65535, got {port}")
    return host.strip("[]"), int(port)
