"""The state the resident should hear, not only see: a short spoken "생각 중".

After a spoken question the kiosk says "네, 찾아볼게요." at once, while the
question is being recognized and answered, so a resident who is not watching
the screen knows they were heard. It is synthesized once per process, in the
background when the first page connects, so no turn ever waits for it.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from assistant.core.engine import Engine
from assistant.core.events import ReplyAudio

log = logging.getLogger(__name__)

THINKING = "네, 찾아볼게요."


class Cues:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._started = False
        self.thinking: ReplyAudio | None = None  # None until rendered (or without a voice)

    def prepare_in_background(self) -> None:
        if not self._started:
            self._started = True
            threading.Thread(target=self._render, name="kiosk-cues", daemon=True).start()

    def _render(self) -> None:
        try:
            synthesizer = self._engine.synthesizer
            chunks = list(synthesizer.synthesize(THINKING, self._engine.settings.tts.length_scale))
        except Exception:  # no voice: the kiosk still answers, on screen
            log.exception("could not render the spoken cue")
            return
        if chunks:
            self.thinking = ReplyAudio(samples=np.concatenate(chunks), sample_rate=synthesizer.sample_rate)
