"""Query terms and their weights, expanded from the corpus's own vocabulary.

Records name the groups a service is for with one vocabulary (the importer's
target groups: 어르신, 장애인, 아동 …), while residents use many words for the
same group ("노인", "노령", "65세 이상" for 어르신). A question naming a group
in any of the vocabulary's words also asks with the group's label, which
every record for that group carries; a question that already uses the label
weighs it twice, which ranked better on the development questions.

When measuring how much of a question a service covers, the group's label
stands for the words that named it: a record for 어르신 covers "노인" even
if it never uses the word.
"""

from __future__ import annotations

from ..corpus.targets import infer_targets
from .analyzer import Analyzer


def expand(query: str, tokens: list[str], analyzer: Analyzer) -> dict[str, float]:
    """Weighted terms for the `tokens` of `query`: each token and each label
    of the groups it names counts once per occurrence."""
    weights: dict[str, float] = {}
    for term in (*tokens, *analyzer.analyze(" ".join(infer_targets(query)))):
        weights[term] = weights.get(term, 0.0) + 1.0
    return weights


def coverage_terms(query: str, tokens: list[str], analyzer: Analyzer) -> list[str]:
    """The `tokens` of `query` that a service should contain, with the labels
    of the groups it names in place of the words that named them. Compounds
    of two other tokens (the analyzer joins adjacent nouns) are left out:
    their parts stand for them, and a record that happens to write the two
    nouns together ("장기요양등급") has not answered more of the question."""
    present = set(tokens)
    simple = [t for t in tokens if not any(t[:i] in present and t[i:] in present for i in range(1, len(t)))]
    return [*(t for t in simple if not infer_targets(t)), *analyzer.analyze(" ".join(infer_targets(query)))]
