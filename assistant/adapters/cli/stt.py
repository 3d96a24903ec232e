"""`assistant transcribe` and `assistant eval speech`: the speech recognizer on files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ...audio import AudioError, load_audio
from ...config import Settings


def _load_transcriber(settings: Settings):
    from ...stt.model_files import ModelFilesError
    from ...stt.transcriber import Transcriber

    try:
        return Transcriber.load(settings.stt)
    except ModelFilesError as err:
        raise click.ClickException(str(err)) from err


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per file.")
@click.pass_obj
def transcribe(settings: Settings, files: tuple[Path, ...], as_json: bool) -> None:
    """Transcribe recordings (any format, rate or channels).

    A file that cannot be read gets an error of its own and the others go on;
    the exit status is 1 if any file failed.
    """
    transcriber = _load_transcriber(settings)
    results, failed = [], False
    for path in files:
        try:
            result = transcriber.transcribe(load_audio(path))
        except AudioError as err:
            failed = True
            results.append({"file": str(path), "error": str(err)})
            if not as_json:
                click.echo(f"{path}: ERROR {err}", err=True)
            continue
        row = {"file": str(path), "text": result.text, "confidence": round(result.confidence, 3),
               "rejected": result.rejected, "audio_s": round(result.audio_s, 3), "rtf": round(result.rtf, 3)}
        results.append(row)
        if not as_json:
            heard = result.text if not result.rejected else f"(rejected: {result.rejected})"
            click.echo(f"{path}: {heard}  [confidence {row['confidence']}, {row['audio_s']} s, rtf {row['rtf']}]")
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    sys.exit(1 if failed else 0)


@click.command("speech")
@click.option("--manifest", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines with path (relative to the manifest), text and tags per clip.")
@click.option("--telephone", is_flag=True, help="Pass every clip through an 8 kHz μ-law phone channel first.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N clips.")
@click.option("--encoder-window", type=click.IntRange(1, 30), default=None,
              help="The shortest window the encoder reads, in seconds; default: stt.encoder_window_s.")
@click.option("--window-margin", type=click.FloatRange(min=0), default=None,
              help="Seconds added to an utterance longer than that; default: stt.window_margin_s.")
@click.option("--json", "as_json", is_flag=True, help='Print {"n", "cer", "rtf", "per_tag"} as JSON.')
@click.pass_obj
def eval_speech(settings: Settings, manifest: Path, telephone: bool, limit: int | None,
                encoder_window: int | None, window_margin: float | None, as_json: bool) -> None:
    """Character error rate and real-time factor of speech recognition on a clip set."""
    from tqdm import tqdm

    from ...evaluation.speech import load_manifest, score_clips, summarize

    try:
        clips = load_manifest(manifest, limit)
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    overrides = {key: value for key, value in (("encoder_window_s", encoder_window),
                                                ("window_margin_s", window_margin)) if value is not None}
    if overrides:
        settings = settings.model_copy(update={"stt": settings.stt.model_copy(update=overrides)})
    transcriber = _load_transcriber(settings)
    scores = list(tqdm(score_clips(transcriber, clips, telephone), total=len(clips),
                       desc="eval speech", unit="clip", file=sys.stderr))
    report = summarize(scores)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    channel = " through a telephone channel" if telephone else ""
    rejected = sum(1 for score in scores if score.rejected)
    click.echo(f"{report['n']} clips{channel}: CER {report['cer']:.4f}, RTF {report['rtf']:.3f}, "
               f"{rejected} rejected as not speech")
    for tag, value in report["per_tag"].items():
        click.echo(f"  {tag:<12} CER {value:.4f}")
