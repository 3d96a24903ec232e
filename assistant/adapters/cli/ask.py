"""`assistant ask`: the first adapter of the conversation core, one question per call."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from ...audio import AudioError, load_audio, write_wav
from ...config import Settings
from ...core.recordings import collect_turn, feed_file
from .options import speaking_rate, startup_errors, wav_out


def turn_json(turn: dict, query: str) -> dict:
    found, answer = turn.get("found"), turn["answer"]
    out = {
        "query": found.query if found else query,
        "services": [{"id": s.id, "name": s.name, "score": s.score} for s in found.services] if found else [],
        "confidence": found.confidence if found else 0.0,
        "answer_screen": answer.screen,
        "answer_speech": answer.speech,
        "answer_kind": answer.kind,
        "timings_ms": turn.get("timings", {}),
    }
    if "transcript" in turn:
        t = turn["transcript"]
        out["transcript"] = t.text
        out["transcript_confidence"] = t.confidence
        if t.rejected:
            out["transcript_rejected"] = t.rejected
    return out


@click.command()
@click.argument("question", required=False)
@click.option("--audio", "audio_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A recorded question (WAV, FLAC, MP3, M4A, OGG; any rate or channels).")
@wav_out("Write the spoken reply to this WAV file (in a folder that exists).")
@speaking_rate
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
@click.pass_obj
def ask(settings: Settings, question: str | None, audio_path: Path | None, out_path: Path | None,
        length_scale: float | None, as_json: bool) -> None:
    """Answer one question, typed or recorded."""
    from ...core.engine import Engine
    from ...core.session import Session

    asked: str | np.ndarray  # the typed question or the recording
    if question is not None and audio_path is None:
        if not question.strip():
            raise click.UsageError("the question is empty: type what you want to ask")
        asked = question
    elif audio_path is not None and question is None:
        try:
            asked = load_audio(audio_path)
        except AudioError as err:
            raise click.ClickException(str(err)) from err
    else:
        raise click.UsageError("give either a QUESTION or --audio FILE")
    try:
        engine = Engine.load(settings)
        # Load models before the turn, so timings measure the turn, not start-up.
        engine.warm_up(speech=not isinstance(asked, str), tts=out_path is not None, background=False)
    except startup_errors() as err:
        raise click.ClickException(str(err)) from None
    session = Session(engine, speak=out_path is not None, length_scale=length_scale)
    turn = collect_turn(session.ask_text(asked) if isinstance(asked, str) else feed_file(session, asked))
    if "answer" not in turn:
        raise click.ClickException(f"{audio_path}: no speech found in the recording")
    if out_path:
        samples = [a.samples for a in turn["audio"]]
        write_wav(out_path, np.concatenate(samples) if samples else np.zeros(0, np.int16),
                  turn["audio"][0].sample_rate if samples else 16000)
    result = turn_json(turn, question or "")
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if "transcript" in result:
        click.echo(f"들은 말: {result['transcript']}")
    if result["services"]:
        top = result["services"][0]
        click.echo(f"찾은 서비스: {top['name']} (신뢰도 {result['confidence']:.2f})")
    click.echo(f"\n{result['answer_speech']}\n\n{result['answer_screen']}")
    if out_path:
        click.echo(f"\n음성 답변: {out_path}", err=True)
    sys.stdout.flush()
