"""Replaying scenarios through the conversation core, one conversation per scenario.

Recordings go through the controller in 20 ms frames, exactly as a microphone
delivers them, so endpointing and turn-taking decide where each question ends;
the conversation runs in virtual time (`assistant/core/replay.py`).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter

import numpy as np
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from ...audio import ENGINE_RATE, AudioError, load_audio
from ...config import Settings
from ...core.engine import Engine
from ...core.replay import Exchange, ReplayedConversation
from ...corpus.store import load_corpus
from ...evaluation.cer import cer
from .expectations import ServiceCatalog, check
from .media import to_mp3
from .results import RunResult, ScenarioResult, TurnResult
from .scenario import Scenario, ScenarioError, Turn, load_scenario

log = logging.getLogger(__name__)


def run_scenarios(paths: Sequence[Path], base: Settings, *, progress: bool = True) -> RunResult:
    """Run every usable scenario; unusable ones are reported, never half-run."""
    # Scenario settings never change the corpus, so one catalog serves every engine.
    catalog = ServiceCatalog(load_corpus(base.corpus.dir))
    scenarios, errors = _load_all(paths, catalog)
    results: dict[int, ScenarioResult] = {}
    total = sum(len(s.turns) for _, s in scenarios)
    bar = tqdm(total=total, unit="turn", file=sys.stderr, disable=not progress or not total, dynamic_ncols=True)
    # Scenarios that ask for the same settings share one engine (models load once).
    groups: dict[str, list[tuple[int, Scenario]]] = {}
    for index, scenario in scenarios:
        groups.setdefault(scenario.engine_settings(base).model_dump_json(), []).append((index, scenario))
    # Log lines print above the bar instead of through it.
    with bar, logging_redirect_tqdm():
        for members in groups.values():
            settings = members[0][1].engine_settings(base)
            try:
                engine = Engine.load(settings)
                engine.warm_up(speech=any(t.audio for _, s in members for t in s.turns), background=False)
            except Exception as err:
                log.debug("engine start-up failed", exc_info=True)
                for _, scenario in members:
                    errors.append(ScenarioError(scenario.path, [f"settings: the assistant could not start with "
                                                                f"these settings: {err}"]))
                    bar.update(len(scenario.turns))
                continue
            for index, scenario in members:
                bar.set_description(scenario.name)
                results[index] = run_scenario(engine, scenario, catalog, on_turn=lambda _t: bar.update())
            del engine  # free the models before the next group loads its own
    return RunResult([results[i] for i in sorted(results)], errors)


def _load_all(paths: Sequence[Path], catalog: ServiceCatalog) -> tuple[list[tuple[int, Scenario]], list[ScenarioError]]:
    scenarios, errors = [], []
    for index, path in enumerate(paths):
        try:
            scenario = load_scenario(path)
            _check_service_names(scenario, catalog)
            _check_recordings(scenario)
        except ScenarioError as err:
            errors.append(err)
            continue
        scenarios.append((index, scenario))
    return scenarios, errors


def _check_service_names(scenario: Scenario, catalog: ServiceCatalog) -> None:
    problems = []
    for i, turn in enumerate(scenario.turns):
        named = [("service", turn.expect.service)] if turn.expect.service is not None else []
        named += [(key, name) for key in ("lists", "not_lists") for name in getattr(turn.expect, key)]
        for key, name in named:
            if not catalog.resolve(name):
                hint = catalog.suggestion(name)
                problems.append(f"turns[{i}].expect.{key}: no service named {name!r} in the corpus"
                                + (f" (did you mean {hint!r}?)" if hint else ""))
    if problems:
        raise ScenarioError(scenario.path, problems)


def _check_recordings(scenario: Scenario) -> None:
    """A recording that is not there makes the scenario unusable (exit 2), like a
    misspelt service: the file is wrong, not the assistant. One that is there but
    cannot be decoded still fails only its turn."""
    problems = [f"turns[{i}].audio: {turn.audio}: file not found (looked for {scenario.audio_path(turn)})"
                for i, turn in enumerate(scenario.turns)
                if turn.audio is not None and not scenario.audio_path(turn).is_file()]
    if problems:
        raise ScenarioError(scenario.path, problems)


def run_scenario(engine: Engine, scenario: Scenario, catalog: ServiceCatalog,
                 on_turn: Callable[[TurnResult], None] = lambda _t: None) -> ScenarioResult:
    """All turns in one conversation, so follow-up questions refer to earlier answers."""
    start = perf_counter()

    async def replay() -> list[TurnResult]:
        results = []
        async with ReplayedConversation(engine) as conversation:
            for index, turn in enumerate(scenario.turns):
                result = await run_turn(conversation, scenario, index, turn, catalog)
                results.append(result)
                on_turn(result)
        return results

    turns = asyncio.run(replay())
    return ScenarioResult(scenario.name, scenario.path, scenario.settings.model_dump(exclude_none=True),
                          turns, round(perf_counter() - start, 2))


async def run_turn(conversation: ReplayedConversation, scenario: Scenario, index: int, turn: Turn,
                   catalog: ServiceCatalog) -> TurnResult:
    start = perf_counter()
    result = TurnResult(index, turn.label, "audio" if turn.audio else "text", turn.source,
                        expect=turn.expect.model_dump(exclude_unset=True), reference=turn.expect.transcript)
    exchanges = await _play(conversation, scenario, turn, result)
    if exchanges:
        _fill(result, exchanges, catalog)
        result.reasons = check(turn.expect, result, catalog)
    result.elapsed_s = round(perf_counter() - start, 2)
    return result


async def _play(conversation: ReplayedConversation, scenario: Scenario, turn: Turn,
                result: TurnResult) -> list[Exchange]:
    """The turn's input through the conversation; a recording that cannot be played fails the turn."""
    if turn.text is not None:
        return await conversation.ask(turn.text)
    try:
        audio = load_audio(scenario.audio_path(turn))
    except (AudioError, OSError) as err:
        result.reasons.append(f"cannot use the recording: {err}")
        return []
    result.input_audio = to_mp3(audio, ENGINE_RATE)
    result.input_duration_s = round(len(audio) / ENGINE_RATE, 2)
    exchanges = await conversation.say(audio)
    if not exchanges:
        result.reasons.append("no speech found in the recording")
    return exchanges


def _fill(result: TurnResult, exchanges: list[Exchange], catalog: ServiceCatalog) -> None:
    # The resident is left with the last reply; earlier ones answered part of a split question.
    last = exchanges[-1]
    heard = [e.transcript for e in exchanges if e.transcript is not None]
    if heard:
        result.transcript = " ".join(t.text for t in heard)
        result.transcript_rejected = heard[-1].rejected
        result.utterances = len(heard)
        if result.reference is not None:
            result.cer = round(cer(result.reference, result.transcript), 3)
    if len(heard) > 1:
        result.warnings.append(f"the recording was heard as {len(heard)} utterances (a pause ended the turn "
                               "early); the kiosk answered each, this shows the last answer")
    found = last.found
    if found:
        result.services = [{"id": s.id, "name": s.name, "score": s.score} for s in found.services]
    answer = last.answer
    assert answer is not None  # exchanges are replies
    result.answer_screen, result.answer_speech, result.answer_kind = answer.screen, answer.speech, answer.kind
    if answer.card is not None:
        result.answered_service = {"id": answer.card.id, "name": answer.card.name}
    if answer.kind == "suggest":
        result.listed = [{"id": c.id, "name": c.name, "reason": c.reason} for c in answer.choices]
    result.timings_ms = dict(last.timings)
    chunks = [a.samples for a in last.audio]
    if chunks:
        rate = last.audio[0].sample_rate
        reply = np.concatenate(chunks)
        result.reply_audio = to_mp3(reply, rate)
        result.reply_duration_s = round(len(reply) / rate, 2)
