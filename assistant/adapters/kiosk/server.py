"""The kiosk's local web server: the page, its static files and one WebSocket per conversation.

The protocol on `/ws` is described in `kiosk.protocol`. Only this machine may
connect (see `kiosk.access`) unless `kiosk.allowed_networks` says otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import uvicorn
from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware import Middleware
from starlette.websockets import WebSocketDisconnect

from assistant.config import Settings
from assistant.core.engine import Engine
from assistant.core.events import Notice
from assistant.core.prompts import KIOSK

from .access import LocalOnly
from .audio_device import AudioDevice, DeviceUnavailable
from .outputs import BrowserOutput, DeviceOutput
from .page import KioskPage
from .protocol import ProtocolError, decode_audio, parse_command
from .screen import screen_scale
from .staff import StaffDesk, staff_router

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
# For staff (log, staff page), never the resident's screen.
NO_DEVICE = "키오스크에 연결된 마이크와 스피커를 찾지 못했어요. 지금은 화면의 마이크와 글로 묻기만 쓸 수 있어요."


def chromium_command(url: str) -> str:
    return (f"chromium --kiosk --app={url} --autoplay-policy=no-user-gesture-required "
            "--use-fake-ui-for-media-stream --noerrdialogs --disable-translate --no-first-run")


def create_app(settings: Settings, engine: Engine, device: AudioDevice | None = None,
               device_problem: str | None = None) -> FastAPI:
    """`device` is the kiosk's own microphone and speaker; without one, pages use their own."""
    desk = StaffDesk(settings.kiosk.staff_token)
    staff_networks = settings.kiosk.staff_networks if desk.enabled else None
    app = FastAPI(title="welfare kiosk", docs_url=None, redoc_url=None, openapi_url=None,
                  middleware=[Middleware(LocalOnly, allowed=settings.kiosk.allowed_networks, staff=staff_networks)])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if desk.enabled:
        app.include_router(staff_router(desk))
    if device_problem:
        desk.report(device_problem)
    screen_css = screen_scale(settings.kiosk).stylesheet()

    @app.get("/")
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/screen.css")
    async def screen() -> Response:
        """The root font size for the configured panel (`kiosk.screen_*`)."""
        return Response(screen_css, media_type="text/css", headers={"Cache-Control": "no-cache"})

    @app.websocket("/ws")
    async def conversation_socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await _converse(websocket, settings, engine, desk, device, device_problem)

    return app


async def _converse(websocket: WebSocket, settings: Settings, engine: Engine, desk: StaffDesk,
                    device: AudioDevice | None, device_problem: str | None) -> None:
    lock = asyncio.Lock()

    async def send(message: dict | bytes) -> None:
        # One sender at a time; a page that went away mid-answer is not an error.
        async with lock:
            try:
                if isinstance(message, bytes):
                    await websocket.send_bytes(message)
                else:
                    await websocket.send_json(message)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass

    loop = asyncio.get_running_loop()
    output = DeviceOutput(device) if device else BrowserOutput(send)
    conversation = KioskPage(engine, settings, send, output, desk, echo=device.echo if device else None)

    def from_device(samples, rate) -> None:  # PortAudio's thread
        loop.call_soon_threadsafe(conversation.hear, samples, rate)

    if device:  # the page most recently opened is the one in front of the resident
        device.attach(from_device)
    await conversation.open({"audio_source": "device" if device else "browser", "device_problem": device_problem})
    log.info("page connected (%s audio)", "device" if device else "browser")
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                if message.get("bytes") is not None:
                    conversation.hear(*decode_audio(message["bytes"]))
                elif message.get("text") is not None:
                    await conversation.command(parse_command(message["text"]))
            except ProtocolError as err:
                log.warning("page sent a bad message: %s", err)
                await send(Notice(message=str(err), level="warning").to_json())
    finally:
        if device:
            device.detach(from_device)
        await conversation.close()
        log.info("page disconnected")


def open_device(settings: Settings) -> tuple[AudioDevice | None, str | None]:
    """The kiosk's own audio when configured and present; otherwise why not, for the screen."""
    if settings.kiosk.audio_source != "device":
        return None, None
    try:
        return AudioDevice.open(settings.kiosk), None
    except DeviceUnavailable as err:
        log.warning("%s; the page's microphone and typed questions still work", err)
        return None, NO_DEVICE


def page_url(host: str, port: int) -> str:
    """Where a browser on this machine opens the page, whatever address the server is bound to."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def listen(host: str, port: int) -> socket.socket:
    """The kiosk's listening socket, bound before anything loads: a wrong address
    or a port in use is an OSError at once, not a log line after the models loaded."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def serve(settings: Settings, sock: socket.socket) -> None:
    """Load the engine, open the audio device, and serve on `sock` (from `listen`) until stopped."""
    engine = Engine.load(settings)
    engine.warm_up(background=True, prompts=KIOSK.fixed())
    device, problem = open_device(settings)
    app = create_app(settings, engine, device, problem)
    port = sock.getsockname()[1]
    url = page_url(settings.kiosk.host, port)
    print(f"\n  키오스크 화면: {url}\n  전체 화면으로 열기: {chromium_command(url)}\n", flush=True)
    if settings.kiosk.staff_token is not None:
        print(f"  직원 화면: http://<this machine>:{port}/staff#token=… (kiosk.staff_token)\n", flush=True)
    try:
        # The client address is the socket's own peer: no proxy headers are trusted.
        uvicorn.Server(uvicorn.Config(app, proxy_headers=False, log_config=None)).run(sockets=[sock])
    finally:
        sock.close()
        if device:
            device.close()
