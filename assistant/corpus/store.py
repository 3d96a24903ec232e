"""Reading the knowledge base from `corpus/`.

`services.jsonl` is what `assistant corpus import` writes. `local/*.yaml` are
services a deployer adds or corrects by hand; a local record with the id of an
imported one replaces it, so hand edits survive a re-import.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import Service

log = logging.getLogger(__name__)

IMPORTED_FILE = "services.jsonl"
LOCAL_DIR = "local"


class CorpusError(RuntimeError):
    pass


@dataclass(frozen=True)
class Corpus:
    services: tuple[Service, ...]
    fingerprint: str
    # Where it was loaded from; None for one made in memory.
    directory: Path | None = None

    def by_id(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}


def _local_records(corpus_dir: Path):
    for path in sorted((corpus_dir / LOCAL_DIR).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as err:
            raise CorpusError(f"{path}: not valid YAML: {err}") from err
        for i, record in enumerate(data if isinstance(data, list) else [data]):
            yield f"{path.name}#{i + 1}", record


def load_corpus(corpus_dir: Path) -> Corpus:
    """Load and validate every service; a bad hand-written record is an error
    that names the file and record, since serving without it would be silent."""
    imported = corpus_dir / IMPORTED_FILE
    if not imported.exists():
        raise CorpusError(f"{imported} is missing: run `assistant corpus import`")
    digest = hashlib.sha256()
    services: dict[str, Service] = {}
    with imported.open(encoding="utf-8") as f:
        records = [(f"{IMPORTED_FILE}:{n}", json.loads(line)) for n, line in enumerate(f, 1) if line.strip()]
    for where, record in [*records, *_local_records(corpus_dir)]:
        try:
            service = Service.model_validate(record)
        except ValidationError as err:
            raise CorpusError(f"{corpus_dir / where}: {err}") from err
        services[service.id] = service
    for service in services.values():
        digest.update(service.model_dump_json().encode())
    return Corpus(tuple(services.values()), digest.hexdigest()[:16], corpus_dir)
