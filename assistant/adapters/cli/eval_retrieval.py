"""`assistant eval retrieval`: hit@1, hit@5 and MRR of the production ranking on a QA file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ...config import Settings


@click.command("retrieval")
@click.option("--qa", "qa_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSONL, one {"question": ..., "service": <booklet program name>} a line.')
@click.option("--part", type=click.Choice(["all", "train", "unseen"]), default="all", show_default=True,
              help="Which part of the fixed split to score (see assistant/evaluation/split.py).")
@click.option("--by", "split_by", type=click.Choice(["question", "service"]), default="question", show_default=True,
              help="Split by question (the stored learned ranking's), or by service: then a ranking is "
                   "trained here on the programs of the training part, and the unseen part's programs "
                   "have no labeled question in it.")
@click.option("--off-topic", "off_topic_path", type=click.Path(dir_okay=False, path_type=Path),
              help='JSONL of sentences about something else ({"text": ...} a line, e.g. the speech '
                   "manifest): adds the share that finds nothing.")
@click.option("--faq", is_flag=True, help="Add the booklet FAQ check: its questions against an index without FAQ text.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_obj
def eval_retrieval(settings: Settings, qa_path: Path, part: str, split_by: str, off_topic_path: Path | None,
                   faq: bool, as_json: bool) -> None:
    """Rank every question as production does and score the ranks."""
    from ...corpus.store import CorpusError, load_corpus
    from ...evaluation.retrieval import QAFileError, evaluate, off_topic_rate, read_qa, read_texts
    from ...evaluation.split import SplitBy, training_part, unseen_part
    from ...retrieval.retriever import Retriever

    by = SplitBy(split_by)
    try:
        items = read_qa(qa_path)
        texts = read_texts(off_topic_path) if off_topic_path else None
        corpus = load_corpus(settings.corpus.dir)
        retriever = Retriever.load(corpus, settings.retrieval)
    except (QAFileError, CorpusError) as err:
        raise click.ClickException(str(err)) from err
    if by is SplitBy.SERVICE:
        from ...retrieval.training import train_ranker

        if retriever.semantic is None:
            raise click.ClickException("the split by service trains a learned ranking: it needs the sentence encoder")
        stored = retriever.learned.stored if retriever.learned else None
        retriever.learned = train_ranker(retriever, items, stored, by=SplitBy.SERVICE)
    chosen = {"all": items, "train": training_part(items, by), "unseen": unseen_part(items, by)}[part]
    figures = evaluate(retriever, chosen)
    figures["part"] = part
    figures["split_by"] = by.value
    figures["learned"] = retriever.learned is not None
    if texts is not None:
        figures["off_topic_n"] = len(texts)
        figures["off_topic_rate"] = off_topic_rate(retriever, texts)
    if faq:
        figures["faq"] = _faq_check(corpus, retriever, settings)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    click.echo(f"{figures['n']} questions ({part}, split by {by.value}): hit@1 {figures['hit@1']:.3f}  "
               f"hit@5 {figures['hit@5']:.3f}  MRR {figures['mrr']:.3f}  clarify {figures['clarify_rate']:.3f}  "
               f"right when answering {figures['confident_precision'] or 0:.3f}  "
               f"{figures['ms_per_query']:.2f} ms/query")
    if texts is not None:
        click.echo(f"{len(texts)} off-topic sentences: {figures['off_topic_rate']:.3f} find nothing")
    if faq:
        f = figures["faq"]
        click.echo(f"{f['n']} booklet FAQ questions (index without FAQ text): "
                   f"hit@1 {f['hit@1']:.3f}  hit@5 {f['hit@5']:.3f}")
    if figures["unresolved"]:
        click.echo(f"{figures['unresolved']} question(s) name a service the corpus does not hold: "
                   + ", ".join(figures["unresolved_services"]))


def _faq_check(corpus, retriever, settings: Settings) -> dict:
    import tempfile

    from ...evaluation.faq import faq_items, without_faq
    from ...evaluation.retrieval import evaluate
    from ...retrieval.learned import read_ranker
    from ...retrieval.retriever import Retriever

    with tempfile.TemporaryDirectory() as tmp:
        plain = without_faq(corpus)
        checked = Retriever.load(plain, settings.retrieval.model_copy(update={"index_dir": Path(tmp),
                                                                             "learned": False}))
    if retriever.learned is not None:
        # The production ranker, though its fingerprint is the corpus's with
        # FAQ: its features do not depend on which texts the index holds.
        checked.learned = read_ranker(retriever.learned.origin, checked.services) if retriever.learned.origin else None
    found = evaluate(checked, faq_items(corpus))
    return {key: found[key] for key in ("n", "hit@1", "hit@5", "mrr", "clarify_rate", "confident_precision")}
