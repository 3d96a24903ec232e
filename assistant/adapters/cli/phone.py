"""`assistant phone`: the telephony bridge, an Asterisk AudioSocket server."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

import click

from ...config import Settings
from .options import startup_errors

if TYPE_CHECKING:
    from ..phone.server import PhoneServer

log = logging.getLogger(__name__)


@click.command()
@click.option("--listen", "address", default=None, metavar="HOST:PORT",
              help="Address to accept AudioSocket connections on (default: phone.listen, 127.0.0.1:9092).")
@click.option("--max-calls", type=click.IntRange(min=1), default=None,
              help="Simultaneous calls; more callers hear a busy notice (default: phone.max_calls).")
@click.pass_obj
def phone(settings: Settings, address: str | None, max_calls: int | None) -> None:
    """Answer phone calls that Asterisk hands over with AudioSocket()."""
    from ...core.engine import Engine
    from ..phone.protocol import parse_address
    from ..phone.server import PhoneServer

    phone_settings = settings.phone.model_copy(
        update={k: v for k, v in {"listen": address, "max_calls": max_calls}.items() if v is not None})
    try:
        parse_address(phone_settings.listen)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--listen") from None
    try:
        engine = Engine.load(settings)
        log.info("loading speech models")
        engine.warm_up(background=False)
    except startup_errors() as err:  # a call must never be the first to find out
        raise click.ClickException(str(err)) from None
    server = PhoneServer(engine, phone_settings)
    asyncio.run(_serve(server))


async def _serve(server: PhoneServer) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.prepare()
    try:
        host, port = await server.start()
    except OSError as err:
        raise click.ClickException(f"cannot listen on {server.settings.listen}: {err.strerror}") from None
    log.info("phone bridge listening on %s:%d (up to %d calls)", host, port, server.settings.max_calls)
    await stop.wait()
    log.info("stopping: %d calls active", server.active_calls)
    await server.close()
