"""One kiosk page = one conversation: the page's messages in, the controller's events out.

Turn-taking lives in the core (`assistant/core/controller.py`); this module only
translates. The wire format is `kiosk.protocol`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict

import numpy as np

from ...config import Settings
from ...core.controller import Command, Controller, TurnPolicy
from ...core.engine import Engine
from ...core.events import (
    ConversationReset,
    Event,
    Handoff,
    Interrupted,
    Notice,
    ServicesFound,
    StateChanged,
    Timings,
)
from ...core.output import AudioOutput
from ...core.prompts import KIOSK
from ...core.session import Session
from ...stt.echo import EchoGuard
from .outputs import BrowserOutput, DeviceOutput
from .protocol import Command as PageCommand
from .staff import TAKEN, HelpRequest, StaffDesk, handoff_prompts

log = logging.getLogger(__name__)

Send = Callable[[dict | bytes], Awaitable[None]]

_BUTTONS = {"replay": Command.REPLAY, "slower": Command.SLOWER, "normal": Command.NORMAL,
            "restart": Command.RESTART, "agent": Command.HANDOFF}


def kiosk_policy(settings: Settings, staff_on_call: bool = False) -> TurnPolicy:
    return TurnPolicy(prompts=handoff_prompts(KIOSK, staff_on_call), office_phone=settings.office_phone,
                      hands_free=settings.kiosk.hands_free,
                      listen_prompt_s=settings.kiosk.listen_prompt_s, idle_s=settings.kiosk.idle_reset_s,
                      end_on_idle=False, end_after_handoff=False)


class KioskPage:
    def __init__(self, engine: Engine, settings: Settings, send: Send, output: AudioOutput,
                 staff: StaffDesk | None = None, echo: EchoGuard | None = None):
        """`echo`: the kiosk's own speaker is heard by its microphone (the page's browser cancels its own)."""
        self.settings = settings
        self._send = send
        self.output = output
        self.staff = staff or StaffDesk(None)
        policy = kiosk_policy(settings, staff_on_call=self.staff.enabled)
        self.controller = Controller(Session(engine), output, self._on_event, policy, echo=echo)
        self._question: str | None = None  # the last question asked, for 상담원 연결

    async def open(self, hello: dict) -> None:
        await self._send({"type": "hello", **hello, "hands_free": self.controller.hands_free,
                          "office_phone": self.settings.office_phone,
                          "idle_reset_s": self.settings.kiosk.idle_reset_s})
        await self.controller.open()

    async def close(self) -> None:
        self.staff.forget_listener(self._staff_taken)
        await self.controller.close()

    def hear(self, samples: np.ndarray, sample_rate: int) -> None:
        """A microphone frame, from the page or the kiosk's own device."""
        self.controller.hear(samples, sample_rate)

    async def command(self, command: PageCommand) -> None:
        match command.type:
            case "played":
                if isinstance(self.output, BrowserOutput):
                    self.output.played(command.turn)
            case "talk":
                await self.controller.talk()
            case "ask":
                await self.controller.ask(command.text)
            case "hands_free":
                await self.controller.set_hands_free(command.on)
            case "volume":  # 소리 크게/작게 for the kiosk's own speaker; a page plays at its own gain
                if isinstance(self.output, DeviceOutput):
                    self.output.volume = command.level
            case button:
                await self.controller.command(_BUTTONS[button])

    async def _on_event(self, event: Event) -> None:
        message = _message(event)
        if isinstance(event, ServicesFound):
            self._question = event.query
        elif isinstance(event, ConversationReset):
            self._question = None
        elif isinstance(event, Notice) and event.audience == "staff":  # to the staff page, not the resident
            self.staff.report(event.message)
        elif isinstance(event, Handoff):  # 상담원 연결: call staff where a staff page exists
            message["staff"] = None
            if self.staff.enabled:
                request = await self.staff.call(self._question, self.controller.card, self._staff_taken)
                message["staff"] = {"id": request.id, "status": request.status}
        await self._send(message)
        if isinstance(event, Timings):
            log.info("turn %d: %s", event.turn, event.ms)

    async def _staff_taken(self, request: HelpRequest) -> None:
        await self._send({"type": "staff", "id": request.id, "status": request.status})
        await self.controller.announce(TAKEN)  # shown in any case; said unless the resident is busy


def _message(event: Event) -> dict:
    """The controller's events in the page's words (see kiosk.protocol)."""
    if isinstance(event, StateChanged):
        return {"type": "state", "state": event.state.value, "hands_free": event.hands_free, "turn": event.turn}
    if isinstance(event, Interrupted):
        return {"type": "interrupted", "turn": event.turn, "reason": event.reason}
    if isinstance(event, Handoff):
        return {"type": "agent", "service": event.service, "phones": [asdict(p) for p in event.phones],
                "office_phone": event.office_phone}
    if isinstance(event, ConversationReset):
        return {"type": "reset", "reason": event.reason, "hands_free": event.hands_free}
    if isinstance(event, Notice) and event.audience == "staff":
        log.warning("for staff: %s", event.message)
    return event.to_json()
