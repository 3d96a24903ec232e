"""`assistant eval answers`: how well the spoken answers suit the ear, over every service × question kind."""

from __future__ import annotations

import json

import click

from ...config import Settings


@click.command("answers")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--show-unfinished", is_flag=True, help="Also list each spoken sentence that lacks a final ending.")
@click.pass_obj
def eval_answers(settings: Settings, as_json: bool, show_unfinished: bool) -> None:
    """Compose the spoken answer to every question kind about every service in the
    corpus and measure: sentences ending in a final ending (Kiwi EF), sentences per
    answer, answers with brackets, colons or list markers."""
    from ...answer.answerer import Answerer
    from ...corpus.store import CorpusError, load_corpus
    from ...evaluation.answers import measure, spoken_answers, unfinished

    try:
        corpus = load_corpus(settings.corpus.dir)
    except CorpusError as err:
        raise click.ClickException(str(err)) from err
    answers = spoken_answers(Answerer(corpus, settings), corpus.services)
    figures = measure(answers)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        click.echo(f"{figures['answers']} spoken answers, {figures['sentences']} sentences: "
                   f"final ending {figures['final_ending_share']:.2%}, polite {figures['polite_ending_share']:.2%}; "
                   f"{figures['sentences_per_answer_mean']:.2f} sentences per answer "
                   f"(max {figures['sentences_per_answer_max']}); "
                   f"with brackets, colons or list markers {figures['answers_with_written_marks_share']:.1%}")
    if show_unfinished:
        for answer, sentence in unfinished(answers):
            click.echo(f"{answer.service_id} {answer.intent.value}: {sentence}", err=True)
