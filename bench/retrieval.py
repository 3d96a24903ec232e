"""Retrieval speed and quality over the full corpus.

Targets (issue 2): build ≤ 20 s, load of a persisted index ≤ 1 s, query
p95 ≤ 10 ms on 2 cores; hit@1 and hit@5 on the development questions. The
production ranking (learned, issue 15: hit@1 ≥ 0.86 and hit@5 ≥ 0.96 on the
unseen part, p95 ≤ 25 ms, ≥ 92 % of answers given without a clarifying
question about the right program), the hand-set fusion (`learned = false`)
and the lexical one (semantic ranking off) are measured, on the training and
unseen parts of the fixed split, with the off-topic rate on the speech
transcripts (everyday sentences) and the load of the learned ranking.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.corpus.store import load_corpus
from assistant.evaluation.datasets import RETRIEVAL_DEV, SPEECH_MANIFEST
from assistant.evaluation.retrieval import evaluate, off_topic_rate, read_qa, read_texts
from assistant.evaluation.split import training_part, unseen_part
from assistant.korean import kiwi
from assistant.retrieval.analyzer import default_analyzer
from assistant.retrieval.index import BM25Index
from assistant.retrieval.learned import RANKER_FILE, read_ranker
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.semantic import E5SmallEncoder, passages


def run() -> dict:
    settings = Settings.load()
    corpus = load_corpus(settings.corpus.dir)
    analyzer = default_analyzer()

    started = time.perf_counter()
    kiwi.load()
    kiwi_load = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp)
        started = time.perf_counter()
        BM25Index.build(corpus, analyzer).save(index_dir)
        build = time.perf_counter() - started
        started = time.perf_counter()
        lexical = Retriever.load(corpus, settings.retrieval.model_copy(update={"index_dir": index_dir,
                                                                              "semantic": False}))
        load = time.perf_counter() - started
        started = time.perf_counter()
        semantic = Retriever.load(corpus, settings.retrieval.model_copy(update={"index_dir": index_dir,
                                                                               "learned": False}))
        load_semantic = time.perf_counter() - started
        started = time.perf_counter()
        learned = Retriever.load(corpus, settings.retrieval.model_copy(update={"index_dir": index_dir}))
        load_learned = time.perf_counter() - started
    started = time.perf_counter()
    read_ranker(settings.corpus.dir / RANKER_FILE, learned.services)
    read_learned = time.perf_counter() - started

    figures = {
        "services": len(corpus.services),
        "kiwi_load_s": round(kiwi_load, 2),
        "build_s": round(build, 2),
        "load_s": round(load, 3),
        "load_with_semantic_s": round(load_semantic, 3),
        "load_with_learned_s": round(load_learned, 3),
        "learned_ranking_read_s": round(read_learned, 3),
        "learned_ranking_mb": round((settings.corpus.dir / RANKER_FILE).stat().st_size / 1e6, 2)
        if (settings.corpus.dir / RANKER_FILE).exists() else None,
        "learned": learned.learned is not None,
        **_encoding_rate(corpus),
    }
    if RETRIEVAL_DEV.exists():
        items = read_qa(RETRIEVAL_DEV)
        texts = read_texts(SPEECH_MANIFEST) if SPEECH_MANIFEST.exists() else None
        for name, retriever in (("", learned), ("hand_set_", semantic), ("lexical_", lexical)):
            figures.update({f"{name}{key}": value for key, value in _measure(retriever, items, texts).items()})
    return figures


def _encoding_rate(corpus) -> dict:
    """What `assistant corpus embed` costs: a sample of passages encoded."""
    encoder = E5SmallEncoder()
    texts = [p for s in corpus.services for p in passages(s)]
    sample = texts[::max(1, len(texts) // 256)]
    started = time.perf_counter()
    encoder.encode_passages(sample)
    per_passage = (time.perf_counter() - started) / len(sample)
    return {"passages": len(texts), "embed_corpus_s_estimate": round(per_passage * len(texts), 1)}


def _measure(retriever: Retriever, items, texts) -> dict:
    latencies = []
    for item in items[:1000]:
        started = time.perf_counter()
        retriever.search(item.question)
        latencies.append(1000 * (time.perf_counter() - started))
    figures = {
        "query_ms_p50": round(float(np.percentile(latencies, 50)), 2),
        "query_ms_p95": round(float(np.percentile(latencies, 95)), 2),
    }
    for part, chosen in (("train", training_part(items)), ("unseen", unseen_part(items))):
        quality = evaluate(retriever, chosen)
        figures.update({f"{part}_{key}": quality[key] for key in
                        ("n", "hit@1", "hit@5", "mrr", "clarify_rate", "confident_precision")})
    if texts is not None:
        figures["off_topic_rate"] = off_topic_rate(retriever, texts)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
