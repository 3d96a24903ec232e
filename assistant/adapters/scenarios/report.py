"""The three reports of a run: report.json for tools, junit.xml for CI, report.html for people."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader

from .chart import latency_chart
from .diffview import char_diff
from .media import data_uri
from .results import RunResult, ScenarioResult, TurnResult

JSON_NAME, JUNIT_NAME, HTML_NAME = "report.json", "junit.xml", "report.html"


def write_reports(run: RunResult, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    generated = datetime.now().astimezone().isoformat(timespec="seconds")
    paths = {"json": directory / JSON_NAME, "junit": directory / JUNIT_NAME, "html": directory / HTML_NAME}
    paths["json"].write_text(json.dumps({"generated_at": generated, **run.to_json()}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
    junit(run).write(paths["junit"], encoding="utf-8", xml_declaration=True)
    paths["html"].write_text(html(run, generated), encoding="utf-8")
    return paths


def junit(run: RunResult) -> ET.ElementTree:
    """One test suite per scenario, one test case per turn; an unusable scenario is one erroring case."""
    root = ET.Element("testsuites", name="assistant scenarios")
    for scenario in run.scenarios:
        suite = ET.SubElement(root, "testsuite", name=scenario.name, file=str(scenario.path),
                              tests=str(len(scenario.turns)), failures=str(scenario.failures), errors="0",
                              time=f"{scenario.elapsed_s:.2f}")
        for turn in scenario.turns:
            _testcase(suite, scenario, turn)
    for error in run.errors:
        suite = ET.SubElement(root, "testsuite", name=error.path.name, file=str(error.path), tests="1",
                              failures="0", errors="1", time="0")
        case = ET.SubElement(suite, "testcase", classname=_classname(error.path), name="scenario file", time="0")
        ET.SubElement(case, "error", message=error.problems[0], type="unusable scenario").text = str(error)
    totals = [(len(s.turns), s.failures, s.elapsed_s) for s in run.scenarios]
    root.set("tests", str(sum(t[0] for t in totals) + len(run.errors)))
    root.set("failures", str(sum(t[1] for t in totals)))
    root.set("errors", str(len(run.errors)))
    root.set("time", f"{sum(t[2] for t in totals):.2f}")
    ET.indent(root)
    return ET.ElementTree(root)


def _classname(path: Path) -> str:
    return f"scenarios.{path.stem}"


def _testcase(suite: ET.Element, scenario: ScenarioResult, turn: TurnResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=_classname(scenario.path),
                         name=f"turn {turn.index + 1}: {turn.label}", time=f"{turn.elapsed_s:.2f}")
    if turn.reasons:
        failure = ET.SubElement(case, "failure", message="; ".join(turn.reasons), type="failed")
        failure.text = "\n".join(turn.reasons)
    heard = [f"heard: {turn.transcript}" if turn.transcript is not None else "",
             f"answer ({turn.answer_kind}): {turn.answer_speech}" if turn.answer_kind else "",
             f"first audio: {turn.first_audio_ms:.0f} ms" if turn.first_audio_ms is not None else "",
             *(f"warning: {w}" for w in turn.warnings)]
    ET.SubElement(case, "system-out").text = "\n".join(line for line in heard if line)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("assistant.adapters.scenarios", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["data_uri"] = data_uri
    env.globals["char_diff"] = char_diff
    return env


def html(run: RunResult, generated: str) -> str:
    """One self-contained page: audio embedded, styles inline, the chart as SVG, no scripts."""
    template = _environment().get_template("report.html.j2")
    return template.render(run=run, generated=generated, chart=latency_chart(run.scenarios),
                           latency=run.latency_summary())
