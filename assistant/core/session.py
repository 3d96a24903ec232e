"""One conversation: audio frames or typed text in, typed events out.

Every adapter (CLI, kiosk, phone bridge, script runner) drives this class and
only translates its events to its own I/O. A session is cheap: the models live
in the shared `Engine`.

Live audio has two halves so that an adapter can keep listening while a reply
plays (barge-in): `listen()` runs endpointing only and returns at once;
`respond(ended)` runs recognition, retrieval, answer and speech for one
utterance as a generator that the adapter may stop at any event. `feed_audio()`
chains both for adapters that do not overlap them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from time import perf_counter

import numpy as np

from ..answer.answerer import DID_NOT_HEAR
from ..audio import StreamResampler, to_mono_float
from ..config import VadSettings
from ..corpus.schema import Service
from ..privacy import mask_personal
from ..stt.endpointer import Endpointer, SpeechPause, SpeechStart
from .engine import Engine
from .events import (
    Answer,
    Event,
    ReplyAudio,
    ServiceHit,
    ServicesFound,
    SpeechEnded,
    SpeechStarted,
    Timings,
    Transcript,
)

log = logging.getLogger(__name__)

CUT_SHORT = "말씀이 길어서 앞부분까지 듣고 답해 드릴게요."
SLOWEST = 2.0


def _ms(since: float) -> float:
    return round((perf_counter() - since) * 1000, 1)


class Session:
    def __init__(self, engine: Engine, *, speak: bool = True, length_scale: float | None = None,
                 vad: VadSettings | None = None):
        self.engine = engine
        self.speak = speak
        self.length_scale = length_scale or engine.settings.tts.length_scale
        self._vad = vad or engine.settings.vad
        self._endpointer = Endpointer(self._vad)
        self._resampler: StreamResampler | None = None
        self._last_reply: Answer | None = None
        self._context: Service | None = None
        self._early: tuple[int, Future] | None = None  # (audio length, early recognition)

    # --- live audio -------------------------------------------------------
    def listen(self, samples: np.ndarray, sample_rate: int) -> list[Event]:
        """Endpointing only: int16 or float frames, any rate, mono or (n, channels)."""
        if self._resampler is None or self._resampler.from_rate != sample_rate:
            self._resampler = StreamResampler(sample_rate)
        frame = self._resampler(to_mono_float(samples))
        return self._translate(self._endpointer.process(frame))

    def end_of_audio(self) -> list[Event]:
        """The input stream ended: close an utterance still open."""
        return self._translate(self._endpointer.flush())

    def feed_audio(self, samples: np.ndarray, sample_rate: int) -> Iterator[Event]:
        yield from self._with_replies(self.listen(samples, sample_rate))

    def finish_audio(self) -> Iterator[Event]:
        yield from self._with_replies(self.end_of_audio())

    def _with_replies(self, events: list[Event]) -> Iterator[Event]:
        for event in events:
            yield event
            if isinstance(event, SpeechEnded):
                yield from self.respond(event)

    def _translate(self, events: list) -> list[Event]:
        out: list[Event] = []
        for event in events:
            if isinstance(event, SpeechPause):
                # Recognize now, while the trailing silence runs out: if the
                # turn ends with this same audio, the answer is that much sooner.
                self._early = (len(event.audio), self.engine.background.submit(
                    self.engine.transcriber.transcribe, event.audio))
            elif isinstance(event, SpeechStart):
                out.append(SpeechStarted(at_s=round(event.at_s, 3)))
            else:
                out.append(SpeechEnded(at_s=round(event.at_s, 3), duration_s=round(len(event.audio) / 16000, 3),
                                       reason=event.reason, audio=event.audio))
        return out

    def _transcribe(self, audio: np.ndarray):
        early, self._early = self._early, None
        if early is not None and early[0] == len(audio):
            return early[1].result()
        return self.engine.transcriber.transcribe(audio)

    def respond(self, ended: SpeechEnded) -> Iterator[Event]:
        """Recognize one utterance and answer it."""
        start = perf_counter()
        timings = {"endpoint": float(self._vad.trailing_silence_ms if ended.reason == "silence" else 0)}
        result = self._transcribe(ended.audio)
        timings["stt"] = _ms(start)
        yield Transcript(text=result.text, confidence=round(result.confidence, 3), rejected=result.rejected)
        if result.rejected:
            log.info("transcript rejected: %s", result.rejected)
            yield from self._deliver(Answer(DID_NOT_HEAR, DID_NOT_HEAR, "repeat"), timings, start)
            return
        log.info("heard: %s", mask_personal(result.text))
        yield from self._answer(result.text, timings, start,
                                preface=CUT_SHORT if ended.reason == "max_length" else "")

    # --- text and controls ---------------------------------------------------
    def ask_text(self, text: str) -> Iterator[Event]:
        start = perf_counter()
        text = text.strip()
        if not text:
            yield from self._deliver(Answer(DID_NOT_HEAR, DID_NOT_HEAR, "repeat"), {}, start)
            return
        yield from self._answer(text, {}, start)

    def say(self, text: str) -> Iterator[Event]:
        """Speak a fixed notice (a greeting, a transfer message) as a turn of its own."""
        yield from self._deliver(Answer(text, text, "notice"), {}, perf_counter(), remember=False)

    def replay(self) -> Iterator[Event]:
        """다시 듣기: the last answer again, at the current speaking rate."""
        if self._last_reply is not None:
            yield from self._deliver(self._last_reply, {}, perf_counter())

    def slower(self, factor: float = 1.25) -> None:
        """천천히: stretch speech for this session (length_scale > 1 is slower)."""
        self.length_scale = min(self.length_scale * factor, SLOWEST)

    def reset(self) -> None:
        """처음으로 / idle: forget the conversation and any partial utterance."""
        self._last_reply = None
        self._context = None
        self._early = None
        self._endpointer.reset()
        self._resampler = None
        self.length_scale = self.engine.settings.tts.length_scale

    # --- the turn ---------------------------------------------------------------
    def _answer(self, question: str, timings: dict, start: float, preface: str = "") -> Iterator[Event]:
        t = perf_counter()
        search = self.engine.retriever.search(question)
        timings["retrieval"] = _ms(t)
        yield ServicesFound(query=question, confidence=round(search.confidence, 3),
                            services=tuple(ServiceHit(h.service.id, h.service.name, round(h.score, 3))
                                           for h in search.hits))
        t = perf_counter()
        reply = self.engine.answerer.answer(question, [(h.service, h.score) for h in search.hits],
                                            search.confidence, self._context)
        if preface:
            reply = replace(reply, speech=f"{preface} {reply.speech}")
        timings["answer"] = _ms(t)
        yield from self._deliver(reply, timings, start)

    def _deliver(self, reply: Answer, timings: dict, start: float, remember: bool = True) -> Iterator[Event]:
        if remember:
            self._last_reply = reply
            # Follow-up questions ("그건 얼마예요?") refer to the last service answered,
            # even across a clarifying question or a "did not hear".
            self._context = reply.service or self._context
        yield reply
        if self.speak:
            t = perf_counter()
            synthesizer = self.engine.synthesizer
            for index, chunk in enumerate(synthesizer.synthesize(reply.speech, self.length_scale)):
                if index == 0:
                    timings["tts_first_audio"] = _ms(t)
                    timings["first_audio"] = _ms(start)
                yield ReplyAudio(samples=chunk, sample_rate=synthesizer.sample_rate, index=index)
        timings["total"] = _ms(start)
        yield Timings(ms=timings)
