"""`assistant say "텍스트" --out reply.wav`: speak a text with the configured voice."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ...config import Settings
from .options import speaking_rate, wav_out


@click.command()
@click.argument("text")
@wav_out("WAV file to write (16-bit mono at the voice's sample rate), in a folder that exists.", required=True)
@speaking_rate
@click.option("--voice", default=None, help="Voice name from voices/manifest.json (kokoro-ko-jm_kumo, …), "
                                            "or espeak-ng-ko.")
@click.pass_obj
def say(settings: Settings, text: str, out_path: Path, length_scale: float | None, voice: str | None) -> None:
    """Synthesize TEXT (Korean) to a WAV file and tell which voice spoke."""
    from ...audio import write_wav
    from ...tts.speech_normalize import speech_sentences
    from ...tts.synthesizer import Synthesizer
    from ...tts.voices import VoiceError

    if not text.strip():
        raise click.UsageError("the text to speak is empty")
    if not speech_sentences(text):
        raise click.UsageError(f"nothing in {text!r} can be spoken (only symbols)")
    tts = settings.tts.model_copy(update={"voice": voice}) if voice else settings.tts
    try:
        synthesizer = Synthesizer.load(tts)
        chunks = list(synthesizer.synthesize(text, length_scale))
    except (VoiceError, ValueError) as err:
        raise click.ClickException(str(err)) from err
    audio = np.concatenate(chunks)
    write_wav(out_path, audio, synthesizer.sample_rate)
    click.echo(f"voice: {synthesizer.voice_name} ({synthesizer.language}), {len(chunks)} piece(s), "
               f"{len(audio) / synthesizer.sample_rate:.1f} s at {synthesizer.sample_rate} Hz -> {out_path}")
    if synthesizer.warning:
        click.echo(f"warning: {synthesizer.warning}", err=True)
