"""`assistant eval …`: measurements on the evaluation sets, one subcommand per stage."""

from __future__ import annotations

import click

from .eval_answers import eval_answers
from .eval_counsel import eval_counsel
from .eval_endpointing import eval_endpointing
from .eval_retrieval import eval_retrieval
from .eval_voice import eval_voice
from .stt import eval_speech


@click.group("eval")
def eval_group() -> None:
    """Measure recognition, endpointing, retrieval, counseling, spoken answers and the voice."""


eval_group.add_command(eval_speech)
eval_group.add_command(eval_retrieval)
eval_group.add_command(eval_counsel)
eval_group.add_command(eval_answers)
eval_group.add_command(eval_endpointing)
eval_group.add_command(eval_voice)
