"""The bridge's health check, for whatever spreads calls over several bridges.

`GET /health` on `phone.health_listen` answers, as JSON:

    {"status": "accepting" | "full" | "stopping", "active_calls": 2, "max_calls": 4,
     "free_calls": 2, "recognition_waiting": 0, "load_average": 1.3}

with HTTP 200 while the bridge takes another call and 503 when it is full or
shutting down, so a TCP balancer's HTTP check or an Asterisk dialplan
(`CURL()` and `JSON_DECODE()`, docs/phone.md "More calls") can pass a call to
the next bridge. Nothing is listening before the models are loaded or after
the bridge has stopped: a refused connection means "not here".

It runs on the standard library's threaded HTTP server in a thread of its
own, so a slow checker never touches the event loop that paces the calls;
it only reads counters.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from .protocol import parse_address

if TYPE_CHECKING:
    from .server import PhoneServer


def health_report(server: PhoneServer) -> dict:
    active, limit = server.active_calls, server.settings.max_calls
    status = "stopping" if server.stopping else "full" if active >= limit else "accepting"
    return {"status": status, "active_calls": active, "max_calls": limit, "free_calls": max(0, limit - active),
            "recognition_waiting": server.engine.recognition.waiting,
            "load_average": round(os.getloadavg()[0], 2)}


class HealthServer:
    def __init__(self, server: PhoneServer, address: str):
        self._phone = server
        host, port = parse_address(address)
        phone = server

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/health":
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                report = health_report(phone)
                body = json.dumps(report).encode()
                self.send_response(HTTPStatus.OK if report["status"] == "accepting" else HTTPStatus.SERVICE_UNAVAILABLE)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # a check every second is no news
                pass

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        self._http = Server((host, port), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, name="phone-health", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._http.server_address[:2]
        return str(host), int(port)

    def start(self) -> tuple[str, int]:
        self._thread.start()
        return self.address

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
