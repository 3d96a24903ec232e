"""`assistant run-script` end to end: real models, real recordings, real reports."""

from __future__ import annotations

import base64
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from assistant.adapters.cli import main
from assistant.adapters.scenarios.diffview import char_diff
from assistant.adapters.scenarios.scenario import ScenarioError, load_scenario
from assistant.audio import load_audio, resample
from assistant.config import PROJECT_ROOT
from assistant.evaluation.datasets import SPEECH_DIR as SPEECH

SCENARIOS = PROJECT_ROOT / "scenarios"
XHTML = {"h": "http://www.w3.org/1999/xhtml"}

needs_speech = pytest.mark.skipif(not SPEECH.is_dir(), reason=f"shared speech set not found at {SPEECH}")


def run_script(*args: str | Path):
    return CliRunner().invoke(main, ["run-script", "--no-progress", *map(str, args)])


def junit_cases(junit: Path) -> dict[str, ET.Element]:
    return {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}


def write_scenario(directory: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped examples, on the real models -----------------------------------------------

EXAMPLES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory):
    if not SPEECH.is_dir():
        pytest.skip(f"shared speech set not found at {SPEECH}")
    out = tmp_path_factory.mktemp("examples")
    return run_script(*EXAMPLES, "--report", out), out


@pytest.mark.e2e  # the speech models and a voice, loaded by run-script
def test_example_scenarios_hold_every_expectation(examples_run):
    result, out = examples_run
    assert len(EXAMPLES) >= 2
    assert result.exit_code == 0, result.output
    assert not [c for c in junit_cases(out / "junit.xml").values() if c.find("failure") is not None]


@pytest.mark.e2e  # the speech models and a voice, loaded by run-script
def test_reports_hold_every_turn(examples_run):
    _, out = examples_run
    turns = [turn for path in EXAMPLES for turn in load_scenario(path).turns]
    assert len(junit_cases(out / "junit.xml")) == len(turns)

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["turns"] == len(turns)
    for turn in (t for s in report["scenarios"] for t in s["turns"]):
        assert turn["answer_speech"] and turn["timings_ms"]["first_audio"] > 0
        if turn["input"] == "audio":
            assert turn["transcript"] and turn["cer"] is not None and turn["utterances"] == 1

    # Well-formed (it parses as XML) and self-contained, with every turn and its players.
    html = ET.parse(out / "report.html").getroot()
    articles = html.findall(".//h:details", XHTML)
    assert len(articles) == len(turns)
    for article, turn in zip(articles, turns, strict=True):
        replies = article.findall(".//h:audio[@class='reply-audio']", XHTML)
        inputs = article.findall(".//h:audio[@class='input-audio']", XHTML)
        assert len(replies) == 1 and len(inputs) == (1 if turn.audio else 0)
        for player in replies + inputs:
            audio, rate = soundfile.read(io.BytesIO(base64.b64decode(player.get("src").split(",", 1)[1])))
            assert rate >= 16000 and len(audio) > rate // 2
    assert html.find(".//{http://www.w3.org/2000/svg}svg") is not None
    assert not [e for e in html.iter() if e.get("href", "").startswith("http") or e.tag.endswith("script")]


# --- failures, bad recordings, broken scenarios ---------------------------------------------

@pytest.mark.e2e  # the speech models and a voice, loaded by run-script
@needs_speech
def test_failing_expectations_and_bad_recordings_fail_only_their_turns(tmp_path):
    # A real question re-encoded as 44.1 kHz stereo WAV: any rate and channel count works.
    clip = load_audio(SPEECH / "emotiontts/pma/pma00005.flac")
    stereo = np.stack([clip, clip], axis=1)
    soundfile.write(tmp_path / "stereo.wav", resample(stereo, 16000, 44100), 44100)
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF not really a wave file" * 10)
    scenario = write_scenario(tmp_path, """
name: 실패 확인
turns:
  - audio: corrupt.wav
  - audio: stereo.wav
    expect: {transcript: "특별기내식 신청은 어떻게 해야 하나요?", max_cer: 0.3}
  - text: 기초연금 신청은 어떻게 하나요
    expect:
      service: 노인장기요양보험제도
      answer_contains: ["이 문구는 답에 없다"]
""")
    result = run_script(scenario, "--report", tmp_path / "out")
    assert result.exit_code == 1, result.output

    cases = list(junit_cases(tmp_path / "out" / "junit.xml").values())
    assert len(cases) == 3
    corrupt, stereo_turn, wrong = (case.find("failure") for case in cases)
    assert "not a readable audio file" in corrupt.get("message")
    assert stereo_turn is None
    assert "service '노인장기요양보험제도' not top-1" in wrong.text
    assert "answer does not contain '이 문구는 답에 없다'" in wrong.text
    assert "turn 3 (기초연금 신청은 어떻게 하나요)" in result.output


def test_a_scenario_whose_recordings_are_missing_cannot_be_used_and_exits_2(tmp_path):
    (tmp_path / "here.wav").write_bytes(b"")  # present: whether it decodes is the turn's business
    missing = write_scenario(tmp_path, """
turns:
  - audio: clips/q1.flac
  - audio: here.wav
  - audio: clips/q3.flac
""", "missing.yaml")
    result = run_script(missing, "--report", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"UNUSABLE {missing}: turns[0].audio: clips/q1.flac: file not found" in result.output
    assert f"UNUSABLE {missing}: turns[2].audio: clips/q3.flac: file not found" in result.output
    assert "turns[1]" not in result.output
    assert len(ET.parse(tmp_path / "out" / "junit.xml").getroot().findall(".//error")) == 1


def test_broken_scenario_exits_2_naming_the_file_and_field(tmp_path):
    broken = write_scenario(tmp_path, """
name: 고장
turns:
  - text: 기초연금
  - text: 노인 일자리
    expect: {service: 노인 일자리 및 사회활동 지원, top_k: 0}
""", "broken.yaml")
    unknown = write_scenario(tmp_path, """
turns:
  - text: 기초연금
    expect: {service: 기초연금제두}
""", "unknown.yaml")
    result = run_script(broken, unknown, "--report", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{broken}: turns[1].expect.top_k: must be ≥ 1" in result.output
    assert f"{unknown}: turns[0].expect.service: no service named '기초연금제두'" in result.output
    assert "did you mean '기초연금제도'" in result.output
    errors = ET.parse(tmp_path / "out" / "junit.xml").getroot().findall(".//error")
    assert len(errors) == 2


@pytest.mark.parametrize("text,problem", [
    ("turns: []", "turns: must not be empty"),
    ("turns: [{text: 안녕, audio: a.wav}]", "turns[0]: give either `audio`"),
    ("turns: [{audio: a.wav, expect: {max_cer: 0.2}}]", "turns[0].expect: max_cer needs a reference `transcript`"),
    ("turns: [{text: 안녕, expect: {transcript: 안녕}}]", "turns[0]: expect.transcript is only for `audio` turns"),
    ("turns: [{text: 안녕, expect: {answer_contain: [x]}}]", "turns[0].expect: unknown key 'answer_contain'"),
    ("turns: [{text: 안녕, expect: {max_latency_ms: -5}}]", "turns[0].expect.max_latency_ms: must be > 0"),
    ("settings: {speech_rate: 0}\nturns: [{text: 안녕}]", "settings.speech_rate: must be > 0"),
    ("name: [unclosed\n", "line 2, column 1: not valid YAML"),
    ("- just a list", "expected a mapping"),
])
def test_scenario_validation_names_the_field(tmp_path, text, problem):
    path = write_scenario(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert problem in str(err.value) and str(path) in str(err.value)


def test_scenario_paths_are_relative_to_the_file_and_a_single_phrase_is_a_list(tmp_path):
    (tmp_path / "sub").mkdir()
    path = write_scenario(tmp_path / "sub", "turns: [{audio: ../clips/q.flac, expect: {answer_contains: '129'}}]")
    scenario = load_scenario(path)
    assert scenario.name == "scenario"
    assert scenario.audio_path(scenario.turns[0]) == (tmp_path / "clips" / "q.flac").resolve()
    assert scenario.turns[0].expect.answer_contains == ["129"]


def test_transcript_differences_that_do_not_count_are_marked_minor():
    segments = char_diff("기초연금 신청은 어떻게 하나요", "기초 연금 신청은 어떻케 하나요?")
    kinds = {(s.reference, s.heard): s.kind for s in segments}
    assert kinds[("게", "케")] == "error"
    assert kinds[("", " ")] == "minor" and kinds[("", "?")] == "minor"


@pytest.mark.e2e  # run-script speaks its answers with a voice
def test_counseling_expectations_fail_with_reasons(tmp_path):
    scenario = write_scenario(tmp_path, """
name: 상담 기대
turns:
  - text: 뭐 받을 수 있어요?
    expect: {asks_question: false}
  - text: 일흔둘이고 혼자 살아요
  - text: 해당 없어요
    expect:
      lists: [장애인연금]
      not_lists: [시흥시 어르신 기본교통비 지원]
""")
    result = run_script(scenario, "--report", tmp_path / "out")
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    first, _, second = report["scenarios"][0]["turns"]
    assert first["answer_kind"] == "question" and "expected no question" in first["reasons"][0]
    assert second["answer_kind"] == "suggest" and second["listed"]
    assert any("do not list '장애인연금'" in r for r in second["reasons"])
    assert any("list '시흥시 어르신 기본교통비 지원'" in r for r in second["reasons"])


def test_unknown_service_in_lists_is_a_scenario_error(tmp_path):
    scenario = write_scenario(tmp_path, "turns:\n  - text: 뭐 받을 수 있어요?\n    expect: {lists: [없는서비스이름]}\n")
    result = run_script(scenario, "--report", tmp_path / "out")
    assert result.exit_code == 2 and "turns[0].expect.lists: no service named '없는서비스이름'" in result.output
