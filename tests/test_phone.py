"""The telephony bridge with a real peer: the test client speaks AudioSocket as
Asterisk does over real TCP on 127.0.0.1, plays real recorded questions
resampled to 8 kHz, and the bridge answers with the real models."""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import uuid

import numpy as np
import pytest
from phone_support import backchannel_clips, bridge, main_server

from assistant.adapters.phone.client import Caller, LineEcho, phone_audio
from assistant.adapters.phone.protocol import (
    FRAME_BYTES,
    HANGUP,
    PHONE_RATE,
    Frame,
    Kind,
    ProtocolError,
    audio_frames,
    dtmf_frame,
    encode,
    parse_address,
    read_frame,
    uuid_frame,
)
from assistant.audio import line_audio, resample, to_int16, to_mono_float, trim_silence
from assistant.config import PhoneVadSettings, VadSettings
from assistant.core.events import (
    Answer,
    Interrupted,
    ReplyAudio,
    ReplyPaused,
    ReplyResumed,
    ServicesFound,
    SpeechStarted,
    Transcript,
)
from assistant.core.prompts import PHONE
from assistant.evaluation.barge_in import heard_as_speech
from assistant.evaluation.datasets import SPEECH_DIR
from assistant.stt.endpointer import Endpointer, SpeechEnd

# Questions tagged "question" in the shared speech set. None is about welfare,
# so the service each should find is the one its reference text finds.
ASKED = "emotiontts/pfb/pfb00023.flac"  # 지금 딱 좋은 집이 나왔어요. 보러 가실래요?
INTERRUPTION = "emotiontts/pmb/pmb00018.flac"  # 그러시면 수업 끝나고 학교 앞에서 만날까요?

BARGE_IN_LIMIT_S = 0.3


# --- the protocol on its own ---------------------------------------------------------------

def test_frames_encode_exactly_as_asterisk_reads_them():
    call = uuid.UUID("40325ec2-5efd-4bd3-805f-53576e581d13")
    assert uuid_frame(call) == b"\x01\x00\x10" + call.bytes
    assert HANGUP == b"\x00\x00\x00"
    assert dtmf_frame("*") == b"\x03\x00\x01*"
    frames = list(audio_frames(np.arange(200, dtype=np.int16)))
    assert len(frames) == 2 and all(len(f) == 3 + FRAME_BYTES for f in frames)
    assert frames[0][:3] == b"\x10\x01\x40"  # 0x10, big-endian 320
    assert struct.unpack("<3h", frames[0][3:9]) == (0, 1, 2)  # samples little-endian
    assert frames[1][3 + 80:] == b"\0" * (FRAME_BYTES - 80)  # last frame padded with silence


@pytest.mark.parametrize("kind,rate", [(0x10, 8000), (0x11, 12000), (0x12, 16000), (0x13, 24000), (0x14, 32000),
                                       (0x15, 44100), (0x16, 48000)])
def test_every_asterisk_audio_kind_has_its_rate(kind, rate):
    assert Frame(kind, b"\0\0").check().sample_rate == rate


@pytest.mark.parametrize("frame", [
    Frame(Kind.UUID, b"\0" * 15), Frame(Kind.DTMF, b"12"), Frame(Kind.DTMF, b"x"), Frame(Kind.SLIN, b"\0" * 321),
    Frame(Kind.SLIN, b""), Frame(Kind.HANGUP, b"\0"), Frame(0x02, b"\0" * 6), Frame(0x42, b""),
])
def test_frames_that_do_not_fit_their_kind_are_refused(frame):
    with pytest.raises(ProtocolError):
        frame.check()


def test_frames_are_read_back_whole():
    async def read_all(data):
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return [frame async for frame in _frames(reader)]

    async def _frames(reader):
        while (frame := await read_frame(reader)) is not None:
            yield frame

    call = uuid.uuid4()
    frames = asyncio.run(read_all(uuid_frame(call) + dtmf_frame("9") + encode(Kind.SLIN16, b"\1\0" * 320) + HANGUP))
    assert [f.kind for f in frames] == [Kind.UUID, Kind.DTMF, Kind.SLIN16, Kind.HANGUP]
    assert frames[0].call_id == call and frames[1].digit == "9"
    assert frames[2].sample_rate == 16000 and frames[2].samples.tolist() == [1] * 320


def test_listen_addresses_parse():
    assert parse_address("127.0.0.1:9092") == ("127.0.0.1", 9092)
    assert parse_address("[::1]:9019") == ("::1", 9019)
    with pytest.raises(ValueError):
        parse_address("localhost")


# --- calls through a real bridge ----------------------------------------------------------------

@pytest.fixture(scope="module")
def bridge_server(engine):
    if not SPEECH_DIR.exists():
        pytest.skip(f"{SPEECH_DIR} not found: the shared speech set is needed for phone calls")
    return main_server(engine)


def _clip(path: str) -> np.ndarray:
    return trim_silence(phone_audio(SPEECH_DIR / path), PHONE_RATE)


# The shared speech set holds everyday sentences only, which find no service; a welfare
# question is said by the embedded voice, as a tester's synthesized script would be.
WELFARE_QUESTION = "기초연금 신청하는 방법 알려 주세요"


def _spoken(engine, text: str) -> np.ndarray:
    """`text` said by the embedded voice, as the line carries it (8 kHz, μ-law)."""
    synthesizer = engine.synthesizer
    audio = np.concatenate([to_mono_float(c) for c in synthesizer.synthesize(text)])
    return trim_silence(line_audio(audio, synthesizer.sample_rate), PHONE_RATE)


async def _replying_since(call_id: str, since: float, timeout: float = 30.0) -> None:
    """Until the bridge sends reply audio begun after `since`: a loaded machine may take seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(at > since and isinstance(e, ReplyAudio) for at, e in bridge().events[call_id]):
            return
        await asyncio.sleep(0.05)


async def _asker(address) -> dict:
    """Talks over the greeting, talks over the answer, presses 9 then *, hangs up mid-answer."""
    caller = await Caller.connect(*address)
    result = {"id": str(caller.call_id)}
    connected = time.monotonic()
    result["greeting_at"] = await caller.wait_audio(connected, timeout=10)
    await asyncio.sleep(1.5)
    started, ended = await caller.say(_clip(ASKED))
    result["greeting_stop_s"] = caller.stopped_after(started)
    first = await caller.wait_audio(ended + 0.05, timeout=60)
    result["first_audio_s"] = first and first - ended
    await asyncio.sleep(1.5)
    started, ended = await caller.say(_clip(INTERRUPTION))
    result["answer_stop_s"] = caller.stopped_after(started)
    result["second_answer_at"] = await caller.wait_audio(ended + 0.05, timeout=60)
    await asyncio.sleep(1.0)
    result["pressed_9"] = caller.press("9")
    await _replying_since(result["id"], result["pressed_9"])
    await asyncio.sleep(1.0)
    result["pressed_star"] = caller.press("*")
    await _replying_since(result["id"], result["pressed_star"])
    await asyncio.sleep(1.0)
    result["hung_up_at"] = time.monotonic()
    await caller.hang_up()
    return result


async def _transferred(address) -> dict:
    """Presses 0 during the greeting."""
    caller = await Caller.connect(*address)
    await caller.wait_audio(time.monotonic(), timeout=10)
    await asyncio.sleep(0.5)
    pressed = caller.press("0")
    closed = await caller.wait_closed(timeout=60)
    heard = caller.audio(pressed)
    await caller.close()
    return {"id": str(caller.call_id), "closed": closed, "hangup_frame": caller.hung_up_by_peer,
            "transfer_audio_s": len(heard) * 0.02}


async def _listener(address, question: np.ndarray) -> dict:
    """Hears the whole greeting, asks, hears the whole answer, then drops the line without a hangup frame."""
    caller = await Caller.connect(*address)
    connected = time.monotonic()
    await caller.wait_audio(connected, timeout=10)
    greeting_end = await caller.wait_quiet(1.0, timeout=60)
    greeting = caller.audio(connected, greeting_end + 0.001)
    started, ended = await caller.say(question)
    first = await caller.wait_audio(ended + 0.05, timeout=60)
    answer_end = await caller.wait_quiet(1.5, timeout=120)
    answer = caller.audio(first, answer_end + 0.001)
    pressed_1 = caller.press("1")
    await _replying_since(str(caller.call_id), pressed_1)
    await caller.close()
    return {"id": str(caller.call_id), "greeting": greeting, "answer": answer, "pressed_1": pressed_1,
            "greeting_audio": caller.recording(connected, greeting_end + 0.001)}


async def _silent(address) -> dict:
    """Hears the greeting and says nothing."""
    caller = await Caller.connect(*address)
    await caller.wait_audio(time.monotonic(), timeout=10)
    closed = await caller.wait_closed(timeout=60)
    await caller.close()
    return {"id": str(caller.call_id), "closed": closed, "hangup_frame": caller.hung_up_by_peer}


async def _stays_after_transfer(address) -> dict:
    """Presses 0 on a line configured to stay on after the transfer message, then says nothing."""
    caller = await Caller.connect(*address)
    await caller.wait_audio(time.monotonic(), timeout=10)
    caller.press("0")
    closed = await caller.wait_closed(timeout=60)
    await caller.close()
    return {"id": str(caller.call_id), "closed": closed}


@pytest.fixture(scope="module")
def small_server(bridge_server, engine):
    """A bridge for two calls at a time that stays on after key 0 and hangs up after one silent second."""
    return bridge().serve(engine, max_calls=2, idle_timeout_s=1.0, transfer_action="stay")


@pytest.fixture(scope="module")
def calls(bridge_server, small_server, engine):
    """Three different calls at once through one bridge (and two on another,
    which take as long); the tests below read what happened."""
    server, address = bridge_server

    async def together():
        return await asyncio.gather(_asker(address), _transferred(address), _listener(address, _spoken(engine, WELFARE_QUESTION)),
                                    _silent(small_server[1]), _stays_after_transfer(small_server[1]))

    logger = logging.getLogger("assistant.adapters.phone")
    records = _Records()
    level, logger.level = logger.level, logging.INFO
    logger.addHandler(records)
    try:
        asker, transferred, listener, silent, stayed = asyncio.run(together())
        deadline = time.monotonic() + 10
        while server.active_calls and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    return {"asker": asker, "transferred": transferred, "listener": listener, "silent": silent, "stayed": stayed,
            "server": server, "events": bridge().events, "logs": [r.getMessage() for r in records.records]}


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _events(calls, who, kind=None):
    return [e for at, e in calls["events"][calls[who]["id"]] if kind is None or isinstance(e, kind)]


def _timed(calls, who, kind):
    return [(at, e) for at, e in calls["events"][calls[who]["id"]] if isinstance(e, kind)]


def test_the_greeting_says_what_the_line_does_and_that_0_reaches_a_person(calls):
    first = _events(calls, "listener", Answer)[0]
    assert first.speech == PHONE.greeting and "0번" in first.speech
    heard = calls["listener"]["greeting_audio"]
    assert len(heard) / 8000 > 4.0
    # What came down the line is speech (wrong byte order or rate would not be).
    endpointer = Endpointer(VadSettings())
    utterances = [e for e in endpointer.process(resample(to_mono_float(heard), 8000)) + endpointer.flush()
                  if isinstance(e, SpeechEnd)]
    assert sum(len(u.audio) for u in utterances) / 16000 > 0.8 * len(heard) / 8000


def test_a_question_over_the_phone_finds_its_service(calls, engine):
    expected = engine.retriever.search(WELFARE_QUESTION).hits[0].service.id
    found = _events(calls, "listener", ServicesFound)
    assert found, f"no search: transcripts {[t.text for t in _events(calls, 'listener', Transcript)]}"
    assert expected in [s.id for s in found[0].services[:3]], (found[0].query, found[0].services[:3])
    assert _events(calls, "listener", Answer)[1].speech


def test_the_answer_ends_with_its_menu_and_key_1_asks_its_first_offer(calls):
    answer = _events(calls, "listener", Answer)[1]
    offers = answer.follow_ups or tuple(c.name for c in answer.choices)
    assert offers and answer.menu and answer.speech.endswith(answer.menu), answer
    asked = [e.query for at, e in _timed(calls, "listener", ServicesFound) if at > calls["listener"]["pressed_1"]]
    assert asked[:1] == [offers[0]]


def test_reply_audio_is_8khz_frames_of_20ms_paced_in_real_time(calls):
    for part in ("greeting", "answer"):
        frames = calls["listener"][part]
        assert len(frames) > 100
        assert {(r.frame.kind, len(r.frame.payload)) for r in frames} == {(Kind.SLIN, FRAME_BYTES)}
        span = frames[-1].at - frames[0].at
        expected = (len(frames) - 1) * 0.02
        assert abs(span - expected) < 0.05 * expected + 0.1, f"{part}: {len(frames)} frames over {span:.2f} s"
        gaps = np.diff([r.at for r in frames])
        assert 0.015 < float(np.median(gaps)) < 0.025


def test_talking_over_the_greeting_or_an_answer_stops_it(calls):
    asker = calls["asker"]
    # Measured from the clip's first sound: both clips are confirmed as speech
    # 0.16 s in, which leaves the rest for the line and the loaded CPU.
    assert asker["greeting_stop_s"] < BARGE_IN_LIMIT_S
    assert asker["answer_stop_s"] < BARGE_IN_LIMIT_S
    heard = [t.text for t in _events(calls, "asker", Transcript)]
    assert len(heard) >= 2, heard  # both utterances were answered
    assert asker["first_audio_s"] is not None and asker["second_answer_at"] is not None


def test_9_repeats_the_last_answer_and_star_repeats_it_slower(calls):
    asker = calls["asker"]
    timed = _timed(calls, "asker", Answer)
    last_answer = [a for at, a in timed if at < asker["pressed_9"]][-1]
    replayed = [a for at, a in timed if at > asker["pressed_9"]]
    assert [a.speech for a in replayed] == [last_answer.speech] * 2  # one for 9, one for *
    audio = _timed(calls, "asker", ReplyAudio)
    after_9 = [e for at, e in audio if asker["pressed_9"] < at < asker["pressed_star"]]
    after_star = [e for at, e in audio if at > asker["pressed_star"]]
    assert after_9[0].index == 0 and after_star[0].index == 0
    assert len(after_star[0].samples) > 1.15 * len(after_9[0].samples)


def test_0_speaks_the_human_line_and_hangs_up(calls):
    transferred = calls["transferred"]
    notice = _events(calls, "transferred", Answer)[-1]
    assert notice.speech == PHONE.handoff_speech(None, calls["server"].human_line)
    assert calls["server"].human_line in notice.speech
    assert transferred["transfer_audio_s"] > 3.0
    assert transferred["hangup_frame"] and transferred["closed"]


def test_0_can_be_set_to_stay_on_the_line(calls):
    notices = [e.speech for e in _events(calls, "stayed", Answer)]
    assert notices == [PHONE.greeting, PHONE.handoff_speech(None, calls["server"].human_line), PHONE.goodbye]
    assert calls["stayed"]["closed"]  # by the idle goodbye, not by the transfer


def test_concurrent_calls_stay_apart(calls):
    assert not _events(calls, "transferred", Transcript)  # never spoke, heard nobody else
    assert len(_events(calls, "listener", Transcript)) == 1
    asker_heard = _events(calls, "asker", SpeechStarted)
    assert len(asker_heard) >= 2
    assert len({calls[who]["id"] for who in ("asker", "transferred", "listener")}) == 3
    assert calls["server"].active_calls == 0  # hung up, transferred and dropped calls all ended


# --- barge-in: a backchannel, a question and the line's echo over a playing reply -------------------

def _gaps(frames, since: float, longer_than: float = 0.15) -> list[tuple[float, float]]:
    """(last frame before, first frame after) of every pause in the bridge's audio after `since`."""
    times = [r.at for r in frames if r.at >= since]
    return [(a, b) for a, b in zip(times, times[1:]) if b - a > longer_than]


async def _backchannel_then_question(address, backchannel: np.ndarray) -> dict:
    """Says 네 over the greeting, hears it go on, then asks a question over it."""
    caller = await Caller.connect(*address)
    result = {"id": str(caller.call_id)}
    await caller.wait_audio(time.monotonic(), timeout=30)
    await asyncio.sleep(1.0)
    started, _ = await caller.say(trim_silence(backchannel, PHONE_RATE))
    result["backchannel_at"] = started
    await _event_since(result["id"], ReplyResumed, started)
    await asyncio.sleep(1.0)
    result["gaps"] = _gaps(caller.audio(), started)
    started, ended = await caller.say(_clip(INTERRUPTION))
    result["question_at"] = started
    result["question_stop_s"] = caller.stopped_after(started)
    result["answer_at"] = await caller.wait_audio(ended + 0.05, timeout=60)
    await caller.hang_up()
    return result


async def _event_since(call_id: str, kind: type, since: float, timeout: float = 30.0) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for at, event in bridge().events[call_id]:
            if at > since and isinstance(event, kind):
                return at
        await asyncio.sleep(0.05)
    return None


async def _caller_with_echo(address) -> dict:
    """A line that sends the bridge's voice back (120 ms, 12 dB down, over line noise): the whole
    greeting is heard, a question asked, and another question asked over the answer."""
    caller = await Caller.connect(*address, echo=LineEcho(delay_s=0.12, loss_db=12.0, noise_db=-55.0))
    result = {"id": str(caller.call_id)}
    connected = time.monotonic()
    await caller.wait_audio(connected, timeout=30)
    result["greeting_end"] = await caller.wait_quiet(1.0, timeout=60)
    result["greeting_s"] = len(caller.audio(connected, (result["greeting_end"] or 0) + 0.001)) * 0.02
    started, ended = await caller.say(_clip(ASKED))
    first = await caller.wait_audio(ended + 0.05, timeout=60)
    result["asked_at"], result["answer_at"] = started, first
    await asyncio.sleep(1.5)
    started, ended = await caller.say(_clip(INTERRUPTION))
    result["interrupted_at"] = started
    result["interruption_stop_s"] = caller.stopped_after(started)
    result["second_answer_at"] = await caller.wait_audio(ended + 0.05, timeout=60)
    await caller.hang_up()
    return result


@pytest.fixture(scope="module")
def barge_calls(bridge_server, engine):
    """A backchannel and a question over the greeting, and a call whose line echoes, at once."""
    _, address = bridge_server
    # A real 네 / 예 cut from a recording, loud enough for the phone's voice detector to open on.
    backchannel = next(b for b in backchannel_clips(engine)
                       if heard_as_speech(phone_audio_of(b.audio), PhoneVadSettings(), PHONE_RATE))

    async def together():
        return await asyncio.gather(_backchannel_then_question(address, phone_audio_of(backchannel.audio)),
                                    _caller_with_echo(address))

    backchannel_call, echo_call = asyncio.run(together())
    return {"backchannel": backchannel_call, "echo": echo_call, "backchannel_clip": backchannel.name}


def phone_audio_of(audio: np.ndarray) -> np.ndarray:
    return to_int16(resample(audio, 16000, PHONE_RATE))


def _call_events(call: dict, kind=None) -> list[tuple[float, object]]:
    return [(at, e) for at, e in bridge().events[call["id"]] if kind is None or isinstance(e, kind)]


def test_a_backchannel_over_the_greeting_pauses_it_and_it_goes_on(barge_calls):
    call = barge_calls["backchannel"]
    paused = _call_events(call, ReplyPaused)
    resumed = _call_events(call, ReplyResumed)
    assert paused and paused[0][1].turn == 1, barge_calls["backchannel_clip"]
    assert resumed and resumed[0][1].turn == 1 and resumed[0][0] < call["question_at"]
    # Which reason depends on what Whisper made of the 네 (tests/test_replay_barge_in.py checks that
    # deterministically), or, on a loaded machine, on its taking longer than the patience for it.
    assert resumed[0][1].reason in ("backchannel", "not_speech", "unclear", "timeout")
    # The caller heard the greeting stop within 300 ms of the 네, then go on after it.
    stop, restart = call["gaps"][0]
    assert stop - call["backchannel_at"] < BARGE_IN_LIMIT_S
    assert restart - stop == pytest.approx(resumed[0][1].paused_s, abs=0.2)
    # Not a turn: nothing was answered before the question, nor cut.
    before = [e for at, e in _call_events(call) if at < call["question_at"]]
    assert not [e for e in before if isinstance(e, (Interrupted, Transcript))]


def test_a_question_over_the_greeting_cuts_it_and_is_answered(barge_calls):
    call = barge_calls["backchannel"]
    assert call["question_stop_s"] < BARGE_IN_LIMIT_S
    cut = [e for at, e in _call_events(call, Interrupted) if at > call["question_at"]]
    assert [(e.turn, e.reason) for e in cut][:1] == [(1, "speech")]
    heard = [e for at, e in _call_events(call, Transcript) if at > call["question_at"]]
    assert heard and heard[0].text and call["answer_at"] is not None
    # Its turn may end at its own mid-sentence pause; then the rest cuts that answer and
    # the two halves are answered as one question.
    assert len(cut) == len(heard) and all(h.text in heard[-1].text for h in heard), heard


def test_the_lines_echo_of_the_reply_does_not_interrupt_it(barge_calls):
    call = barge_calls["echo"]
    assert call["greeting_s"] > 4.0
    greeting = [e for at, e in _call_events(call) if at <= call["greeting_end"]]
    assert not [e for e in greeting if isinstance(e, (SpeechStarted, ReplyPaused, Interrupted))]
    answer = [e for at, e in _call_events(call) if call["answer_at"] <= at < call["interrupted_at"]]
    assert not [e for e in answer if isinstance(e, (SpeechStarted, ReplyPaused, Interrupted))]


def test_a_question_over_the_echo_still_cuts_the_reply(barge_calls):
    call = barge_calls["echo"]
    assert call["answer_at"] is not None  # the question asked over a quiet (echoing) line was answered
    assert call["interruption_stop_s"] < BARGE_IN_LIMIT_S
    cut = [e for at, e in _call_events(call, Interrupted) if at > call["interrupted_at"]]
    assert cut and cut[0].reason == "speech" and call["second_answer_at"] is not None


# --- calls that go wrong ----------------------------------------------------------------------

async def _greeted(address, timeout: float = 30.0) -> bool:
    caller = await Caller.connect(*address)
    ok = await caller.wait_audio(time.monotonic(), timeout) is not None
    await caller.hang_up()
    return ok


async def _raw_call(address, *chunks: bytes) -> Caller:
    """A call that, once greeted, sends raw bytes between its audio frames."""
    caller = await Caller.connect(*address)
    assert await caller.wait_audio(time.monotonic(), timeout=30) is not None, "no greeting"
    for chunk in chunks:
        caller.writer.write(chunk)
    return caller


def _said(call_id: str, speech: str, timeout: float = 60) -> bool:
    """Whether the call's session says `speech` within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(isinstance(e, Answer) and e.speech == speech for _, e in bridge().events[call_id]):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("bad", [
    encode(Kind.DTMF, b"99"),  # DTMF of two bytes
    encode(Kind.SLIN, b"\0" * 321),  # odd audio length
    encode(Kind.UUID, b"\0" * 5),  # short UUID
    encode(0x02, b"\1\0\0\0\0\0"),  # an old DTMF draft kind
    encode(0x42, b"\0" * 10),  # unknown kind
], ids=["dtmf-length", "odd-audio", "uuid-length", "kind-0x02", "kind-0x42"])
def test_a_bad_frame_is_dropped_and_the_call_goes_on(bridge_server, bad, caplog):
    server, address = bridge_server

    async def scenario():
        caller = await _raw_call(address, bad)
        await asyncio.sleep(0.3)
        caller.press("9")  # nothing answered yet: the line says so, so it is still listening
        answered = await asyncio.to_thread(_said, str(caller.call_id), PHONE.nothing_to_replay)
        await caller.hang_up()
        return str(caller.call_id), answered

    with caplog.at_level(logging.INFO, logger="assistant.adapters.phone"):
        call_id, answered = asyncio.run(scenario())
    assert answered
    dropped = [r.getMessage() for r in caplog.records if "frame dropped" in r.getMessage()]
    assert dropped and call_id in dropped[0]


@pytest.mark.parametrize("ending", ["hangup", "close", "mid-frame", "error"])
def test_every_way_a_call_ends_leaves_the_server_serving(bridge_server, ending, caplog):
    server, address = bridge_server

    async def scenario():
        caller = await Caller.connect(*address)
        await caller.wait_audio(time.monotonic(), timeout=30)
        if ending == "hangup":
            await caller.hang_up()
        elif ending == "mid-frame":
            caller.writer.write(b"\x10\x01\x40" + b"\0" * 100)
            await caller.close()
        elif ending == "error":
            caller.writer.write(encode(Kind.ERROR, b"\x01"))
            await caller.wait_closed(timeout=30)
            await caller.close()
        else:
            await caller.close()
        return str(caller.call_id), await _greeted(address)

    with caplog.at_level(logging.INFO, logger="assistant.adapters.phone"):
        call_id, next_call_greeted = asyncio.run(scenario())
        deadline = time.monotonic() + 5
        while not (ended := [r.getMessage() for r in caplog.records
                             if call_id in r.getMessage() and "ended" in r.getMessage()]):
            assert time.monotonic() < deadline, "the call's end was not logged"
            time.sleep(0.05)
    assert next_call_greeted
    reason = {"hangup": "caller hung up", "close": "caller closed", "mid-frame": "stream ended",
              "error": "Asterisk reported error code 1"}[ending]
    assert reason in ended[0]


def test_call_logs_name_the_call_and_never_what_was_said(calls):
    said = [t.text for who in ("asker", "listener") for t in _events(calls, who, Transcript)]
    assert said and calls["logs"]
    for who in ("asker", "transferred", "listener"):
        assert any(calls[who]["id"] in line and "ended" in line for line in calls["logs"]), who
    assert all(text not in line for text in said for line in calls["logs"])


def test_a_silent_caller_hears_goodbye_and_is_hung_up(calls):
    notices = [e.speech for e in _events(calls, "silent", Answer)]
    assert notices == [PHONE.greeting, PHONE.goodbye]
    assert calls["silent"]["closed"] and calls["silent"]["hangup_frame"]


def test_callers_beyond_max_calls_hear_busy_and_others_are_unaffected(small_server):
    server, address = small_server

    async def scenario():
        admitted = [await Caller.connect(*address) for _ in range(server.settings.max_calls)]
        for caller in admitted:
            await caller.wait_audio(time.monotonic(), timeout=30)
        refused = await Caller.connect(*address)
        closed = await refused.wait_closed(timeout=30)
        heard = len(refused.audio()) * 0.02
        still_talking = not any(caller.closed_by_peer for caller in admitted)
        for caller in admitted:
            await caller.hang_up()
        await refused.close()
        return closed, refused.hung_up_by_peer, heard, still_talking

    refused, hangup, heard, still_talking = asyncio.run(scenario())
    assert refused and hangup and heard > 2.0
    assert still_talking
