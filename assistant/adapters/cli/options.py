"""Options several commands share, checked when the command line is read: a
mistake is reported before any model loads, never as a traceback after the work."""

from __future__ import annotations

import os
from pathlib import Path

import click


def startup_errors() -> tuple[type[Exception], ...]:
    """What loading the engine raises with a message fit for a person (a missing corpus,
    model or voice); imported only when needed, so that `--help` stays quick."""
    from ...corpus.store import CorpusError
    from ...stt.model_files import ModelFilesError
    from ...tts.voices import VoiceError

    return CorpusError, ModelFilesError, VoiceError


def _speaking_rate(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is None:
        return None
    # The synthesizer's own bounds, so that the command line and the voice never disagree.
    from ...tts.synthesizer import LENGTH_SCALE_RANGE

    low, high = LENGTH_SCALE_RANGE
    if not low <= value <= high:
        raise click.BadParameter(f"{value:g} is not a usable speaking rate: give a length scale from "
                                 f"{low:g} (faster) to {high:g} (slower); 1.0 is normal")
    return value


def _wav_target(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is None:
        return None
    folder = value.absolute().parent
    # Never make folders: a mistyped path should be reported, not created.
    if not folder.exists():
        raise click.BadParameter(f"the folder {folder} does not exist")
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} is a file, not a folder")
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"cannot write in {folder}")
    return value


speaking_rate = click.option(
    "--rate", "length_scale", type=float, default=None, callback=_speaking_rate,
    help="Speaking rate as a length scale: 1.0 normal, 1.2 slower (for elderly listeners), 0.8 faster. "
         "Default: tts.length_scale.")


def wav_out(help: str, required: bool = False):
    return click.option("--out", "out_path", required=required, callback=_wav_target,
                        type=click.Path(dir_okay=False, path_type=Path), help=help)
