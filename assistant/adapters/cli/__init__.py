"""`assistant` command line: one group, one module per concern under `assistant/adapters/cli/`."""

from __future__ import annotations

import logging

import click

from ...config import Settings, SettingsError


@click.group()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=None),
              help="TOML settings file (default: assistant.toml or $ASSISTANT_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Offline Korean welfare counselor."""
    from pathlib import Path

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        ctx.obj = Settings.load(Path(config_path) if config_path else None)
    except SettingsError as err:
        raise click.UsageError(str(err)) from None


# Each concern owns one module under assistant/adapters/cli/ that defines its click
# command or group; it is registered here, one line each.
def _register() -> None:
    from .ask import ask
    from .corpus import corpus
    from .evaluate import eval_group
    from .kiosk import kiosk
    from .models import models
    from .phone import phone
    from .scripts import run_script
    from .stt import transcribe
    from .tts import say

    main.add_command(ask)
    main.add_command(corpus)
    main.add_command(eval_group)
    main.add_command(kiosk)
    main.add_command(models)
    main.add_command(phone)
    main.add_command(run_script)
    main.add_command(transcribe)
    main.add_command(say)


_register()
