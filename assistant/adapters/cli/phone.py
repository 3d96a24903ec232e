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
@click.option("--health", "health_address", default=None, metavar="HOST:PORT",
              help="Answer GET /health here: calls carried, free, accepting or not (default: phone.health_listen).")
@click.pass_obj
def phone(settings: Settings, address: str | None, max_calls: int | None, health_address: str | None) -> None:
    """Answer phone calls that Asterisk hands over with AudioSocket()."""
    from ...core.engine import Engine
    from ..phone.protocol import parse_address
    from ..phone.server import PhoneServer

    phone_settings = settings.phone.model_copy(update={
        k: v for k, v in {"listen": address, "max_calls": max_calls, "health_listen": health_address}.items()
        if v is not None})
    for value, hint in ((phone_settings.listen, "--listen"), (phone_settings.health_listen, "--health")):
        try:
            if value is not None:
                parse_address(value)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint=hint) from None
    try:
        engine = Engine.load(settings)
        log.info("loading speech models")
        engine.warm_up(background=False)
    except startup_errors() as err:  # a call must never be the first to find out
        raise click.ClickException(str(err)) from None
    server = PhoneServer(engine, phone_settings)
    asyncio.run(_serve(server))


async def _serve(server: PhoneServer) -> None:
    from ..phone.health import HealthServer

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.prepare()
    try:
        host, port = await server.start()
        # Only now: a health check that answers means the bridge takes calls.
        health = HealthServer(server, server.settings.health_listen) if server.settings.health_listen else None
    except OSError as err:
        raise click.ClickException(f"cannot listen: {err.strerror}") from None
    log.info("phone bridge listening on %s:%d (up to %d calls)", host, port, server.settings.max_calls)
    if health is not None:
        log.info("health check on http://%s:%d/health", *health.start())
    await stop.wait()
    log.info("stopping: %d calls active", server.active_calls)
    await server.close()  # meanwhile the health check says "stopping"
    if health is not None:
        health.close()
