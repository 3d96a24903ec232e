"""`assistant corpus train`: the learned ranking (see `learned.py`) from the
training part of the labeled questions.

Reproducible: the split, the folds and LightGBM are seeded and LightGBM runs
deterministically, so the same corpus and questions give the same file.

The asked field of a question's own service must not contain that question,
or the ranker would learn to trust a perfect match it never sees in use. So
the training questions are cut into folds (by a seeded hash of the text), and
each fold's features come from an asked field built from the other folds
only; the stored ranker's asked field holds every training question. The
confidence is fitted the same way, on out-of-fold ranker scores.
"""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
from scipy.optimize import minimize

from ..evaluation.retrieval import QAItem
from ..evaluation.split import SPLIT_SEED, UNSEEN_PERCENT, SplitBy, training_part
from .learned import (
    CONFIDENCE_FEATURES,
    DEPTH,
    FEATURES,
    LEARNED_VERSION,
    AskedField,
    Features,
    LearnedRanker,
    Signals,
    StoredQuestions,
    at_stored_precision,
    confidence_inputs,
    fingerprint_of,
    question_key,
)
from .retriever import Retriever, normalize_name

log = logging.getLogger(__name__)

FOLDS = 5
SEED = 7
ROUNDS = 300
PARAMS = {
    "objective": "lambdarank", "num_leaves": 7, "learning_rate": 0.05, "min_data_in_leaf": 50,
    "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.8, "lambdarank_truncation_level": DEPTH,
    "seed": SEED, "deterministic": True, "force_row_wise": True, "verbose": -1,
    # One thread: the problem is small (a few thousand rows), and two OpenMP threads on
    # a machine whose cores are busy wait on each other every round: 9.1 s against 0.7 s
    # for 300 rounds on 4,000 rows at load 7 on 2 cores, the same trees either way.
    "num_threads": 1,
}
# L2 penalty of the confidence's logistic fit.
CONFIDENCE_L2 = 1.0
# Out-of-fold clarify rate and precision of the answers given, at these
# confidence thresholds (for choosing `retrieval.min_confidence`).
CALIBRATION_THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
# The share of welfare questions the off-topic test may turn away.
OFF_TOPIC_KEEP_LOSS = 0.01


def _fold(question: str) -> int:
    key = f"{SPLIT_SEED}/fold\n{normalize_name(question)}"
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % FOLDS


class _Example:
    def __init__(self, item: QAItem, owner: str, wanted: np.ndarray, signals: Signals, tokens: list[str]):
        self.item, self.owner, self.wanted, self.signals, self.tokens = item, owner, wanted, signals, tokens
        # `_examples` keeps only questions with a vector that share a word with some record.
        assert signals.query_vector is not None and signals.closeness is not None
        self.vector: np.ndarray = signals.query_vector
        self.closeness: np.ndarray = signals.closeness
        self.fold = _fold(item.question)


def train_ranker(retriever: Retriever, items: list[QAItem], reuse: StoredQuestions | None = None,
                 by: SplitBy = SplitBy.QUESTION) -> LearnedRanker:
    """The learned ranking from the training part of `items` (the unseen
    part is dropped here, before anything is read of it). `reuse`: stored
    questions whose vectors need not be encoded again."""
    assert retriever.semantic is not None, "the learned ranking needs the sentence encoder"
    training = training_part(items, by)
    examples = _examples(retriever, training, reuse)
    features = Features(retriever.services)
    vectors = np.stack([e.vector for e in examples])

    def asked_without(fold: int | None) -> AskedField:
        keep = [n for n, e in enumerate(examples) if e.fold != fold]
        return AskedField(retriever.services, [examples[n].owner for n in keep],
                          [examples[n].tokens for n in keep], vectors[keep])

    # Out-of-fold features of every example.
    rows, labels, groups, folds, asked_best = [], [], [], [], []
    for fold in range(FOLDS):
        asked = asked_without(fold)
        for example in (e for e in examples if e.fold == fold):
            found = features.candidates(example.signals, asked, retriever.fused(example.signals),
                                        retriever.arranged, retriever._locale_weight)
            if found is None:
                continue
            order, x = found
            rows.append(x)
            labels.append(np.isin(order, example.wanted).astype(np.float32))
            groups.append(example)
            folds.append(fold)
            asked_best.append(float(asked.scores(example.signals)[1].max()))
    fold_of = np.array(folds)
    booster = _fit(rows, labels)

    # The confidence, on scores of rankers that did not see the fold.
    inputs, right = [], []
    for fold in range(FOLDS):
        inside = np.flatnonzero(fold_of == fold)
        model = _fit([rows[i] for i in np.flatnonzero(fold_of != fold)],
                     [labels[i] for i in np.flatnonzero(fold_of != fold)])
        for i in inside:
            raw = np.asarray(model.predict(rows[i], num_threads=1), dtype=np.float64)
            ranked = np.argsort(-raw, kind="stable")
            inputs.append(confidence_inputs(raw, rows[i], groups[i].signals, asked_best[i]))
            right.append(labels[i][ranked[0]])
    coefficients, intercept = _logistic(np.array(inputs), np.array(right))
    hit1 = float(np.mean(right)) if right else 0.0
    probability = 1 / (1 + np.exp(-(np.array(inputs) @ coefficients + intercept)))
    right_at = np.array(right, dtype=bool)
    calibration = {f"{t:.2f}": {"clarify_rate": round(float(np.mean(probability < t)), 4),
                                "answered_right": round(float(np.mean(right_at[probability >= t])), 4)}
                   for t in CALIBRATION_THRESHOLDS if (probability >= t).any()}
    # How near in meaning the question is to anything welfare: its closest
    # asked question plus its closest passage. Below what all but
    # `OFF_TOPIC_KEEP_LOSS` of the training questions reach (out of fold),
    # a question is about something else.
    nearness = [asked_best[i] + float(groups[i].closeness.max()) for i in range(len(groups))]
    off_topic_below = float(np.quantile(nearness, OFF_TOPIC_KEEP_LOSS))

    digest = hashlib.sha256(json.dumps([(i.question, i.service) for i in training], ensure_ascii=False)
                            .encode()).hexdigest()[:16]
    meta = {
        "version": LEARNED_VERSION,
        "fingerprint": fingerprint_of(retriever),
        "training": {"questions": len(training), "used": len(groups), "digest": digest, "split": by.value,
                     "split_seed": SPLIT_SEED, "unseen_percent": UNSEEN_PERCENT, "folds": FOLDS,
                     "out_of_fold_hit@1": round(hit1, 4)},
        "ranker": {"params": PARAMS, "rounds": ROUNDS, "depth": DEPTH, "features": list(FEATURES)},
        "confidence": {"features": list(CONFIDENCE_FEATURES), "coefficients": coefficients.tolist(),
                       "intercept": intercept, "out_of_fold": calibration},
        "off_topic_below": round(off_topic_below, 4),
    }
    stored = StoredQuestions([question_key(e.item.question) for e in examples], [e.owner for e in examples],
                             [e.tokens for e in examples], vectors)
    return LearnedRanker(meta, booster, asked_without(None), features, stored)


def _examples(retriever: Retriever, items: list[QAItem], reuse: StoredQuestions | None) -> list[_Example]:
    from tqdm import tqdm

    assert retriever.semantic is not None
    known = dict(zip(reuse.keys, reuse.vectors)) if reuse is not None else {}
    position = {s.id: n for n, s in enumerate(retriever.services)}
    examples = []
    for item in tqdm(items, unit="question", desc="training questions", disable=len(items) < 200):
        owners = sorted(retriever.resolve(item.service))
        if not owners:
            continue  # a program the corpus does not hold
        wanted = np.array(sorted(position[i] for i in retriever.answering_ids(item.service)), dtype=np.int64)
        tokens, phrase = retriever.analyzer.analyze_query(item.question)
        vector = known.get(question_key(item.question))
        if vector is None:
            vector = at_stored_precision(retriever.semantic.encoder.encode_query(phrase))
        signals = retriever.signals(item.question, query_vector=vector)
        if signals.closeness is None:
            continue  # shares no word with any record: never ranked
        examples.append(_Example(item, owners[0], wanted, signals, tokens))
    return examples


def _fit(rows: list[np.ndarray], labels: list[np.ndarray]):
    import lightgbm

    data = lightgbm.Dataset(np.concatenate(rows), np.concatenate(labels), group=[len(r) for r in rows],
                            feature_name=list(FEATURES), free_raw_data=True)
    return lightgbm.train(PARAMS, data, ROUNDS)


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-penalized logistic regression (the intercept unpenalized)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logit = z @ w[:-1] + w[-1]
        p = 1 / (1 + np.exp(-logit))
        value = float(np.sum(np.logaddexp(0, logit) - y * logit) + CONFIDENCE_L2 * w[:-1] @ w[:-1])
        gradient = np.append(z.T @ (p - y) + 2 * CONFIDENCE_L2 * w[:-1], np.sum(p - y))
        return value, gradient

    w = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B").x
    # Back to the unscaled inputs.
    coefficients = w[:-1] / scale
    return coefficients, float(w[-1] - coefficients @ mean)
