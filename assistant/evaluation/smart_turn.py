"""Pipecat's Smart Turn v3.2, measured on top of the grammar judge (not shipped).

An audio model of "has the speaker finished?": a Whisper-tiny encoder with a
classifier head (BSD-2-Clause, Daily), as ONNX inside the `pipecat-ai` wheel
(`pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx`). It reads the
last 8 s of the utterance as an 80-band log-mel spectrogram of the zero-mean,
unit-variance waveform and returns the probability that the turn is complete.

`GrammarThenSmartTurn` asks it only where the grammar is unsure. It did not
measurably help on Korean (docs/turn-taking.md), so the product does not use it
and the model is not vendored; `assistant eval endpointing --policy
grammar+smart-turn --smart-turn-model FILE` measures it again on any manifest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio import ENGINE_RATE
from ..stt.turn_end import TurnJudge, TurnJudgement, TurnReason

WINDOW_S = 8


class SmartTurn:
    def __init__(self, model_path: Path):
        import onnxruntime as ort
        from faster_whisper.feature_extractor import FeatureExtractor

        options = ort.SessionOptions()
        # One thread: recognition needs the other core.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model_path), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._features = FeatureExtractor(feature_size=80, chunk_length=WINDOW_S)

    def probability(self, audio: np.ndarray) -> float:
        """Probability that the utterance in `audio` (float32 16 kHz) is finished."""
        samples = WINDOW_S * ENGINE_RATE
        audio = np.asarray(audio, dtype=np.float32).ravel()[-samples:]
        audio = np.pad(audio, (samples - len(audio), 0))  # older speech is silence
        audio = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
        features = self._features(audio, padding=0)[:, :samples // self._features.hop_length]
        (probability,), = self._session.run(None, {"input_features": features[None].astype(np.float32)})[0]
        return float(probability)


class GrammarThenSmartTurn:
    """The grammar judge first; where it is unsure, Smart Turn's probability decides."""

    def __init__(self, grammar: TurnJudge, smart_turn: SmartTurn, complete_above: float = 0.5,
                 veto_below: float | None = None):
        """`veto_below`: also overrule a grammatical "complete" that Smart Turn
        scores below this (a recognizer that invented an ending for a cut word)."""
        self._grammar = grammar
        self._smart_turn = smart_turn
        self._complete_above = complete_above
        self._veto_below = veto_below

    def judge(self, text: str, audio: np.ndarray) -> TurnJudgement:
        judgement = self._grammar.judge(text)
        if judgement.verdict == "complete" and self._veto_below is not None:
            probability = self._smart_turn.probability(audio)
            if probability < self._veto_below:
                return TurnJudgement("incomplete", TurnReason.AUDIO_INCOMPLETE, f"smart_turn={probability:.2f}")
            return judgement
        if judgement.verdict != "unsure":
            return judgement
        probability = self._smart_turn.probability(audio)
        if probability > self._complete_above:
            return TurnJudgement("complete", TurnReason.AUDIO_COMPLETE, f"smart_turn={probability:.2f}")
        return TurnJudgement("incomplete", TurnReason.AUDIO_INCOMPLETE, f"smart_turn={probability:.2f}")
