"""Settings for every stage, validated once at start-up.

Defaults work on the embedded models. A deployer overrides them in a TOML file
(`assistant.toml` in the project root, or the path in $ASSISTANT_CONFIG), one
table per section, for example:

    [stt]
    model_dir = "/opt/models/whisper-large-v3-turbo"

    [retrieval]
    locale = "시흥시"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CorpusSettings(_Section):
    dir: Path = PROJECT_ROOT / "corpus"
    source_dir: Path = PROJECT_ROOT.parent / "shared" / "data" / "welfare"


class RetrievalSettings(_Section):
    # The kiosk's own municipality: its services rank first when they answer
    # the question, then its province's, then national ones.
    locale: str = "시흥시"
    province: str = "경기도"
    index_dir: Path = PROJECT_ROOT / ".cache" / "index"
    top_k: int = 5
    min_confidence: float = Field(0.35, description="below this, ask a clarifying question")


class VadSettings(_Section):
    threshold: float = 0.5
    # Elderly speakers pause mid-sentence; only a longer silence ends the turn.
    trailing_silence_ms: int = 800
    max_turn_s: float = 30.0
    min_speech_ms: int = 250
    preroll_ms: int = 300


class SttSettings(_Section):
    model_dir: Path = PROJECT_ROOT / "models" / "whisper-base"
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 5
    language: str = "ko"


class TtsSettings(_Section):
    voices_dir: Path = PROJECT_ROOT / "voices"
    # None: a Korean voice if one is installed, otherwise the best available one.
    voice: str | None = None
    length_scale: float = 1.0


class AnswerSettings(_Section):
    engine: Literal["auto", "extractive", "llm"] = "auto"
    llm_dir: Path = PROJECT_ROOT / "models" / "llm"


class Settings(_Section):
    corpus: CorpusSettings = CorpusSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    vad: VadSettings = VadSettings()
    stt: SttSettings = SttSettings()
    tts: TtsSettings = TtsSettings()
    answer: AnswerSettings = AnswerSettings()
    # The community center's own line, for "상담원 연결" and DTMF 0.
    office_phone: str = "031-310-2114"

    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        path = path or Path(os.environ.get("ASSISTANT_CONFIG", PROJECT_ROOT / "assistant.toml"))
        if not path.exists():
            return cls()
        with path.open("rb") as f:
            return cls.model_validate(tomllib.load(f))
