"""Retrieval speed and quality over the full corpus.

Targets (issue 2): build ≤ 20 s, load of a persisted index ≤ 1 s, query
p95 ≤ 10 ms on 2 cores; hit@1 and hit@5 on the development questions. Both
the production ranking and the lexical one (semantic ranking off) are measured.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus.store import load_corpus
from assistant.evaluation.retrieval import evaluate, read_qa
from assistant.korean import kiwi
from assistant.retrieval.analyzer import default_analyzer
from assistant.retrieval.index import BM25Index
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.semantic import E5SmallEncoder, passages

DEV_QA = PROJECT_ROOT.parent / "shared" / "eval" / "retrieval_dev.jsonl"


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
        semantic = Retriever.load(corpus, settings.retrieval.model_copy(update={"index_dir": index_dir}))
        load_semantic = time.perf_counter() - started

    figures = {
        "services": len(corpus.services),
        "kiwi_load_s": round(kiwi_load, 2),
        "build_s": round(build, 2),
        "load_s": round(load, 3),
        "load_with_semantic_s": round(load_semantic, 3),
        **_encoding_rate(corpus),
    }
    if DEV_QA.exists():
        items = read_qa(DEV_QA)
        for name, retriever in (("", semantic), ("lexical_", lexical)):
            figures.update({f"{name}{key}": value for key, value in _measure(retriever, items).items()})
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


def _measure(retriever: Retriever, items) -> dict:
    latencies = []
    for item in items[:1000]:
        started = time.perf_counter()
        retriever.search(item.question)
        latencies.append(1000 * (time.perf_counter() - started))
    quality = evaluate(retriever, items)
    return {
        "query_ms_p50": round(float(np.percentile(latencies, 50)), 2),
        "query_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        "questions": quality["n"],
        "hit@1": quality["hit@1"],
        "hit@5": quality["hit@5"],
        "mrr": quality["mrr"],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
