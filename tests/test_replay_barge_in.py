"""Barge-in with the real models, in virtual time (the scenario runner's way of running a
conversation): real backchannels cut from recordings, synthesized coughs and real recorded
questions, said over a reply in the assistant's own voice. Every decision is the real
Silero, Whisper and Kiwi's, and the same on any machine."""

from __future__ import annotations

import asyncio
import functools

import pytest

from assistant.config import PhoneVadSettings, VadSettings
from assistant.core.engine import Engine
from assistant.core.events import (
    Interrupted,
    ReplyAudio,
    ReplyPaused,
    ReplyResumed,
    State,
    StateChanged,
    Transcript,
)
from assistant.core.replay import ReplayedConversation
from assistant.evaluation.barge_in import Interjection, backchannels, coughs, heard_as_speech, questions
from assistant.evaluation.datasets import SPEECH_MANIFEST as MANIFEST
from assistant.stt.transcriber import Transcriber

ASKED = "기초연금 어떻게 신청해요?"
INTO_REPLY_S = 1.0

pytestmark = pytest.mark.skipif(not MANIFEST.exists(), reason=f"speech set not found at {MANIFEST.parent}")


CHANNELS = {"kiosk": VadSettings(), "phone": PhoneVadSettings()}


@functools.cache
def cases(kind: str, channel: str, transcriber: Transcriber) -> list[Interjection]:
    """The interjections of `kind` the channel's voice detector opens on (the others cannot pause anything)."""
    made = {"backchannel": lambda: backchannels(MANIFEST, transcriber), "cough": lambda: coughs(4),
            "question": lambda: questions(MANIFEST, 2)}[kind]()
    return [c for c in made if heard_as_speech(c.audio, CHANNELS[channel])]


def over_a_reply(engine: Engine, interjection: Interjection, channel: str):
    """Asks a typed question, and 1 s into its spoken reply says `interjection`."""
    async def run():
        async with ReplayedConversation(engine, vad=CHANNELS[channel]) as conversation:
            await conversation.ask(ASKED, wait=False)
            while not any(isinstance(e, ReplyAudio) for e in conversation.events):
                await conversation.listen(0.1)
            await conversation.listen(INTO_REPLY_S)
            await conversation.say(interjection.audio)
            return conversation.events, conversation.controller.output

    return asyncio.run(run())


# The kiosk's detector (250 ms of voice) does not open on a cough at all.
@pytest.mark.parametrize("kind,channel", [("backchannel", "kiosk"), ("backchannel", "phone"), ("cough", "phone")])
def test_backchannels_and_coughs_over_a_reply_never_cut_it(engine, kind, channel):
    assert cases(kind, channel, engine.transcriber), f"no {kind} the {channel} detector opens on"
    reasons = []
    for case in cases(kind, channel, engine.transcriber):
        events, output = over_a_reply(engine, case, channel)
        assert not [e for e in events if isinstance(e, Interrupted)], case.name
        assert not [e for e in events if isinstance(e, Transcript) and e.turn > 1], case.name
        paused = [e for e in events if isinstance(e, ReplyPaused)]
        resumed = [e for e in events if isinstance(e, ReplyResumed)]
        assert len(paused) == len(resumed) == output.pauses, case.name  # every pause was resumed
        assert events[-1] == StateChanged(state=State.READY, hands_free=True, turn=1)  # heard to its end
        reasons += [e.reason for e in resumed]
    # In a conversation the detector opened on most of them too: what Whisper and Kiwi made of
    # them is what let the reply go on, never the time it took (virtual time).
    assert len(reasons) >= len(cases(kind, channel, engine.transcriber)) / 2 and "timeout" not in reasons


@pytest.mark.parametrize("channel", ["kiosk", "phone"])
def test_a_question_over_a_reply_cuts_it_and_is_answered(engine, channel):
    for case in cases("question", channel, engine.transcriber):
        events, output = over_a_reply(engine, case, channel)
        cut = [e for e in events if isinstance(e, Interrupted)]
        assert [(e.turn, e.reason) for e in cut] == [(1, "speech")], case.name
        heard = [e for e in events if isinstance(e, Transcript) and e.turn == 2]
        assert heard and heard[0].text and not heard[0].rejected, case.name
        assert not [e for e in events if isinstance(e, ReplyResumed)]
