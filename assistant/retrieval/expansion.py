"""Query terms and their weights, expanded from the corpus's own vocabulary.

Records name the groups a service is for with one vocabulary (the importer's
target groups: 어르신, 장애인, 아동 …), while residents use many words for the
same group ("노인", "노령", "65세 이상" for 어르신). A question naming a group
in any of the vocabulary's words also asks with the group's label, which
every record for that group carries; a question that already uses the label
weighs it twice, which ranked better on the development questions.
"""

from __future__ import annotations

from ..corpus.targets import infer_targets
from ..text.analyzer import Analyzer


def expand(query: str, tokens: list[str], analyzer: Analyzer) -> dict[str, float]:
    """Weighted terms for the `tokens` of `query`: each token and each label
    of the groups it names counts once per occurrence."""
    weights: dict[str, float] = {}
    for term in (*tokens, *analyzer.analyze(" ".join(infer_targets(query)))):
        weights[term] = weights.get(term, 0.0) + 1.0
    return weights
