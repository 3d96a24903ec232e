"""`assistant kiosk`: serve the community-center kiosk page on this machine (docs/kiosk.md)."""

from __future__ import annotations

import click

from ...config import Settings
from .options import startup_errors


@click.command()
@click.option("--host", help="Address to listen on (default: kiosk.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: kiosk.port, 8080).")
@click.option("--no-audio-device", is_flag=True,
              help="Do not use this machine's microphone and speaker; the page's own are used.")
@click.pass_obj
def kiosk(settings: Settings, host: str | None, port: int | None, no_audio_device: bool) -> None:
    """Start the community-center kiosk."""
    from ..kiosk.server import listen, serve

    overrides = {"host": host, "port": port, "audio_source": "browser" if no_audio_device else None}
    kiosk_settings = settings.kiosk.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    try:
        sock = listen(kiosk_settings.host, kiosk_settings.port)
    except OSError as err:
        raise click.ClickException(f"cannot listen on {kiosk_settings.host}:{kiosk_settings.port}: "
                                   f"{err.strerror or err}") from None
    try:
        serve(settings.model_copy(update={"kiosk": kiosk_settings}), sock)
    except startup_errors() as err:
        raise click.ClickException(str(err)) from None
