"""`python -m kiosk`: serve the kiosk page on this machine (see the README, "The community-center kiosk")."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from assistant.config import Settings


@click.command()
@click.option("--host", help="Address to listen on (default: kiosk.host, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: kiosk.port, 8080).")
@click.option("--no-audio-device", is_flag=True,
              help="Do not use this machine's microphone and speaker; the page's own are used.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML settings file (default: assistant.toml or $ASSISTANT_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(host: str | None, port: int | None, no_audio_device: bool, config_path: Path | None, verbose: bool) -> None:
    """Start the community-center kiosk."""
    from .server import serve

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.load(config_path)
    overrides = {"host": host, "port": port, "audio_source": "browser" if no_audio_device else None}
    kiosk = settings.kiosk.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    serve(settings.model_copy(update={"kiosk": kiosk}))


if __name__ == "__main__":
    main(prog_name="python -m kiosk")
