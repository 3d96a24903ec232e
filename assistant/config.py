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

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, SecretStr, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "assistant.toml"


class SettingsError(ValueError):
    """A settings file that cannot be used, with a message naming the file and the problem."""


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
    # Confidence is the probability that the first service is right; at 0.6,
    # 92 % of the answers given without a clarifying question are about the
    # right program (out of fold on the training questions, docs/retrieval.md).
    min_confidence: float = Field(0.6, description="below this, ask a clarifying question")
    # Rank by meaning too (a sentence encoder; about 12 ms a question), not
    # only by the words a question shares with a record.
    semantic: bool = True
    # Rerank with the ranking learned from labeled questions
    # (`assistant corpus train`, corpus/ranker.npz); needs `semantic`.
    learned: bool = True
    # The labeled questions it is trained from (their training part only),
    # also when the corpus changed since it was stored.
    training_qa: Path = PROJECT_ROOT.parent / "shared" / "eval" / "retrieval_dev.jsonl"


class VadSettings(_Section):
    threshold: float = 0.5
    # Elderly speakers pause mid-sentence; only a longer silence ends the turn.
    trailing_silence_ms: int = 800
    max_turn_s: float = 30.0
    min_speech_ms: int = 250
    preroll_ms: int = 300
    # Recognition starts after this much silence, while the turn may still go
    # on; if the resident speaks again the early result is dropped. 0 turns it
    # off. Below preroll_ms it would not hear the whole utterance.
    early_transcribe_ms: int = 350
    # Turn-end judging (stt/turn_end.py) reads the early transcript: a finished
    # sentence ends the turn at once, an unfinished one ("…는데", "…을") is
    # given this much silence before the turn ends; otherwise trailing_silence_ms.
    judge_turn_end: bool = True
    incomplete_silence_ms: int = 2000
    # When the partial transcript for the judge is taken: it needs only how the
    # speech ended, not the turn's whole tail (preroll_ms), so it may come
    # before early_transcribe_ms. With a partial of about 150 ms a finished
    # turn then ends about when its tail is in (docs/turn-taking.md).
    judge_after_ms: int = 200


class SttSettings(_Section):
    model_dir: Path = PROJECT_ROOT / "models" / "whisper-base"
    compute_type: str = "int8"
    # One thread: an OpenMP pool of two waits at every step for its slower
    # thread, so anything else running on a 2-core machine (the kiosk's browser,
    # another call's synthesis) made a recognition take seconds; one thread
    # only slows down by its share, and early recognition hides its cost
    # (docs/phone.md, "Capacity").
    cpu_threads: int = Field(1, ge=1)
    # The encoder reads at least this many seconds (Whisper's own is 30, most
    # of it silence for a question); an utterance longer than that, itself
    # plus `window_margin_s`, so it is never cut into windows (at most 30 s).
    # Measured per window in docs/speech-recognition.md.
    encoder_window_s: int = Field(15, ge=1, le=30)
    window_margin_s: float = Field(2.0, ge=0)
    beam_size: int = 5
    language: str = "ko"


class TtsSettings(_Section):
    voices_dir: Path = PROJECT_ROOT / "voices"
    # None: the best Korean voice in voices/manifest.json (a native Korean Piper
    # voice, else Kokoro), espeak-ng Korean only when none is listed.
    voice: str | None = None
    length_scale: float = 1.0
    # One thread per synthesis: recognition and other sessions share the 2 cores.
    threads: int = Field(1, ge=1)
    # Synthesized pieces kept for reuse; 0 turns the cache off.
    cache_dir: Path = PROJECT_ROOT / ".cache" / "tts"
    cache_max_mb: int = Field(200, ge=0)


class AnswerSettings(_Section):
    engine: Literal["auto", "extractive", "llm"] = "auto"
    llm_dir: Path = PROJECT_ROOT / "models" / "llm"


class PhoneVadSettings(VadSettings):
    """Endpointing for calls: a subclass, so a partial [phone.vad] table keeps these defaults."""

    # Callers expect a quicker turn than at a kiosk. Barge-in must stop a reply
    # within 300 ms of the caller's first syllable, so a speech start is
    # confirmed after 100 ms (three 32 ms windows): long enough to pass over
    # a click on the line, measured in docs/phone.md ("Barge-in").
    trailing_silence_ms: int = 700
    min_speech_ms: int = 100


class PhoneSettings(_Section):
    """The telephony bridge (`assistant phone`): Asterisk AudioSocket calls."""

    listen: str = "127.0.0.1:9092"
    # Spoken when the caller presses 0; None: the center's office_phone.
    human_line: str | None = None
    # After the transfer message: "hangup" ends the AudioSocket leg (the
    # dialplan goes on after AudioSocket()), "stay" keeps the caller talking.
    transfer_action: Literal["hangup", "stay"] = "hangup"
    idle_timeout_s: float = Field(60.0, gt=0, description="caller silent this long: goodbye and hang up")
    max_calls: int = Field(4, ge=1, description="calls beyond this hear a busy notice")
    # The assistant's own voice coming back on the line is not the caller speaking (stt/echo.py).
    echo_guard: bool = True
    # host:port of the HTTP health check (GET /health, see adapters/phone/health.py); None: none.
    health_listen: str | None = None
    vad: PhoneVadSettings = PhoneVadSettings()


class KioskSettings(_Section):
    """The community-center kiosk (`assistant kiosk`): local page, microphone, speaker."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # "device": the kiosk's own microphone and speaker (sounddevice);
    # "browser": the page's microphone over the socket, replies played by the page.
    # Without a usable device the kiosk falls back to "browser" and says so.
    audio_source: Literal["device", "browser"] = "device"
    input_device: int | str | None = None
    output_device: int | str | None = None
    # Starting mode: push-to-talk (one big button) unless hands-free is set.
    hands_free: bool = False
    # No input for this long: the conversation is wiped from screen and memory.
    idle_reset_s: float = Field(90.0, gt=0)
    # After 말하기, nothing said this long: the kiosk asks once whether the resident wants
    # to say something, then stops listening after as long again. None: it listens on.
    listen_prompt_s: float | None = Field(8.0, gt=0)
    # Clients beyond loopback allowed to open the page, as networks ("192.168.10.0/24").
    allowed_networks: tuple[IPvAnyNetwork, ...] = ()
    # The physical screen, for the 12 mm glyph rule: its diagonal in inches and its
    # resolution in device pixels give pixels per millimetre, hence the page's root size.
    screen_diagonal_in: float = Field(21.5, gt=3, le=120)
    screen_resolution: tuple[int, int] = (1920, 1080)
    min_glyph_mm: float = Field(12.0, gt=0)
    # The staff page (`/staff`) for the office PC: off unless a token is set. Only
    # these networks (and this machine) may open it, and every request must carry the token.
    staff_token: SecretStr | None = None
    staff_networks: tuple[IPvAnyNetwork, ...] = ()


class Settings(_Section):
    corpus: CorpusSettings = CorpusSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    vad: VadSettings = VadSettings()
    stt: SttSettings = SttSettings()
    tts: TtsSettings = TtsSettings()
    answer: AnswerSettings = AnswerSettings()
    phone: PhoneSettings = PhoneSettings()
    kiosk: KioskSettings = KioskSettings()
    # The community center's own line, for "상담원 연결" and DTMF 0.
    office_phone: str = "031-310-2114"

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """`path`, else $ASSISTANT_CONFIG, else `assistant.toml` in the project root.

        Only the default file may be absent (then the defaults apply): a file
        someone named that is missing is a mistake to report, not to ignore.
        """
        named = path or (Path(os.environ["ASSISTANT_CONFIG"]) if os.environ.get("ASSISTANT_CONFIG") else None)
        path = named or DEFAULT_CONFIG
        if named is None and not path.exists():
            return cls()
        try:
            with path.open("rb") as f:
                return cls.model_validate(tomllib.load(f))
        except OSError as err:
            raise SettingsError(f"{path}: cannot read the settings file ({err.strerror or err})") from err
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise SettingsError(f"{path}: not valid TOML ({err})") from err
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            raise SettingsError(f"{path}: {problems}") from err
