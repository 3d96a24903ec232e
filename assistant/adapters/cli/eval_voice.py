"""`assistant eval voice`: how well the recognizer understands the voice (round-trip CER)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ...config import Settings


@click.command("voice")
@click.option("--sentences", "sentences_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Plain text, one sentence a line. Default: the development sentences "
                                 "(assistant/evaluation/data/voice_dev.txt).")
@click.option("--telephone", is_flag=True, help="Pass the audio through an 8 kHz μ-law phone channel first.")
@click.option("--voice", default=None, help="Voice name from voices/manifest.json, or espeak-ng-ko. "
                                            "Default: the configured voice.")
@click.option("--rate", "length_scale", type=float, default=None, help="Length scale (above 1 is slower).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N sentences.")
@click.option("--show", is_flag=True, help="Print each sentence with what was recognized.")
@click.option("--json", "as_json", is_flag=True, help='Print {"n", "cer", "rtf", "voice"} as JSON.')
@click.pass_obj
def eval_voice(settings: Settings, sentences_path: Path | None, telephone: bool, voice: str | None,
               length_scale: float | None, limit: int | None, show: bool, as_json: bool) -> None:
    """Synthesize each sentence, transcribe it, and score the character error rate."""
    from tqdm import tqdm

    from ...evaluation.voice import load_sentences, score_sentences, summarize
    from ...evaluation.voice_sentences import DEV_FILE
    from ...stt.model_files import ModelFilesError
    from ...stt.transcriber import Transcriber
    from ...tts.synthesizer import Synthesizer
    from ...tts.voices import VoiceError

    try:
        sentences = load_sentences(sentences_path or DEV_FILE, limit)
        # Measured without the audio cache: every sentence is synthesized.
        tts = settings.tts.model_copy(update={"cache_max_mb": 0, **({"voice": voice} if voice else {})})
        synthesizer = Synthesizer.load(tts)
        transcriber = Transcriber.load(settings.stt)
    except (ValueError, VoiceError, ModelFilesError, OSError) as err:
        raise click.ClickException(str(err)) from err
    scores = []
    for score in tqdm(score_sentences(synthesizer, transcriber, sentences, telephone, length_scale),
                      total=len(sentences), desc="eval voice", unit="sentence", file=sys.stderr):
        scores.append(score)
        if show:
            click.echo(f"{score.errors / max(score.length, 1):.2f}  {score.sentence}\n      {score.hypothesis}",
                       err=as_json)
    report = summarize(scores, synthesizer.voice_name)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    channel = " through a telephone channel" if telephone else ""
    click.echo(f"{report['n']} sentences{channel}, voice {report['voice']}: "
               f"CER {report['cer']:.4f}, synthesis RTF {report['rtf']:.3f}")
