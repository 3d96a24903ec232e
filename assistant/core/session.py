"""One conversation's pipeline and memory: audio frames or typed text in, typed events out.

A session is cheap: the models live in the shared `Engine`. Live adapters
drive it through the `Controller` (turn-taking); the CLI and tests may drive
it directly.

Its methods fall into two groups that touch disjoint state, so that the
controller can run them on two lanes (threads) at once: listening
(`listen`, `end_of_audio`, `reset_listening`: the endpointer and the input
resampler) keeps running while a reply is being made, and the turn
(`respond`, `ask_text`, `say`, `replay`, `slower`, `forget`: what was said
and answered) runs one step at a time. The only thing they share is the
early recognition (on the shared recognition queue), handed over through a lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from time import perf_counter

import numpy as np

from ..audio import ResampleQuality, StreamResampler, to_mono_float
from ..config import VadSettings
from ..corpus.schema import Service
from ..counsel.advisor import Counsel
from ..privacy import mask_personal
from ..stt.endpointer import Endpointer, EndpointEvent, SpeechEnd, SpeechPause, SpeechStart, TurnCheck, TurnDecision
from ..stt.queue import RecognitionJob, RecognitionQueue, Urgency
from ..stt.transcriber import TranscriptResult
from . import prompts
from .engine import Engine
from .events import (
    Answer,
    AnswerKind,
    EndReason,
    Event,
    EventStream,
    ReplyAudio,
    ServiceHit,
    ServicesFound,
    SpeechEnded,
    SpeechStarted,
    Timings,
    Transcript,
    TurnDecided,
)

log = logging.getLogger(__name__)

SLOWEST = 2.0


def _ms(since: float) -> float:
    return round((perf_counter() - since) * 1000, 1)


class Session:
    def __init__(self, engine: Engine, *, speak: bool = True, length_scale: float | None = None,
                 vad: VadSettings | None = None, recognition: RecognitionQueue | None = None,
                 resample_quality: ResampleQuality = "HQ", speak_menu: bool = False):
        """`recognition` is where utterances are recognized (default: the engine's queue,
        shared by every conversation; the scenario runner passes one it waits on).
        `resample_quality` is the input resampler's (see `StreamResampler`).
        `speak_menu`: say each answer's offer by number keys after it (the phone,
        which has no buttons to show)."""
        self.engine = engine
        self.speak = speak
        self.speak_menu = speak_menu
        self.length_scale = length_scale or engine.settings.tts.length_scale
        self._vad = vad or engine.settings.vad
        # With a judge, a pause is judged from a quick partial transcript: a finished
        # sentence ends the turn at once, an unfinished one is waited for longer.
        self._endpointer = Endpointer(self._vad, engine.turn_judge if self._vad.judge_turn_end else None)
        self._judging: tuple[TurnCheck, RecognitionJob[str]] | None = None
        self._resampler: StreamResampler | None = None
        self._resample_quality = resample_quality
        self._recognition = recognition or engine.recognition
        self._early_lock = threading.Lock()
        self._early: tuple[int, RecognitionJob[TranscriptResult]] | None = None  # (audio length, early recognition)
        self._last_reply: Answer | None = None
        self._last_heard: str | None = None  # the last utterance's words, for one that goes on with it
        self._context: Service | None = None
        # The resident's profile and the counselor's pending question (wiped by reset).
        self.counsel = Counsel(engine.advisor)

    @property
    def has_answer(self) -> bool:
        """Whether 다시 듣기 has something to say again."""
        return self._last_reply is not None

    # --- listening (the listen lane) ---------------------------------------------
    def listen(self, samples: np.ndarray, sample_rate: int) -> list[Event]:
        """Endpointing only: int16 or float frames, any rate, mono or (n, channels)."""
        if self._resampler is None or self._resampler.from_rate != sample_rate:
            self._resampler = StreamResampler(sample_rate, quality=self._resample_quality)
        frame = self._resampler(to_mono_float(samples))
        return self._translate(self._judged() + self._endpointer.process(frame))

    def _judged(self) -> list[EndpointEvent]:
        """The endpointer's decision on the pause being judged, once its partial transcript is ready."""
        if self._judging is None or not self._judging[1].done():
            return []
        pause, partial = self._judging
        self._judging = None
        try:
            text = partial.result()
        except Exception:  # a failed guess must not stop listening: the silence rule decides
            log.exception("partial recognition failed")
            text = ""
        return self._endpointer.decide(pause, text)

    def end_of_audio(self) -> list[Event]:
        """The input stream ended (or the resident said they are done): close an utterance still open."""
        return self._translate(self._endpointer.flush(), reason="end_of_input")

    @property
    def voiced_s(self) -> float:
        """How long the resident has been voicing the utterance now open (barge-in's confirm time)."""
        return self._endpointer.voiced_s

    def reset_listening(self) -> None:
        """Forget any partial utterance."""
        self._endpointer.reset()
        self._resampler = None
        self._replace_judging(None)
        self._replace_early(None)

    def _replace_judging(self, judging: tuple[TurnCheck, RecognitionJob[str]] | None) -> None:
        previous, self._judging = self._judging, judging
        if previous is not None:  # a pause the resident spoke on after: its judgement is void
            previous[1].cancel()

    def _replace_early(self, early: tuple[int, RecognitionJob[TranscriptResult]] | None) -> None:
        with self._early_lock:
            previous, self._early = self._early, early
        if previous is not None:  # its audio will not be a turn's: drop it unless it has started
            previous[1].cancel()

    def _translate(self, events: list, reason: EndReason | None = None) -> list[Event]:
        out: list[Event] = []
        for event in events:
            if isinstance(event, TurnCheck):
                # Submitted as urgent as a finished turn: the endpointer holds the
                # turn's end until the judgement arrives.
                self._replace_judging((event, self._recognition.submit(Urgency.TURN_ENDED, self._partial,
                                                                       event.audio)))
            elif isinstance(event, SpeechPause):
                # Recognize now, while the trailing silence runs out: if the
                # turn ends with this same audio, the answer is that much sooner.
                self._replace_early((len(event.audio), self._recognition.submit(Urgency.EARLY, self._recognize,
                                                                               event.audio)))
            elif isinstance(event, SpeechStart):
                out.append(SpeechStarted(at_s=round(event.at_s, 3)))
            elif isinstance(event, TurnDecision):
                out.append(TurnDecided(at_s=round(event.at_s, 3), verdict=event.judgement.verdict,
                                       reason=str(event.judgement.reason), ends_after_ms=event.ends_after_ms))
            elif isinstance(event, SpeechEnd):
                out.append(SpeechEnded(at_s=round(event.at_s, 3), duration_s=round(len(event.audio) / 16000, 3),
                                       reason=event.reason if reason is None else reason,
                                       waited_ms=round((event.ended_s - event.at_s) * 1000, 1), audio=event.audio))
        return out

    # --- synchronous use (CLI, tests): listening and answering in one stream ----
    def feed_audio(self, samples: np.ndarray, sample_rate: int) -> EventStream:
        yield from self._with_replies(self.listen(samples, sample_rate))

    def finish_audio(self) -> EventStream:
        yield from self._with_replies(self.end_of_audio())

    def _with_replies(self, events: list[Event]) -> EventStream:
        for event in events:
            yield event
            if isinstance(event, SpeechEnded):
                yield from self.respond(event)

    def reset(self) -> None:
        """처음으로 / idle: forget the conversation and any partial utterance."""
        self.reset_listening()
        self.forget()

    # --- recognition off the lanes (barge-in) --------------------------------------
    def recognize(self, ended: SpeechEnded) -> Future[Transcript]:
        """Recognize an utterance on the recognition queue, from any thread: a short one
        spoken over a reply is judged without waiting behind the reply's synthesis.
        The recognition started early for this same audio is reused, not repeated."""
        if ended.audio is None:
            raise ValueError("recognize() needs the utterance's audio")
        recognized: Future[Transcript] = Future()

        def done(future: Future[TranscriptResult]) -> None:
            try:
                recognized.set_result(_transcript(future.result()))
            except Exception as err:  # delivered to whoever awaits it
                recognized.set_exception(err)

        self._turn_recognition(ended.audio).add_done_callback(done)
        return recognized

    def _turn_recognition(self, audio: np.ndarray) -> RecognitionJob[TranscriptResult]:
        """The recognition of a finished turn: the early one if it was of exactly this audio
        (promoted: the resident now waits for it), else a new job; an early one of other
        audio is dropped unless it has started."""
        with self._early_lock:
            early, self._early = self._early, None
        if early is not None and early[0] == len(audio):
            early[1].promote()
            return early[1]
        if early is not None:
            early[1].cancel()
        return self._recognition.submit(Urgency.TURN_ENDED, self._recognize, audio)

    def _recognize(self, audio: np.ndarray) -> TranscriptResult:
        return self.engine.transcriber.transcribe(audio)

    def _partial(self, audio: np.ndarray) -> str:
        return self.engine.transcriber.partial(audio)

    # --- the turn (the turn lane) -------------------------------------------------
    def _transcribe(self, audio: np.ndarray) -> TranscriptResult:
        return self._turn_recognition(audio).result()

    def respond(self, ended: SpeechEnded, heard: Transcript | None = None, *,
                continues: bool = False) -> EventStream:
        """Recognize one utterance and answer it; `heard`: it is recognized already (`recognize`).
        `continues`: it goes on with the last utterance heard (which was answered too soon),
        so the two are one question."""
        start = perf_counter()
        timings = {"endpoint": ended.waited_ms}
        # Until this utterance is heard, there is no last one to go on with.
        previous, self._last_heard = self._last_heard, None
        if heard is None:
            if ended.audio is None:
                raise ValueError("respond() needs the utterance's audio")
            heard = _transcript(self._transcribe(ended.audio))
            timings["stt"] = _ms(start)
        if continues and previous and not heard.rejected:
            heard = replace(heard, text=f"{previous} {heard.text}")
        yield heard
        if heard.rejected:
            log.info("transcript rejected: %s", heard.rejected)
            yield from self._deliver(Answer(prompts.DID_NOT_HEAR, prompts.DID_NOT_HEAR, "repeat"), timings, start)
            return
        self._last_heard = heard.text
        # A resident's words go to the log only at DEBUG and masked (docs/architecture.md, "Privacy").
        log.debug("heard: %s", mask_personal(heard.text))
        yield from self._answer(heard.text, timings, start,
                                preface=prompts.CUT_SHORT if ended.reason == "max_length" else "")

    def ask_text(self, text: str) -> EventStream:
        start = perf_counter()
        text = text.strip()
        if not text:
            yield from self._deliver(Answer(prompts.DID_NOT_HEAR, prompts.DID_NOT_HEAR, "repeat"), {}, start)
            return
        log.debug("asked: %s", mask_personal(text))
        yield from self._answer(text, {}, start)

    def say(self, text: str, kind: AnswerKind = "notice") -> EventStream:
        """Speak a fixed sentence (a greeting, a prompt, a handoff) as a turn of its own."""
        start = perf_counter()
        yield Answer(text, text, kind)
        timings: dict[str, float] = {}
        if self.speak:
            for chunk in self.prompt_chunks(text):
                timings.setdefault("first_audio", _ms(start))
                yield chunk
        timings["total"] = _ms(start)
        yield Timings(ms=timings)

    def prompt_chunks(self, text: str) -> list[ReplyAudio]:
        """A fixed sentence's audio, made once per process and speaking rate (`Engine.prompt_audio`)."""
        rate = self.engine.synthesizer.sample_rate
        return [ReplyAudio(samples=chunk, sample_rate=rate, index=index)
                for index, chunk in enumerate(self.engine.prompt_audio(text, self.length_scale))]

    def replay_or_say(self, text: str) -> EventStream:
        """다시 듣기 when there is an answer to repeat, otherwise `text` (nothing to repeat yet)."""
        if self._last_reply is not None:
            yield from self.replay()
        else:
            yield from self.say(text)

    def replay(self) -> EventStream:
        """다시 듣기: the last answer again, at the current speaking rate (nothing if there is none)."""
        if self._last_reply is not None:
            yield from self._deliver(self._last_reply, {}, perf_counter())

    def slower(self, factor: float = 1.25) -> None:
        """천천히: stretch speech for this session (length_scale > 1 is slower)."""
        self.length_scale = min(self.length_scale * factor, SLOWEST)

    def normal_rate(self) -> None:
        """보통 빠르기: back to the configured speaking rate."""
        self.length_scale = self.engine.settings.tts.length_scale

    def forget(self) -> None:
        """Forget what was said and answered, and the speaking rate."""
        self._last_reply = None
        self._last_heard = None
        self._context = None
        self.counsel.reset()
        self.length_scale = self.engine.settings.tts.length_scale

    def _answer(self, question: str, timings: dict, start: float, preface: str = "") -> EventStream:
        t = perf_counter()
        search = self.engine.retriever.search(question)
        timings["retrieval"] = _ms(t)
        yield ServicesFound(query=question, confidence=round(search.confidence, 3),
                            services=tuple(ServiceHit(h.service.id, h.service.name, round(h.score, 3))
                                           for h in search.hits))
        t = perf_counter()
        reply = self.counsel.reply(question) or self.engine.answerer.answer(
            question, [(h.service, h.score) for h in search.hits], search.confidence, self._context)
        if preface:
            reply = replace(reply, speech=f"{preface} {reply.speech}")
        timings["answer"] = _ms(t)
        yield from self._deliver(reply, timings, start)

    def _deliver(self, reply: Answer, timings: dict, start: float) -> EventStream:
        if self.speak_menu and reply.menu and not reply.speech.endswith(reply.menu):
            reply = replace(reply, speech=f"{reply.speech} {reply.menu}")
        self._last_reply = reply
        # Follow-up questions ("그건 얼마예요?") refer to the last service answered,
        # even across a clarifying question or a "did not hear".
        self._context = reply.service or self._context
        yield reply
        if self.speak:
            t = perf_counter()
            synthesizer = self.engine.synthesizer
            pieces = self._in_slots(synthesizer.synthesize(reply.speech, self.length_scale), synthesizer.sample_rate)
            for index, chunk in enumerate(pieces):
                if index == 0:
                    timings["tts_first_audio"] = _ms(t)
                    timings["first_audio"] = _ms(start)
                yield ReplyAudio(samples=chunk, sample_rate=synthesizer.sample_rate, index=index)
        timings["total"] = _ms(start)
        yield Timings(ms=timings)

    def _in_slots(self, pieces: Iterator[np.ndarray], sample_rate: int) -> Iterator[np.ndarray]:
        """Each piece made in one of the engine's shared synthesis slots, due when the audio
        before it will have played (the first piece: now)."""
        deadline = time.monotonic()
        playing_from: float | None = None
        queued_s = 0.0
        while True:
            with self.engine.synthesis.slot(deadline):
                chunk = next(pieces, None)
            if chunk is None:
                return
            playing_from = playing_from or time.monotonic()
            queued_s += len(chunk) / sample_rate
            deadline = playing_from + queued_s
            yield chunk


def _transcript(result: TranscriptResult) -> Transcript:
    return Transcript(text=result.text, confidence=round(result.confidence, 3), rejected=result.rejected)
