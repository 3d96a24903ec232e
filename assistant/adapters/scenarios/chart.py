"""Geometry of the report's latency chart: one stacked bar per turn, drawn as inline SVG.

Each bar runs from the end of the question to the first reply audio and is
split into the stages that made up that wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .results import ScenarioResult

# Stage key, legend label, colour; in the order the stages run.
STAGES = (
    ("stt", "recognition", "#4e79a7"),
    ("retrieval", "retrieval", "#f28e2b"),
    ("answer", "answer", "#59a14f"),
    ("tts_first_audio", "first sentence spoken", "#b07aa1"),
)
OTHER = ("other", "other", "#bab0ac")

LABEL_WIDTH, PLOT_WIDTH, ROW_HEIGHT, TOP, BOTTOM = 240, 560, 22, 34, 28


@dataclass
class Bar:
    label: str
    y: float
    total_ms: float
    limit_x: float | None
    passed: bool
    segments: list[dict] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    plot_width: int
    bars: list[Bar]
    ticks: list[dict]
    legend: list[dict]


def latency_chart(scenarios: list[ScenarioResult]) -> Chart | None:
    rows = [(s, t, first) for s in scenarios for t in s.turns if (first := t.first_audio_ms) is not None]
    if not rows:
        return None
    longest = max(max(first, t.max_latency_ms or 0) for _, t, first in rows)
    step = _tick_step(longest)
    scale_max = step * math.ceil(longest / step)
    scale = PLOT_WIDTH / scale_max
    bars = []
    for row, (scenario, turn, first) in enumerate(rows):
        x, segments = 0.0, []
        for key, label, colour in STAGES:
            ms = turn.timings_ms.get(key, 0.0)
            if ms > 0:
                segments.append({"x": x * scale, "width": ms * scale, "colour": colour,
                                 "title": f"{label}: {ms:.0f} ms"})
                x += ms
        if first > x:
            rest = first - x
            segments.append({"x": x * scale, "width": rest * scale, "colour": OTHER[2],
                             "title": f"{OTHER[1]}: {rest:.0f} ms"})
        limit = turn.max_latency_ms
        bars.append(Bar(f"{scenario.name} · {turn.index + 1}", TOP + row * ROW_HEIGHT, first,
                        limit * scale if limit else None, turn.passed, segments))
    ticks = [{"x": v * scale, "label": f"{v:g}"} for v in _frange(0, scale_max, step)]
    legend = [{"label": label, "colour": colour} for _, label, colour in (*STAGES, OTHER)]
    return Chart(LABEL_WIDTH + PLOT_WIDTH + 70, TOP + len(rows) * ROW_HEIGHT + BOTTOM, LABEL_WIDTH, PLOT_WIDTH,
                 bars, ticks, legend)


def _tick_step(longest_ms: float) -> float:
    """A round step giving about five ticks (100, 200, 250, 500, 1000 … ms)."""
    raw = max(longest_ms, 1.0) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _frange(start: float, stop: float, step: float) -> list[float]:
    return [start + i * step for i in range(int(round((stop - start) / step)) + 1)]
