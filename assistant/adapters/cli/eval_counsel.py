"""`assistant eval counsel`: precision of the spoken top three and recall of the screen list on resident profiles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ...config import Settings


@click.command("counsel")
@click.option("--set", "set_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Profiles YAML (default: the development set in assistant/evaluation/data).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_obj
def eval_counsel(settings: Settings, set_path: Path | None, as_json: bool) -> None:
    """Play each resident profile through a session and score the suggestions."""
    from ...core.engine import Engine
    from ...core.session import Session
    from ...corpus.store import CorpusError
    from ...evaluation.counsel import DEV_SET, CounselSetError, evaluate, read_set

    try:
        engine = Engine.load(settings)
        counsel_set = read_set(set_path or DEV_SET, engine.corpus.services)
    except (CounselSetError, CorpusError) as err:
        raise click.ClickException(str(err)) from err
    figures = evaluate(engine, counsel_set, lambda: Session(engine, speak=False))
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    click.echo(f"{figures['n']} profiles: precision@3 {figures['precision@3']:.3f}  recall {figures['recall']:.3f}  "
               f"questions asked {figures['questions_asked']:.2f} per profile")
    for case in figures["profiles"]:
        click.echo(f"- {case['name']}: asked {case['questions'] or 'nothing'}; P@3 {case['precision@3']:.2f}, "
                   f"recall {case['recall']:.2f}\n  spoken: {', '.join(case['spoken'])}"
                   + (f"\n  missed: {', '.join(case['missed'])}" if case["missed"] else ""))
