"""Who may talk to the kiosk: the machine itself, plus networks a deployer allows.

Two areas: the kiosk itself (page, static files, `/ws`) for this machine and
`kiosk.allowed_networks`; the staff page (`/staff...`, when enabled) for this
machine and `kiosk.staff_networks`, which also checks a token (`staff`).
Nothing else is reachable from other machines.

Binding to 127.0.0.1 already keeps others out; this check holds even when a
deployer binds to 0.0.0.0. It looks at the socket's peer address (proxy
headers are not trusted), and for WebSockets also at the Origin, so that a web
page from elsewhere, opened in a browser on the kiosk, cannot drive it.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_allowed(host: str | None, allowed: Iterable[Network] = ()) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or any(address in network for network in allowed)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def same_origin(scope: dict) -> bool:
    """A browser's WebSocket carries the page's Origin; it must be this server's own."""
    origin = _header(scope, b"origin")
    if origin is None:  # not a browser (a local script or test client)
        return True
    return urlsplit(origin).netloc == _header(scope, b"host")


STAFF_PREFIX = "/staff"


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


class LocalOnly:
    """ASGI middleware refusing HTTP requests and WebSockets from other machines.

    `staff` networks reach the staff page only; `allowed` networks the kiosk page only."""

    def __init__(self, app, allowed: Iterable[Network] = (), staff: Iterable[Network] | None = None):
        self.app = app
        self.allowed = tuple(allowed)
        self.staff = None if staff is None else tuple(staff)  # None: no staff page

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        host = (scope.get("client") or (None,))[0]
        staff = self.staff if scope["type"] == "http" and is_staff_path(scope.get("path", "")) else None
        if not client_allowed(host, self.allowed if staff is None else staff):
            log.warning("refused a %s connection to %s from %s (not local, not in kiosk.%s)", scope["type"],
                        scope.get("path"), host, "allowed_networks" if staff is None else "staff_networks")
            return await self._refuse(scope, send)
        if scope["type"] == "websocket" and not same_origin(scope):
            log.warning("refused a WebSocket from a foreign page (origin %s)", _header(scope, b"origin"))
            return await self._refuse(scope, send)
        return await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope, send) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        body = "이 키오스크는 이 컴퓨터에서만 열 수 있습니다. (local clients only)\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
