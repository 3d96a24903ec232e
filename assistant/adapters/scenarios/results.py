"""What a run observed, per turn and per scenario; the reports are views of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .scenario import ScenarioError

EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


@dataclass
class TurnResult:
    index: int
    label: str
    kind: str  # "audio" | "text"
    source: str  # the recording as the scenario names it, or the typed text
    # The turn's `expect` block as written (defaults left out).
    expect: dict = field(default_factory=dict)
    reference: str | None = None
    transcript: str | None = None
    transcript_rejected: str | None = None
    cer: float | None = None
    # Retrieved services, best first: {"id", "name", "score"}.
    services: list[dict] = field(default_factory=list)
    answered_service: dict | None = None
    answer_screen: str = ""
    answer_speech: str = ""
    answer_kind: str = ""
    # Services a suggestion listed, in order: {"id", "name", "reason"}.
    listed: list[dict] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # How many utterances the endpointer heard in the recording; more than
    # one means a pause split the question and the kiosk answered each part.
    utterances: int = 0
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Compact MP3 for the HTML report; never in report.json.
    input_audio: bytes | None = None
    reply_audio: bytes | None = None
    input_duration_s: float | None = None
    reply_duration_s: float | None = None
    elapsed_s: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def first_audio_ms(self) -> float | None:
        return self.timings_ms.get("first_audio")

    @property
    def max_latency_ms(self) -> float | None:
        return self.expect.get("max_latency_ms")

    def to_json(self) -> dict:
        return {
            "turn": self.index + 1, "label": self.label, "input": self.kind, "source": self.source,
            "passed": self.passed, "reasons": self.reasons, "warnings": self.warnings, "expect": self.expect,
            "reference": self.reference, "transcript": self.transcript,
            "transcript_rejected": self.transcript_rejected, "cer": self.cer, "utterances": self.utterances,
            "services": self.services, "answered_service": self.answered_service,
            "answer_kind": self.answer_kind, "listed": self.listed, "answer_screen": self.answer_screen,
            "answer_speech": self.answer_speech, "timings_ms": self.timings_ms,
            "input_duration_s": self.input_duration_s, "reply_duration_s": self.reply_duration_s,
            "elapsed_s": self.elapsed_s,
        }


@dataclass
class ScenarioResult:
    name: str
    path: Path
    settings: dict
    turns: list[TurnResult]
    elapsed_s: float

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)

    @property
    def failures(self) -> int:
        return sum(not t.passed for t in self.turns)

    def to_json(self) -> dict:
        return {"name": self.name, "file": str(self.path), "settings": self.settings, "passed": self.passed,
                "turns_failed": self.failures, "elapsed_s": self.elapsed_s,
                "turns": [t.to_json() for t in self.turns]}


@dataclass
class RunResult:
    scenarios: list[ScenarioResult]
    errors: list[ScenarioError]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_UNUSABLE
        return EXIT_PASSED if all(s.passed for s in self.scenarios) else EXIT_FAILED

    @property
    def turns(self) -> list[TurnResult]:
        return [t for s in self.scenarios for t in s.turns]

    def latency_summary(self) -> dict:
        """First-audio latency over every turn that produced reply audio."""
        values = [t.first_audio_ms for t in self.turns if t.first_audio_ms is not None]
        if not values:
            return {}
        median, p90 = np.percentile(values, [50, 90])
        return {"turns": len(values), "median_ms": round(float(median), 1), "p90_ms": round(float(p90), 1),
                "max_ms": max(values)}

    def to_json(self) -> dict:
        turns = self.turns
        return {
            "exit_code": self.exit_code,
            "totals": {"scenarios": len(self.scenarios), "turns": len(turns),
                       "turns_failed": sum(not t.passed for t in turns), "unusable_scenarios": len(self.errors)},
            "first_audio_latency": self.latency_summary(),
            "errors": [{"file": str(e.path), "problems": e.problems} for e in self.errors],
            "scenarios": [s.to_json() for s in self.scenarios],
        }
