"""상담원 연결 for real: the kiosk calls a person at the office PC's staff page (`/staff`).

A resident's request (the question they asked and the service on screen, with
personal numbers masked) goes to every open staff page, which shows it, chimes,
and lets a member of staff mark it taken; the kiosk then tells the resident that
someone is coming. The staff page also shows what only staff should act on (a
missing microphone). It is served only when `kiosk.staff_token` is set, only to
this machine and `kiosk.staff_networks` (see `access`), and every request for
data must carry the token in the `X-Staff-Token` header.

Requests are kept in memory only, a bounded few, and dropped once handled.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from itertools import count
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import FileResponse
from pydantic import SecretStr

from assistant.core.events import ServiceCard
from assistant.core.prompts import Prompts
from assistant.privacy import mask_personal

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_REQUESTS = 20
MAX_NOTICES = 10
TAKEN_KEPT_S = 600.0  # a handled request stays on the staff page this long, then goes
WAITING_KEPT_S = 1800.0  # nobody answered in half an hour: the resident has long gone
LONG_POLL_S = 20.0

# What the resident hears and reads.
CALLED = "직원에게 알렸어요. 곧 와서 도와드릴 거예요. 잠시 이 자리에서 기다려 주세요."
TAKEN = "직원이 확인했어요. 지금 오고 있어요."
NO_STAFF = "이 키오스크에서는 직원을 바로 부를 수는 없어요."

Status = Literal["waiting", "taken"]
OnTaken = Callable[["HelpRequest"], Awaitable[None]]


@dataclass
class HelpRequest:
    id: int
    at: float  # time.time() of the call
    question: str  # masked
    service: str | None
    status: Status = "waiting"
    taken_at: float | None = None
    on_taken: OnTaken | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {"id": self.id, "at": self.at, "question": self.question, "service": self.service,
                "status": self.status, "taken_at": self.taken_at}


class StaffDesk:
    """The office's side of 상담원 연결: open requests and staff notices, watched by staff pages."""

    def __init__(self, token: SecretStr | None):
        self._token = token
        self._ids = count(1)
        self._requests: list[HelpRequest] = []
        self._notices: list[str] = []
        self._version = 0
        self._changed = asyncio.Condition()
        self._wakeups: set[asyncio.Task[None]] = set()

    @property
    def enabled(self) -> bool:
        return self._token is not None and bool(self._token.get_secret_value())

    def token_matches(self, token: str | None) -> bool:
        if not self.enabled or token is None:
            return False
        assert self._token is not None
        return hmac.compare_digest(token.encode(), self._token.get_secret_value().encode())

    async def call(self, question: str | None, card: ServiceCard | None,
                   on_taken: OnTaken | None = None) -> HelpRequest:
        service = f"{card.name} ({card.region})" if card and card.region else (card.name if card else None)
        request = HelpRequest(next(self._ids), time.time(), mask_personal(question or ""), service, on_taken=on_taken)
        self._requests.append(request)
        # The question is the resident's words: DEBUG only (docs/architecture.md, "Privacy").
        log.info("staff request %d: %s", request.id, request.service or "no service")
        log.debug("staff request %d asks: %s", request.id, request.question)
        await self._bump()
        return request

    async def take(self, request_id: int) -> HelpRequest | None:
        request = next((r for r in self._requests if r.id == request_id), None)
        if request is None or request.status == "taken":
            return request
        request.status, request.taken_at = "taken", time.time()
        log.info("staff request %d taken", request_id)
        await self._bump()
        if request.on_taken is not None:
            callback, request.on_taken = request.on_taken, None
            await callback(request)
        return request

    def forget_listener(self, on_taken: OnTaken) -> None:
        """A kiosk page went away: a request taken later has no one to tell."""
        for request in self._requests:
            if request.on_taken == on_taken:
                request.on_taken = None

    def report(self, notice: str) -> None:
        """For staff, not residents (a missing microphone); shown on every staff page."""
        if notice in self._notices:
            return
        self._notices = [*self._notices, notice][-MAX_NOTICES:]
        try:
            task = asyncio.get_running_loop().create_task(self._bump())  # wake the staff pages now
            self._wakeups.add(task)
            task.add_done_callback(self._wakeups.discard)
        except RuntimeError:  # at start-up, before the server runs: the first look sees it
            self._version += 1

    def snapshot(self) -> dict:
        self._expire()
        return {"version": self._version, "requests": [r.to_json() for r in reversed(self._requests)],
                "notices": list(self._notices)}

    async def changes(self, after: int, timeout: float = LONG_POLL_S) -> dict:
        """The state once its version passes `after` (a long poll), or as it is after `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._version > after), timeout)
            except TimeoutError:
                pass
        return self.snapshot()

    async def _bump(self) -> None:
        self._expire()
        async with self._changed:
            self._version += 1
            self._changed.notify_all()

    def _expire(self) -> None:
        now = time.time()
        kept = [r for r in self._requests
                if now - (r.taken_at or r.at) < (TAKEN_KEPT_S if r.status == "taken" else WAITING_KEPT_S)]
        self._requests = kept[-MAX_REQUESTS:]


def handoff_prompts(prompts: Prompts, staff_on_call: bool) -> Prompts:
    """What 상담원 연결 says: that staff were called, or plainly that nobody can be called from here."""
    if staff_on_call:
        return replace(prompts, handoff=CALLED, service_first=None)
    return replace(prompts, handoff=f"{prompts.handoff} {NO_STAFF}")


def staff_router(desk: StaffDesk) -> APIRouter:
    """`/staff` (the page; it holds no data) and its token-guarded request API."""
    router = APIRouter(prefix="/staff")

    def token(x_staff_token: Annotated[str | None, Header()] = None) -> None:
        if not desk.token_matches(x_staff_token):
            raise HTTPException(status_code=401, detail="staff token required")

    @router.get("")
    async def staff_page() -> FileResponse:
        return FileResponse(STATIC / "staff.html", headers={"Cache-Control": "no-cache"})

    @router.get("/{name}")
    async def staff_asset(name: Literal["staff.js", "staff.css"]) -> FileResponse:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    @router.get("/api/requests", dependencies=[Depends(token)])
    async def requests(after: int = -1) -> dict:
        return await desk.changes(after)

    @router.post("/api/requests/{request_id}/taken", dependencies=[Depends(token)])
    async def taken(request_id: int) -> dict:
        request = await desk.take(request_id)
        if request is None:
            raise HTTPException(status_code=404, detail="no such request")
        return request.to_json()

    return router
