"""`assistant eval retrieval`: hit@1, hit@5 and MRR of the production ranking on a QA file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ...config import Settings


@click.command("retrieval")
@click.option("--qa", "qa_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help='JSONL, one {"question": ..., "service": <booklet program name>} a line.')
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_obj
def eval_retrieval(settings: Settings, qa_path: Path, as_json: bool) -> None:
    """Rank every question as production does and score the ranks."""
    from ...corpus.store import CorpusError, load_corpus
    from ...evaluation.retrieval import QAFileError, evaluate, read_qa
    from ...retrieval.retriever import Retriever

    try:
        items = read_qa(qa_path)
        retriever = Retriever.load(load_corpus(settings.corpus.dir), settings.retrieval)
    except (QAFileError, CorpusError) as err:
        raise click.ClickException(str(err)) from err
    figures = evaluate(retriever, items)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    click.echo(f"{figures['n']} questions: hit@1 {figures['hit@1']:.3f}  hit@5 {figures['hit@5']:.3f}  "
               f"MRR {figures['mrr']:.3f}  {figures['ms_per_query']:.2f} ms/query")
    if figures["unresolved"]:
        click.echo(f"{figures['unresolved']} question(s) name a service the corpus does not hold: "
                   + ", ".join(figures["unresolved_services"]))

