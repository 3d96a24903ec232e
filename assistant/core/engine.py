"""Everything loaded once per process and shared by all conversation sessions.

The knowledge base and index load at once (well under a second); the speech
models load in a background thread, so a process answers typed questions at
once and spoken ones as soon as the models are ready.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Sequence

import numpy as np

from ..answer.answerer import Answerer
from ..config import Settings
from ..corpus.store import load_corpus
from ..counsel.advisor import Advisor
from ..retrieval.retriever import Retriever
from ..stt.queue import RecognitionQueue
from ..tts.slots import SynthesisSlots

log = logging.getLogger(__name__)

# Fixed sentences kept in memory: a few per channel and speaking rate, plus handoffs.
MAX_PROMPTS = 256


@functools.cache
def _warn_once(message: str) -> None:
    """Each distinct warning once per process: every engine of a process (one per scenario
    group in run-script, one per test module) would otherwise repeat the same paragraph."""
    log.warning(message)


class Engine:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.corpus = load_corpus(settings.corpus.dir)
        self.retriever = Retriever.load(self.corpus, settings.retrieval)
        self.answerer = Answerer(self.corpus, settings)
        self.advisor = Advisor(list(self.corpus.services), self.retriever, self.answerer,
                               (settings.retrieval.locale, settings.retrieval.province))
        self._load_lock = threading.Lock()
        # Every conversation's utterances are recognized here, the most urgent first;
        # their replies are synthesized a piece per core at a time, the piece due first first.
        self.recognition = RecognitionQueue()
        self.synthesis = SynthesisSlots(os.cpu_count() or 1)
        self._models: dict[str, object] = {}
        # Fixed sentences (prompts, greetings, handoffs) are synthesized once per speaking rate.
        self._prompt_audio: dict[tuple[str, float], tuple[np.ndarray, ...]] = {}
        self._prompt_lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings | None = None) -> Engine:
        return cls(settings or Settings.load())

    def warm_up(self, *, speech: bool = True, tts: bool = True, background: bool = True,
                prompts: Sequence[str] = ()) -> threading.Thread | None:
        """Load the speech models now (or in the background) instead of on the first turn,
        and synthesize the channel's fixed `prompts` so that no resident waits for them.

        A missing or corrupt model is reported here, at start-up, never mid-conversation.
        """

        def load() -> None:
            # The morphological analyzer loads on first use (seconds); the first
            # resident should not wait for it.
            self.retriever.analyzer.analyze("기초연금")
            if speech:
                self.transcriber  # noqa: B018
            if tts:
                self.synthesizer  # noqa: B018
                for text in prompts:
                    self.prompt_audio(text, self.settings.tts.length_scale)

        if not background:
            load()
            return None
        thread = threading.Thread(target=load, name="model-warm-up", daemon=True)
        thread.start()
        return thread

    def _shared(self, name: str, load):
        # One lock for all models: a session asking while warm-up is loading
        # waits for that load instead of starting a second one.
        with self._load_lock:
            if name not in self._models:
                self._models[name] = load()
            return self._models[name]

    def prompt_audio(self, text: str, length_scale: float) -> tuple[np.ndarray, ...]:
        """A fixed sentence's audio chunks (int16, the synthesizer's rate), made on first use."""
        key = (text, length_scale)
        with self._prompt_lock:
            cached = self._prompt_audio.get(key)
        if cached is None:
            # Two sessions asking at once may both synthesize; both results are the same.
            cached = tuple(self.synthesizer.synthesize(text, length_scale))
            with self._prompt_lock:
                if len(self._prompt_audio) >= MAX_PROMPTS:
                    self._prompt_audio.pop(next(iter(self._prompt_audio)))
                self._prompt_audio[key] = cached
        return cached

    @property
    def turn_judge(self):
        """Judges whether a pause ends the turn (Kiwi grammar; the corpus's service names are whole replies)."""
        from ..stt.turn_end import TurnJudge

        return self._shared("turn-judge", lambda: TurnJudge(s.name for s in self.corpus.services))

    @property
    def transcriber(self):
        from ..stt.transcriber import Transcriber

        return self._shared("stt", lambda: Transcriber.load(self.settings.stt))

    @property
    def synthesizer(self):
        from ..tts.synthesizer import Synthesizer

        def load():
            synthesizer = Synthesizer.load(self.settings.tts)
            if synthesizer.warning:
                _warn_once(synthesizer.warning)
            return synthesizer

        return self._shared("tts", load)
