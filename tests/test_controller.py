"""The conversation controller on a scripted timeline, in virtual time.

The pipeline here is scripted (its "microphone frames" are 20 ms of 1.0 for
speech and 0.0 for silence, its answers instant), because what is under test
is turn-taking: which events come out, in which order, in which state, when.
The same controller with the real pipeline is exercised end to end by the
kiosk, phone and scenario tests.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future

import numpy as np
import pytest

from assistant.core.barge_in import BargeInPolicy
from assistant.core.clock import VirtualClock
from assistant.core.controller import Command, Controller, TurnPolicy
from assistant.core.events import (
    Answer,
    ConversationEnded,
    ConversationReset,
    Event,
    Handoff,
    Interrupted,
    PhoneEntry,
    ReplyAudio,
    ReplyPaused,
    ReplyResumed,
    ServiceCard,
    SpeechEnded,
    SpeechStarted,
    State,
    StateChanged,
    Timings,
    Transcript,
)
from assistant.core.lanes import Lane
from assistant.core.output import RecordingOutput
from assistant.core.prompts import KIOSK, PHONE

FRAME_S = 0.02
RATE = 16000
CARD = ServiceCard("basic-pension", "기초연금", "", "주민센터 방문", (PhoneEntry("국민연금공단", "1355"),), "책자 1쪽")
FOLLOW_UPS = ("신청 방법 알려 주세요", "필요한 서류 알려 주세요")


def chunk(seconds: float) -> ReplyAudio:
    return ReplyAudio(samples=np.zeros(int(seconds * 16000), np.int16), sample_rate=16000)


class ScriptedPipeline:
    """A stand-in pipeline: speech is any frame of 1.0; 0.8 s of silence ends an utterance;
    every utterance is heard as `heard` says (default: a question about 기초연금);
    every answer is two 1 s chunks."""

    END_SILENCE_S = 0.8
    QUESTION = Transcript(text="기초연금 얼마예요", confidence=0.9)

    def __init__(self) -> None:
        self.answered: str | None = None
        self.length_scale = 1.0
        self.heard: list[Transcript] = []  # what the next utterances are recognized as, in order
        self.recognized = 0  # recognitions run, by respond() or recognize()
        self.slow = False  # recognize() leaves its futures in `recognizing` for the test to finish
        self.recognizing: list[Future[Transcript]] = []
        self._voiced = 0.0
        self._silent = 0.0
        self._at = 0.0

    def _recognize(self) -> Transcript:
        self.recognized += 1
        return self.heard.pop(0) if self.heard else self.QUESTION

    @property
    def voiced_s(self) -> float:
        return self._voiced

    def recognize(self, ended: SpeechEnded) -> Future[Transcript]:
        future: Future[Transcript] = Future()
        if self.slow:
            self.recognizing.append(future)
        else:
            future.set_result(self._recognize())
        return future

    @property
    def has_answer(self) -> bool:
        return self.answered is not None

    def listen(self, samples: np.ndarray, sample_rate: int) -> list[Event]:
        seconds = len(samples) / sample_rate
        self._at += seconds
        speech = bool(np.max(samples) > 0.5)
        events: list[Event] = []
        if speech:
            if self._voiced == 0:
                events.append(SpeechStarted(at_s=self._at))
            self._voiced += seconds
            self._silent = 0.0
        elif self._voiced:
            self._silent += seconds
            if self._silent >= self.END_SILENCE_S:
                events.append(SpeechEnded(at_s=self._at, duration_s=self._voiced, audio=np.ones(3, np.float32)))
                self._voiced = self._silent = 0.0
        return events

    def end_of_audio(self) -> list[Event]:
        if not self._voiced:
            return []
        self._voiced = self._silent = 0.0
        return [SpeechEnded(at_s=self._at, duration_s=1.0, reason="end_of_input", audio=np.ones(3, np.float32))]

    def reset_listening(self) -> None:
        self._voiced = self._silent = 0.0

    def _answer(self, text: str):
        self.answered = text
        yield Answer(f"screen: {text}", f"answer to {text}", "answer", card=CARD, follow_ups=FOLLOW_UPS)
        yield chunk(1.0)
        yield chunk(1.0)
        yield Timings(ms={})

    def respond(self, ended: SpeechEnded, heard: Transcript | None = None, *, continues: bool = False):
        heard = heard or self._recognize()
        if continues:
            heard = Transcript(text=f"... {heard.text}", confidence=heard.confidence)
        yield heard
        yield from self._answer(heard.text)

    def ask_text(self, text: str):
        yield from self._answer(text)

    def say(self, text: str, kind="notice"):
        yield Answer(text, text, kind)
        yield chunk(0.5)
        yield Timings(ms={})

    def replay_or_say(self, text: str):
        if self.answered is not None:
            yield from self._answer(self.answered)
        else:
            yield from self.say(text)

    def prompt_chunks(self, text: str) -> list[ReplyAudio]:
        return [chunk(0.3)]

    def slower(self) -> None:
        self.length_scale *= 1.25

    def normal_rate(self) -> None:
        self.length_scale = 1.0

    def forget(self) -> None:
        self.answered = None
        self.length_scale = 1.0


KIOSK_POLICY = TurnPolicy(prompts=KIOSK, office_phone="031-310-2114", hands_free=False, listen_prompt_s=8.0,
                          idle_s=90.0, end_on_idle=False, end_after_handoff=False)
PHONE_POLICY = TurnPolicy(prompts=PHONE, office_phone="031-310-2114", hands_free=True, listen_prompt_s=None,
                          idle_s=60.0, end_on_idle=True, end_after_handoff=True)


class Harness:
    """A controller on a virtual clock, with a scripted pipeline and a recording output."""

    def __init__(self, policy: TurnPolicy):
        self.clock = VirtualClock()
        self.output = RecordingOutput(self.clock)
        self.pipeline = ScriptedPipeline()
        self.events: list[tuple[float, Event]] = []
        self.controller = Controller(self.pipeline, self.output, self._emit, policy, clock=self.clock,
                                     listen_lane=Lane("listen", inline=True), turn_lane=Lane("turn", inline=True))

    async def _emit(self, event: Event) -> None:
        self.events.append((self.clock.now(), event))

    async def speak(self, speech_s: float, then_silence_s: float) -> None:
        """The resident speaks, then is silent, frame by frame at live pace."""
        for value, seconds in ((1.0, speech_s), (0.0, then_silence_s)):
            for _ in range(round(seconds / FRAME_S)):
                self.controller.hear(np.full(int(RATE * FRAME_S), value, np.float32), RATE)
                await self.clock.advance(FRAME_S)

    def of(self, kind: type) -> list:
        return [e for _, e in self.events if isinstance(e, kind)]

    def states(self) -> list[State]:
        return [e.state for e in self.of(StateChanged)]


def run(policy: TurnPolicy, script) -> Harness:
    async def main() -> Harness:
        harness = Harness(policy)
        await harness.controller.open()
        await script(harness)
        await harness.controller.close()
        return harness

    return asyncio.run(main())


def test_a_spoken_question_is_answered_and_heard_to_the_end():
    async def script(h: Harness):
        await h.controller.set_hands_free(True)
        await h.speak(1.0, 1.0)
        await h.clock.advance(5.0)

    h = run(KIOSK_POLICY, script)
    kinds = [type(e).__name__ for _, e in h.events if not isinstance(e, StateChanged)]
    assert kinds == ["SpeechStarted", "SpeechEnded", "Transcript", "Answer", "ReplyAudio", "ReplyAudio", "Timings"]
    assert h.states()[-4:] == [State.LISTENING, State.THINKING, State.SPEAKING, State.READY]
    # The spoken question's turn starts with the kiosk's "네, 찾아볼게요." cue, then the answer.
    assert [len(c.samples) / c.sample_rate for c in h.output.chunks] == [0.3, 1.0, 1.0]
    ended_at = next(t for t, e in h.events if isinstance(e, SpeechEnded))
    ready_at = [t for t, e in h.events if isinstance(e, StateChanged) and e.state == State.READY][-1]
    # "말하는 중" lasts exactly as long as the resident hears the reply (cue + two chunks).
    assert ready_at - ended_at == pytest.approx(2.3)
    assert {e.turn for _, e in h.events if isinstance(e, (Answer, ReplyAudio, Timings))} == {1}


def test_the_resident_talking_over_a_reply_pauses_it_at_once_and_cuts_it_past_the_confirm_time():
    async def script(h: Harness):
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(0.5)  # the reply is playing
        await h.controller.set_hands_free(True)
        await h.speak(1.5, 1.0)
        await h.clock.advance(5.0)

    h = run(KIOSK_POLICY, script)
    started = next(t for t, e in h.events if isinstance(e, SpeechStarted))
    paused = [(t, e) for t, e in h.events if isinstance(e, ReplyPaused)]
    cut = [(t, e) for t, e in h.events if isinstance(e, Interrupted)]
    # Silent the moment speech is detected; cut once it has gone on for the confirm time.
    assert [(t, e.turn, e.reason) for t, e in paused] == [(started, 1, "speech")]
    assert [(e.turn, e.reason) for _, e in cut] == [(1, "speech")]
    confirm = BargeInPolicy().confirm_s
    assert cut[0][0] == pytest.approx(started + confirm - FRAME_S, abs=FRAME_S + 1e-6)
    assert h.output.pauses == 1 and h.output.cleared >= 1 and not h.of(ReplyResumed)
    assert [e.turn for e in h.of(Transcript)] == [2]  # the new question is a turn of its own
    # 듣는 중 from the first syllable, never 말하는 중 again until the new answer speaks.
    order = [e for _, e in h.events]
    between = order[order.index(paused[0][1]):order.index(cut[0][1])]
    assert {e.state for e in between if isinstance(e, StateChanged)} == {State.LISTENING}


def _reply_over(h: Harness, heard: Transcript | None, speech_s: float):
    """A typed question's reply plays; 0.5 s in, the resident says something short, heard as `heard`."""
    async def script(h: Harness):
        if heard is not None:
            h.pipeline.heard.append(heard)
        await h.controller.set_hands_free(True)
        await h.controller.ask("장애수당")
        await h.clock.advance(0.5)
        await h.speak(speech_s, 1.0)
        await h.clock.advance(6.0)

    return script


@pytest.mark.parametrize("heard,reason", [
    (Transcript(text="네.", confidence=0.8), "backchannel"),
    (Transcript(text="아, 그렇군요", confidence=0.7), "backchannel"),
    (Transcript(text="", confidence=0.0, rejected="no speech"), "not_speech"),  # a cough
    (Transcript(text="", confidence=0.05, rejected="low confidence (0.05)"), "not_speech"),
    (Transcript(text="데이크", confidence=0.21), "unclear"),  # a 네 misheard
])
def test_a_backchannel_or_a_cough_over_a_reply_pauses_it_and_it_goes_on_where_it_stopped(heard, reason):
    h = run(KIOSK_POLICY, _reply_over(Harness, heard, 0.3))
    paused_at = next(t for t, e in h.events if isinstance(e, ReplyPaused))
    resumed = [(t, e) for t, e in h.events if isinstance(e, ReplyResumed)]
    assert [(e.turn, e.reason) for _, e in resumed] == [(1, reason)]
    resumed_at, event = resumed[0]
    assert event.paused_s == pytest.approx(resumed_at - paused_at)
    assert not h.of(Interrupted) and h.output.cleared == 0
    # Not a turn: nothing answered, and the reply was heard to its end: 2 s of audio plus the pause.
    assert [e.speech for e in h.of(Answer)] == ["answer to 장애수당"]
    ready_at = [t for t, e in h.events if isinstance(e, StateChanged) and e.state == State.READY][-1]
    assert ready_at == pytest.approx(2.0 + event.paused_s, abs=1e-6)
    assert h.states()[-4:] == [State.SPEAKING, State.LISTENING, State.SPEAKING, State.READY]


def test_a_short_question_over_a_reply_cuts_it_and_is_answered_recognized_once():
    h = run(KIOSK_POLICY, _reply_over(Harness, Transcript(text="기초연금은요?", confidence=0.9), 0.5))
    assert [(e.turn, e.reason) for e in h.of(Interrupted)] == [(1, "question")]
    assert not h.of(ReplyResumed)
    assert [e.speech for e in h.of(Answer)] == ["answer to 장애수당", "answer to 기초연금은요?"]
    assert [(e.turn, e.text) for e in h.of(Transcript)] == [(2, "기초연금은요?")]
    assert h.pipeline.recognized == 1


def test_a_busy_machine_lets_the_reply_go_on_and_a_question_heard_late_still_cuts_it():
    async def script(h: Harness):
        h.pipeline.slow = True
        await h.controller.set_hands_free(True)
        await h.controller.ask("장애수당")
        await h.clock.advance(0.2)
        await h.speak(0.4, 1.0)  # the utterance ends 0.8 s into this silence
        await h.clock.advance(1.5)  # 1.5 s after it ended the reply goes on
        h.pipeline.recognizing.pop().set_result(Transcript(text="기초연금은요?", confidence=0.9))
        await h.clock.advance(5.0)

    h = run(KIOSK_POLICY, script)
    ended_at = next(t for t, e in h.events if isinstance(e, SpeechEnded))
    resumed = [(t, e.reason) for t, e in h.events if isinstance(e, ReplyResumed)]
    patience = BargeInPolicy().judge_within_s
    assert resumed == [(pytest.approx(ended_at + patience, abs=FRAME_S), "timeout")]
    assert [(e.turn, e.reason) for e in h.of(Interrupted)] == [(1, "question")]
    assert [e.speech for e in h.of(Answer)] == ["answer to 장애수당", "answer to 기초연금은요?"]


def test_a_button_while_a_reply_is_paused_cuts_it_and_the_judgement_is_dropped():
    async def script(h: Harness):
        h.pipeline.heard.append(Transcript(text="네", confidence=0.8))
        await h.controller.set_hands_free(True)
        await h.controller.ask("장애수당")
        await h.clock.advance(0.5)
        await h.speak(0.3, 0.1)  # still inside the silence that ends the utterance
        await h.controller.command(Command.REPLAY)
        await h.clock.advance(6.0)

    h = run(KIOSK_POLICY, script)
    assert [(e.turn, e.reason) for e in h.of(Interrupted)] == [(1, "input")]
    assert not h.of(ReplyResumed)
    assert [e.speech for e in h.of(Answer)] == ["answer to 장애수당"] * 2  # the replay, not the paused reply


def test_without_hands_free_speech_over_a_reply_is_not_heard():
    async def script(h: Harness):
        await h.controller.ask("장애수당")
        await h.clock.advance(0.5)
        await h.speak(1.5, 1.0)
        await h.clock.advance(3.0)

    h = run(KIOSK_POLICY, script)
    assert not h.of(SpeechStarted) and not h.of(ReplyPaused) and h.output.pauses == 0


def test_push_to_talk_asks_once_after_a_silence_then_gives_up():
    async def script(h: Harness):
        await h.controller.talk()
        await h.clock.advance(8.5)   # nothing said: "말씀하시겠어요?"
        await h.clock.advance(9.0)   # still nothing: "말씀이 들리지 않았어요."
        await h.clock.advance(2.0)

    h = run(KIOSK_POLICY, script)
    said = [(t, e.speech) for t, e in h.events if isinstance(e, Answer)]
    assert [s for _, s in said] == [KIOSK.still_there, KIOSK.nothing_heard]
    assert 8.0 <= said[0][0] <= 8.5 and said[1][0] >= 16.0
    assert h.states()[-1] == State.READY


def test_push_to_talk_finishes_the_question_when_talk_is_pressed_again():
    async def script(h: Harness):
        await h.controller.talk()
        await h.speak(1.0, 0.2)   # the resident stops, and presses 말하기 again at once
        await h.controller.talk()
        await h.clock.advance(5.0)

    h = run(KIOSK_POLICY, script)
    assert [e.reason for e in h.of(SpeechEnded)] == ["end_of_input"]
    assert len(h.of(Transcript)) == 1


def test_replay_before_any_answer_says_there_is_nothing_yet_and_after_one_says_it_again():
    async def script(h: Harness):
        await h.controller.command(Command.REPLAY)
        await h.clock.advance(2.0)
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(3.0)
        await h.controller.command(Command.REPLAY)
        await h.clock.advance(3.0)

    h = run(KIOSK_POLICY, script)
    assert [e.speech for e in h.of(Answer)] == [KIOSK.nothing_to_replay, "answer to 기초연금 얼마예요",
                                                "answer to 기초연금 얼마예요"]


def test_the_kiosk_forgets_an_idle_resident_but_never_mid_reply():
    async def script(h: Harness):
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(89.0)
        assert not h.of(ConversationReset)
        await h.clock.advance(3.0)

    h = run(KIOSK_POLICY, script)
    resets = [(t, e) for t, e in h.events if isinstance(e, ConversationReset)]
    assert [e.reason for _, e in resets] == ["idle"]
    # Idle counts from the end of the reply (2 s of audio), not from the question.
    assert resets[0][0] == pytest.approx(92.0, abs=0.3)
    assert h.pipeline.answered is None  # memory wiped


def test_the_phone_greets_and_says_goodbye_to_a_silent_caller_then_ends():
    async def script(h: Harness):
        await h.clock.advance(65.0)

    h = run(PHONE_POLICY, script)
    assert [e.speech for e in h.of(Answer)] == [PHONE.greeting, PHONE.goodbye]
    assert [e.reason for e in h.of(ConversationEnded)] == ["silent for 60 s"]


def test_handoff_names_the_service_number_and_the_phone_hangs_up_after_it():
    async def kiosk(h: Harness):
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(3.0)
        await h.controller.command(Command.HANDOFF)
        await h.clock.advance(3.0)

    h = run(KIOSK_POLICY, kiosk)
    handoff = h.of(Handoff)[0]
    assert handoff.service == "기초연금" and handoff.phones[0].number == "1355"
    spoken = h.of(Answer)[-1]
    assert spoken.kind == "handoff" and "1355" in spoken.speech and "031-310-2114" in spoken.speech
    assert not h.of(ConversationEnded)

    async def phone(h: Harness):
        await h.clock.advance(1.0)
        await h.controller.command(Command.HANDOFF)
        await h.clock.advance(3.0)

    h = run(PHONE_POLICY, phone)
    assert h.of(Answer)[-1].kind == "handoff"
    assert [e.reason for e in h.of(ConversationEnded)] == ["handed off to a person"]


def test_a_closed_output_ends_the_reply_quietly_and_the_conversation_goes_on():
    class ClosedOutput(RecordingOutput):
        async def play(self, chunk: ReplyAudio) -> None:
            raise ConnectionResetError("page went away")

    async def script(h: Harness):
        h.controller.output = h.output = ClosedOutput(h.clock)
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(1.0)
        await h.controller.ask("장애수당")
        await h.clock.advance(1.0)

    h = run(KIOSK_POLICY, script)
    assert [e.speech for e in h.of(Answer)] == ["answer to 기초연금 얼마예요", "answer to 장애수당"]
    assert h.states()[-1] == State.READY


def test_a_typed_question_while_listening_drops_the_half_heard_one():
    async def script(h: Harness):
        await h.controller.talk()
        await h.speak(0.6, 0.1)
        await h.controller.ask("장애수당")
        await h.speak(0.0, 1.0)
        await h.clock.advance(3.0)

    h = run(KIOSK_POLICY, script)
    assert not h.of(SpeechEnded) and [e.speech for e in h.of(Answer)] == ["answer to 장애수당"]


def test_normal_rate_and_announcements_wait_for_the_resident():
    async def script(h: Harness):
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(0.5)  # the answer is playing
        await h.controller.command(Command.SLOWER)
        await h.clock.advance(0.5)
        slow = h.pipeline.length_scale
        await h.controller.command(Command.NORMAL)  # 천천히 pressed again: the reply being heard goes on
        assert h.pipeline.length_scale == 1.0 < slow and h.controller.replying
        assert not await h.controller.announce("직원이 오고 있어요.")  # not over a reply
        await h.clock.advance(5.0)
        assert await h.controller.announce("직원이 오고 있어요.")
        await h.clock.advance(2.0)

    h = run(KIOSK_POLICY, script)
    assert [e.speech for e in h.of(Answer)][-1] == "직원이 오고 있어요."
    assert len(h.of(Interrupted)) == 1  # only 천천히 cut the answer short


def test_number_keys_ask_what_the_last_answer_offered_and_a_key_it_did_not_offer_is_said_so():
    async def script(h: Harness):
        await h.controller.ask("기초연금 얼마예요")
        await h.clock.advance(3.0)
        await h.controller.choose(2)
        await h.clock.advance(3.0)
        await h.controller.choose(5)  # not offered: said so, and the offers stand
        await h.clock.advance(2.0)
        await h.controller.choose(1)
        await h.clock.advance(3.0)
        await h.controller.command(Command.RESTART)
        await h.controller.choose(1)  # a new caller was offered nothing
        await h.clock.advance(2.0)

    h = run(PHONE_POLICY, script)
    said = [e.speech for e in h.of(Answer)]
    assert said[said.index("answer to 기초연금 얼마예요"):] == ["answer to 기초연금 얼마예요", "answer to 필요한 서류 알려 주세요", PHONE.no_such_choice,
                        "answer to 신청 방법 알려 주세요", PHONE.no_such_choice]


@pytest.mark.parametrize("pause_s, continued", [(0.2, True), (2.1, False)])
def test_speech_right_after_a_turn_goes_on_with_it_and_later_speech_is_a_new_question(pause_s, continued):
    async def script(h: Harness):
        await h.controller.set_hands_free(True)
        await h.speak(1.0, ScriptedPipeline.END_SILENCE_S + pause_s)  # the turn ends, its reply starts
        await h.speak(1.5, 1.0)  # speech over the reply: cuts it
        await h.clock.advance(5.0)

    h = run(KIOSK_POLICY, script)
    assert [e.turn for e in h.of(Interrupted)] == [1]
    heard = [e.text for e in h.of(Transcript)]
    assert heard == ["기초연금 얼마예요", "... 기초연금 얼마예요" if continued else "기초연금 얼마예요"]
