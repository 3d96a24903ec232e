"""Malformed AudioSocket input: the parser stays bounded and exact, the server
survives every connection and keeps serving other calls."""

from __future__ import annotations

import asyncio
import struct
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.adapters.phone.client import Caller
from assistant.adapters.phone.protocol import (
    HEADER,
    KNOWN_KINDS,
    MAX_PAYLOAD,
    Frame,
    ProtocolError,
    Truncated,
    read_frame,
)
from assistant.core.events import Answer
from assistant.core.prompts import PHONE

# --- the parser, on its own -------------------------------------------------------------

async def _parse(data: bytes) -> tuple[list[Frame], Exception | None]:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    frames = []
    try:
        while (frame := await read_frame(reader)) is not None:
            frames.append(frame)
    except Truncated as err:
        return frames, err
    return frames, None


def _frame_bytes(kind: int, declared: int, payload: bytes) -> bytes:
    return struct.pack(">BH", kind, declared) + payload


frames_strategy = st.lists(
    st.tuples(st.integers(0, 255), st.integers(0, MAX_PAYLOAD), st.binary(max_size=400)), max_size=8)


@given(st.binary(max_size=4096))
@settings(max_examples=400, deadline=None)
def test_random_bytes_parse_exactly_or_fail_cleanly(data):
    frames, error = asyncio.run(_parse(data))
    consumed = sum(HEADER.size + len(f.payload) for f in frames)
    assert consumed <= len(data)
    if error is None:
        assert consumed == len(data)
    for frame in frames:
        assert len(frame.payload) <= MAX_PAYLOAD
        try:
            frame.check()
        except ProtocolError:
            pass  # the only way a frame may be refused


@given(frames_strategy, st.integers(0, 64))
@settings(max_examples=300, deadline=None)
def test_lengths_beyond_the_payload_are_truncations(parts, cut):
    """Declared lengths that disagree with the bytes sent, and a stream cut anywhere."""
    data = b"".join(_frame_bytes(kind, declared, payload) for kind, declared, payload in parts)
    data = data[:max(0, len(data) - cut)]
    frames, error = asyncio.run(_parse(data))
    assert error is None or isinstance(error, Truncated)
    assert sum(HEADER.size + len(f.payload) for f in frames) <= len(data)


def test_one_frame_never_reads_past_its_declared_length():
    async def first_frame():
        reader = asyncio.StreamReader()
        reader.feed_data(_frame_bytes(0x10, MAX_PAYLOAD, b"\1" * (4 * MAX_PAYLOAD)))
        return await read_frame(reader)

    assert len(asyncio.run(first_frame()).payload) == MAX_PAYLOAD


def test_a_truncated_header_is_reported_not_guessed():
    frames, error = asyncio.run(_parse(b"\x10\x01"))
    assert frames == [] and isinstance(error, Truncated)
    frames, error = asyncio.run(_parse(_frame_bytes(0x10, MAX_PAYLOAD, b"\0" * 10)))
    assert frames == [] and isinstance(error, Truncated)


@given(st.integers(0, 255), st.binary(max_size=70))
@settings(max_examples=500, deadline=None)
def test_check_accepts_only_well_formed_frames(kind, payload):
    frame = Frame(kind, payload)
    try:
        frame.check()
    except ProtocolError:
        return
    assert kind in KNOWN_KINDS
    if frame.is_audio:
        assert len(payload) % 2 == 0 and payload
        assert len(frame.samples) == len(payload) // 2


# --- the server, over TCP -----------------------------------------------------------------

@pytest.fixture(scope="module")
def bridge_server(engine):
    from phone_support import main_server

    from assistant.evaluation.datasets import SPEECH_DIR

    if not SPEECH_DIR.exists():
        pytest.skip(f"{SPEECH_DIR} not found: the shared speech set is needed for a real bridge")
    return main_server(engine)


async def _healthy_call(address) -> float | None:
    """A well-behaved call; returns how long its greeting (not a busy notice) took to start."""
    from phone_support import bridge

    caller = await Caller.connect(*address)
    start = time.monotonic()
    first = await caller.wait_audio(start, timeout=30)
    await caller.hang_up()
    greeted = any(isinstance(e, Answer) and e.speech == PHONE.greeting
                  for _, e in bridge().events[str(caller.call_id)])
    return None if first is None or not greeted else first - start


async def _hostile(address, data: bytes, send_uuid: bool, hang_up: bool) -> None:
    reader, writer = await asyncio.open_connection(*address)
    if send_uuid:
        writer.write(_frame_bytes(0x01, 16, uuid.uuid4().bytes))
    writer.write(data)
    if hang_up:
        writer.write(b"\0\0\0")
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.close()


@given(st.one_of(st.binary(max_size=2048),
                 frames_strategy.map(lambda parts: b"".join(_frame_bytes(*p) for p in parts))),
       st.booleans(), st.booleans())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_hostile_connections_never_hurt_the_server(bridge_server, data, send_uuid, hang_up):
    server, address = bridge_server

    async def scenario():
        await _hostile(address, data, send_uuid, hang_up)
        return await _healthy_call(address)

    started = asyncio.run(scenario())
    assert started is not None


def test_server_still_serves_after_the_fuzzing(bridge_server):
    server, address = bridge_server
    started = asyncio.run(_healthy_call(address))
    assert started is not None
    deadline = time.monotonic() + 10
    while server.active_calls and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.active_calls == 0, "a hostile connection left a call behind"


def test_a_huge_declared_length_holds_no_more_than_one_frame(bridge_server):
    """A peer that announces 65535 bytes and sends a few: the call waits for at
    most one frame's worth, and another call is served meanwhile."""
    server, address = bridge_server

    async def scenario():
        reader, writer = await asyncio.open_connection(*address)
        writer.write(_frame_bytes(0x01, 16, uuid.uuid4().bytes) + _frame_bytes(0x10, MAX_PAYLOAD, b"\0" * 100))
        await writer.drain()
        started = await _healthy_call(address)
        writer.close()
        return started

    started = asyncio.run(scenario())
    assert started is not None
