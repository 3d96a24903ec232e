"""Korean speech to text with faster-whisper on the CPU.

Load one `Transcriber` per process and share it: calls from several threads
(several sessions) are safe and are served one after another; each call gets
all `cpu_threads`. Live adapters reach it through the recognition queue
(`queue.py`), which decides whose utterance goes first.

Whisper's encoder reads 30 s windows, padded with silence; most of that cost
is spent on the padding of a 3 s question. The encoder here reads only a
window that holds the utterance (`stt.encoder_window_s`, docs/speech-recognition.md).
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from difflib import SequenceMatcher
from time import perf_counter

import numpy as np

from ..audio import ENGINE_RATE
from ..config import SttSettings
from .guard import Segment, is_sign_off, judge
from .model_files import INSTALL_HINT, ModelFilesError, check_model_dir

log = logging.getLogger(__name__)
# faster-whisper logs every call at INFO ("Processing audio with duration …").
logging.getLogger("faster_whisper").setLevel(logging.WARNING)

# Decoding choices, measured on the speech evaluation set (docs/speech-recognition.md).
_DECODING = dict(
    # Each utterance stands alone: conditioning on earlier text is how one
    # hallucination turns into a loop.
    condition_on_previous_text=False,
    # Beam search only. faster-whisper's default re-decodes a hard segment by
    # random sampling at rising temperatures, so the same clip could give
    # another text from one run to the next; without sampling the same audio
    # always gives the same text, at the same CER (docs/speech-recognition.md).
    temperature=0.0,
    vad_filter=True,
    # Whisper's own rule: a segment is silence when the no-speech probability
    # is high and the decoder is unsure of its words.
    no_speech_threshold=0.6,
    log_prob_threshold=-1.0,
    compression_ratio_threshold=2.4,
)
# A partial transcript (for judging the end of a turn) reads only the end of
# the utterance, through an encoder window this long instead of Whisper's 30 s:
# the encoder's cost grows faster than its window (self-attention), so an
# 8 s window costs about a fifteenth of a 30 s one (README, turn-taking doc).
PARTIAL_WINDOW_S = 8.0
# Decoding a short window can loop ("75. 75. 75."): no 3-gram twice, and
# about as many tokens as a fast speaker says in that time.
_PARTIAL_NO_REPEAT_NGRAM = 3
_PARTIAL_TOKENS_PER_S = 8
# Silence after the speech in the window, so the decoder sees the utterance end.
_PARTIAL_TAIL_S = 1.5
# A second reading of the utterance: its first letters match the start's this well.
_RESTART_LETTERS = 8
_RESTART_SIMILARITY = 0.6
# Below this, a transcript is more likely noise read as words than speech:
# real speech scores 0.28 or more (also by phone), hallucinations on noise
# under 0.07 (docs/speech-recognition.md).
MIN_CONFIDENCE = 0.2
# Whisper's own window: the longest the encoder reads at once.
WHISPER_WINDOW_S = 30


def encoder_window_s(audio_s: float, settings: SttSettings) -> int:
    """The window, in whole seconds, the encoder reads for `audio_s` of audio: never shorter
    than the audio (a window shorter than the utterance cuts it into windows, and the decoder
    garbles the pieces: CER 0.14 with fixed 8 s windows, docs/speech-recognition.md)."""
    fitted = math.ceil(audio_s + settings.window_margin_s)
    return min(WHISPER_WINDOW_S, max(settings.encoder_window_s, fitted))


@dataclass(frozen=True)
class TimedWord:
    text: str
    start_s: float
    end_s: float


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


def _first_pass(text: str) -> str:
    """The text up to where a looping decoder starts the utterance over.

    A short window sometimes reads the utterance twice ("국내 브랜드인가요?
    국내 브랜딩까요? 국내…", "장기자랑 1등은 우리 차지야. 장기 자랑 1 등은");
    the second pass is cut off wherever the token budget ran out, so its ending
    says nothing. A restart is a later word that begins like the first one (its
    first two characters) from which the letters run on much like the
    utterance's own start, spaced and misheard differently. A word said again
    is no restart ("카드 분실신고를 … 카드 주인이"): cutting there left the
    judge a clause that ends in a particle."""
    words = text.split()
    head = words[0][:2] if words else ""
    start = _letters_of(" ".join(words))
    for i in range(2, len(words)):
        if head and words[i].startswith(head):
            rest = _letters_of(" ".join(words[i:]))[:_RESTART_LETTERS]
            if SequenceMatcher(None, rest, start[:len(rest)], autojunk=False).ratio() >= _RESTART_SIMILARITY:
                return " ".join(words[:i])
    return text


def _letters_of(text: str) -> str:
    return "".join(char for char in text if char.isalnum())


def _windowed_whisper_class():
    from faster_whisper import WhisperModel

    class WindowedWhisper(WhisperModel):
        """faster-whisper's model with an encoder that reads only the call's window.

        `transcribe(chunk_length=s)` makes faster-whisper (1.2.1) decode in s-second
        windows (its feature extractor's `nb_max_frames`), but it still pads every
        window's features to 3,000 frames (30 s) before encoding them. CTranslate2
        encodes shorter inputs (since its PR #1446), so the padding is cut off here
        and the decoder attends to the frames that hold the audio only."""

        def encode(self, features):
            return super().encode(features[..., :self.feature_extractor.nb_max_frames])

    return WindowedWhisper


class Transcriber:
    def __init__(self, model, settings: SttSettings):
        self._model = model
        self.settings = settings
        # The window is set on the model's shared feature extractor for the
        # length of a call, so calls run one at a time (CTranslate2 ran them one
        # at a time anyway: the model has a single worker).
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: SttSettings) -> Transcriber:
        """Load the model in `settings.model_dir`; ModelFilesError says what is missing."""
        check_model_dir(settings.model_dir)
        started = perf_counter()
        try:
            model = _windowed_whisper_class()(str(settings.model_dir), device="cpu", compute_type=settings.compute_type,
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
        with self._lock:
            segments, _ = self._model.transcribe(audio, language=self.settings.language,
                                                 beam_size=self.settings.beam_size,
                                                 chunk_length=encoder_window_s(audio_s, self.settings), **_DECODING)
            # The segments are decoded as they are read.
            decoded = [Segment(s.text, s.avg_logprob, s.no_speech_prob, s.end - s.start, s.end) for s in segments]
        verdict = judge(decoded, MIN_CONFIDENCE, audio_s)
        return TranscriptResult(verdict.text, verdict.confidence, verdict.rejected, audio_s,
                                perf_counter() - started)

    def words(self, audio: np.ndarray) -> list[TimedWord]:
        """The recognized words with their times in `audio` (Whisper's word
        timestamps, aligned from its cross-attention: good to about 0.1 s)."""
        audio = np.asarray(audio, dtype=np.float32).ravel()
        with self._lock:
            segments, _ = self._model.transcribe(audio, language=self.settings.language,
                                                 beam_size=self.settings.beam_size, word_timestamps=True,
                                                 chunk_length=encoder_window_s(len(audio) / ENGINE_RATE,
                                                                               self.settings),
                                                 **_DECODING)
            return [TimedWord(w.word.strip(), float(w.start), float(w.end))
                    for segment in segments for w in segment.words or () if w.word.strip()]

    def partial(self, audio: np.ndarray) -> str:
        """A quick transcript of how `audio` ends, for judging whether the turn is over.

        A full transcription's encoder reads at least `stt.encoder_window_s`;
        here it reads at most the last `PARTIAL_WINDOW_S`, padded
        only to the next half second (plus a little silence). About a quarter
        of a full transcription's time (docs/turn-taking.md); the words are
        less exact, but the judge reads only how the utterance ends. Beam
        search, as for full transcripts: greedy decoding was 10 % faster but
        invented endings for cut words ("사지" read as "쥬"), cutting off
        twice as many paused sentences."""
        import ctranslate2

        audio = np.asarray(audio, dtype=np.float32).ravel()[-int(PARTIAL_WINDOW_S * ENGINE_RATE):]
        if not audio.size or not np.any(audio):
            return ""
        window_s = min(PARTIAL_WINDOW_S, np.ceil(len(audio) / ENGINE_RATE * 2) / 2 + _PARTIAL_TAIL_S)
        audio = np.pad(audio, (0, int(window_s * ENGINE_RATE) - len(audio)))
        extractor = self._model.feature_extractor
        tokenizer = self._tokenizer()
        prompt = [tokenizer.sot, tokenizer.language, tokenizer.transcribe, tokenizer.no_timestamps]
        whisper = self._model.model
        with self._lock:
            features = extractor(audio, padding=0)[:, :int(window_s * ENGINE_RATE) // extractor.hop_length]
            encoded = whisper.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None])))
            # No confidence threshold: a short first half ("라디오") decodes with a
            # low score, yet its ending is what the judge needs.
            result = whisper.generate(encoded, [prompt], beam_size=self.settings.beam_size,
                                      no_repeat_ngram_size=_PARTIAL_NO_REPEAT_NGRAM,
                                      max_length=len(prompt) + int(window_s * _PARTIAL_TOKENS_PER_S) + 8)[0]
        text = tokenizer.decode([t for t in result.sequences_ids[0] if t < tokenizer.eot])
        text = _first_pass(text.replace("\ufffd", "").strip())
        return "" if is_sign_off(text) else text

    def _tokenizer(self):
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe",
                         language=self.settings.language)
