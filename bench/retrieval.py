"""Retrieval speed and quality over the full corpus.

Targets (issue 2): build ≤ 20 s, load of a persisted index ≤ 1 s, query
p95 ≤ 10 ms on 2 cores; hit@1 and hit@5 on the development questions.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus.store import load_corpus
from assistant.evaluation.retrieval import evaluate, read_qa
from assistant.retrieval.index import BM25Index
from assistant.retrieval.retriever import Retriever
from assistant.text.analyzer import _kiwi, default_analyzer

DEV_QA = PROJECT_ROOT.parent / "shared" / "eval" / "retrieval_dev.jsonl"


def run() -> dict:
    settings = Settings.load()
    corpus = load_corpus(settings.corpus.dir)
    analyzer = default_analyzer()

    started = time.perf_counter()
    _kiwi()
    kiwi_load = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp)
        started = time.perf_counter()
        BM25Index.build(corpus, analyzer).save(index_dir)
        build = time.perf_counter() - started
        started = time.perf_counter()
        retriever = Retriever(corpus, settings.retrieval.model_copy(update={"index_dir": index_dir}),
                              BM25Index.load(index_dir), analyzer)
        load = time.perf_counter() - started

    figures = {
        "services": len(corpus.services),
        "kiwi_load_s": round(kiwi_load, 2),
        "build_s": round(build, 2),
        "load_s": round(load, 3),
    }
    if DEV_QA.exists():
        items = read_qa(DEV_QA)
        latencies = []
        for item in items[:1000]:
            started = time.perf_counter()
            retriever.search(item.question)
            latencies.append(1000 * (time.perf_counter() - started))
        quality = evaluate(retriever, items)
        figures.update({
            "query_ms_p50": round(float(np.percentile(latencies, 50)), 2),
            "query_ms_p95": round(float(np.percentile(latencies, 95)), 2),
            "questions": quality["n"],
            "hit@1": quality["hit@1"],
            "hit@5": quality["hit@5"],
            "mrr": quality["mrr"],
        })
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
