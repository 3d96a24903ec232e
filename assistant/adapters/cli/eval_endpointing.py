"""`assistant eval endpointing`: when turns end, on recorded utterances with and without a pause."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ...config import Settings

POLICIES = ("fixed", "grammar", "grammar+smart-turn")


@click.command("endpointing")
@click.option("--manifest", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Speech manifest: JSON lines with path (relative to the manifest) and text per clip.")
@click.option("--policy", "policies", multiple=True, type=click.Choice(POLICIES), default=("grammar",),
              show_default=True,
              help="fixed: today's silence rule; grammar: the turn-end judge; grammar+smart-turn: Smart Turn "
                   "where the grammar is unsure. Repeat to compare (same recognitions for all).")
@click.option("--smart-turn-model", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Smart Turn v3.2 ONNX file, for grammar+smart-turn.")
@click.option("--recognition-ms", type=click.FloatRange(min=0), default=None,
              help="Assume every partial recognition takes this long (default: its measured compute time).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N clips.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep word timestamps and partial transcripts on disk (.cache/recognition/, by audio and "
                   "model hash), so a re-run recognizes nothing new; latencies stay those first measured.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"n_complete", "n_paused", "mean_wait_ms", "p95_wait_ms", "false_cutoff_rate", '
                   '"missed_end_rate", …} (one object per policy when several are compared).')
@click.pass_obj
def eval_endpointing(settings: Settings, manifest: Path, policies: tuple[str, ...], smart_turn_model: Path | None,
                     recognition_ms: float | None, limit: int | None, cache: bool, as_json: bool) -> None:
    """Wait after finished utterances and cut-offs in pauses, streamed in simulated live time.

    Each clip gives a complete case (the utterance, then silence) and a paused
    one (cut at a word boundary, 1.0-1.5 s of silence, the rest), streamed
    through the real endpointer with the real recognizer for partial
    transcripts. wait: last voiced frame to the end of the turn."""
    from tqdm import tqdm

    from ...evaluation.endpointing import evaluate
    from ...evaluation.recognition_cache import RecognitionCache
    from ...evaluation.speech import load_manifest
    from ...stt.endpointer import Endpointer
    from .stt import _load_transcriber

    if "grammar+smart-turn" in policies and smart_turn_model is None:
        raise click.UsageError("grammar+smart-turn needs --smart-turn-model")
    try:
        clips = load_manifest(manifest, limit)
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    transcriber = _load_transcriber(settings)
    endpointers = {name: Endpointer(settings.vad, _judge(name, settings, smart_turn_model))
                   for name in dict.fromkeys(policies)}
    report = evaluate(clips, transcriber, endpointers, recognition_ms,
                      progress=lambda c: tqdm(c, desc="eval endpointing", unit="clip", file=sys.stderr),
                      cache=RecognitionCache.for_transcriber(transcriber) if cache else None)
    summaries = {name: report[name] for name in endpointers}
    if as_json:
        out = next(iter(summaries.values())) if len(summaries) == 1 else {**summaries,
                                                                         "recognition": report["recognition"]}
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    recognition = report["recognition"]
    click.echo(f"partial recognition: {recognition['latency']}, {recognition['calls']} calls, "
               f"p50 {recognition['p50_ms']} ms, p95 {recognition['p95_ms']} ms")
    for name, summary in summaries.items():
        click.echo(f"{name}: {summary['n_complete']} complete, mean wait {summary['mean_wait_ms']} ms "
                   f"(p95 {summary['p95_wait_ms']}), missed ends {summary['missed_end_rate']}; "
                   f"{summary['n_paused']} paused, false cut-offs {summary['false_cutoff_rate']}")


def _judge(policy: str, settings: Settings, smart_turn_model: Path | None):
    if policy == "fixed":
        return None
    from ...corpus.store import load_corpus
    from ...stt.turn_end import TurnJudge

    grammar = TurnJudge(service.name for service in load_corpus(settings.corpus.dir).services)
    if policy == "grammar":
        return grammar
    from ...evaluation.smart_turn import GrammarThenSmartTurn, SmartTurn

    assert smart_turn_model is not None
    return GrammarThenSmartTurn(grammar, SmartTurn(smart_turn_model))
