"""Korean speech to text with faster-whisper on the CPU.

Load one `Transcriber` per process and share it: the CTranslate2 model runs
with a single worker, so calls from several threads (several sessions) are
safe and are served one after another; each call gets all `cpu_threads`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from time import perf_counter

import numpy as np

from ..audio import ENGINE_RATE
from ..config import SttSettings
from .guard import Segment, judge
from .model_files import INSTALL_HINT, ModelFilesError, check_model_dir

log = logging.getLogger(__name__)
# faster-whisper logs every call at INFO ("Processing audio with duration …").
logging.getLogger("faster_whisper").setLevel(logging.WARNING)

# Decoding choices, measured on the speech evaluation set (docs/speech-recognition.md).
_DECODING = dict(
    # Each utterance stands alone: conditioning on earlier text is how one
    # hallucination turns into a loop.
    condition_on_previous_text=False,
    vad_filter=True,
    # Whisper's own rule: a segment is silence when the no-speech probability
    # is high and the decoder is unsure of its words.
    no_speech_threshold=0.6,
    log_prob_threshold=-1.0,
    compression_ratio_threshold=2.4,
)
# Below this, a transcript is more likely noise read as words than speech:
# real speech scores 0.28 or more (also by phone), hallucinations on noise
# under 0.07 (docs/speech-recognition.md).
MIN_CONFIDENCE = 0.2


@dataclass(frozen=True)
class TranscriptResult:
    text: str
    confidence: float  # 0..1
    rejected: str | None  # why no usable text came out (silence, noise, hallucination)
    audio_s: float
    elapsed_s: float

    @property
    def rtf(self) -> float:
        return self.elapsed_s / self.audio_s if self.audio_s else 0.0


class Transcriber:
    def __init__(self, model, settings: SttSettings):
        self._model = model
        self.settings = settings

    @classmethod
    def load(cls, settings: SttSettings) -> Transcriber:
        """Load the model in `settings.model_dir`; ModelFilesError says what is missing."""
        from faster_whisper import WhisperModel

        check_model_dir(settings.model_dir)
        started = perf_counter()
        try:
            model = WhisperModel(str(settings.model_dir), device="cpu", compute_type=settings.compute_type,
                                 cpu_threads=settings.cpu_threads, num_workers=1)
        except (RuntimeError, ValueError) as err:
            raise ModelFilesError(f"cannot load speech model from {settings.model_dir} ({err}); "
                                  f"it may be damaged: {INSTALL_HINT}") from err
        log.info("speech model %s loaded in %.1f s", settings.model_dir.name, perf_counter() - started)
        return cls(model, settings)

    def transcribe(self, audio: np.ndarray) -> TranscriptResult:
        """Float32 mono 16 kHz audio -> text, or a rejection reason when nothing usable was said."""
        audio = np.asarray(audio, dtype=np.float32).ravel()
        audio_s = len(audio) / ENGINE_RATE
        started = perf_counter()
        if not audio.size or not np.any(audio):
            return TranscriptResult("", 0.0, "no speech", audio_s, perf_counter() - started)
        segments, _ = self._model.transcribe(audio, language=self.settings.language,
                                             beam_size=self.settings.beam_size, **_DECODING)
        decoded = [Segment(s.text, s.avg_logprob, s.no_speech_prob, s.end - s.start) for s in segments]
        verdict = judge(decoded, MIN_CONFIDENCE)
        return TranscriptResult(verdict.text, verdict.confidence, verdict.rejected, audio_s,
                                perf_counter() - started)
