"""The few facts of a service a resident needs on screen: its name, how to apply, whom to call."""

from __future__ import annotations

import textwrap

from assistant.answer.answerer import Answerer
from assistant.answer.extractive import items
from assistant.corpus.schema import Service

# At kiosk type sizes a line of the card holds about 12 characters; it keeps to a few lines.
HOW_TO_APPLY_CHARS = 30
MAX_PHONES = 2


def phone_entries(answerer: Answerer, service: Service) -> list[dict]:
    """The numbers to show for a service, best first."""
    return [{"organization": p.organization or "", "number": p.number}
            for p in answerer.phones_for(service)[:MAX_PHONES]]


def service_card(answerer: Answerer, service: Service) -> dict:
    steps = items(service.how_to_apply)
    how = textwrap.shorten(" ".join(steps[:2]), HOW_TO_APPLY_CHARS, placeholder=" …") if steps else ""
    return {
        "id": service.id,
        "name": service.name,
        "region": service.region.label if service.region.scope != "전국" else "",
        "how_to_apply": how,
        "phones": phone_entries(answerer, service),
    }
