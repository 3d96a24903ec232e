"""Where the shared data and evaluation sets live, and the speech set read by clip.

Tests, benchmarks and `assistant eval` all read `../shared` (never edited; see
its README) through these paths, so a moved set is changed in one place.
"""

from __future__ import annotations

import functools

from ..config import PROJECT_ROOT
from .speech import Clip, load_manifest

SHARED_DIR = PROJECT_ROOT.parent / "shared"
WELFARE_SOURCES = SHARED_DIR / "data" / "welfare"
SPEECH_DIR = SHARED_DIR / "eval" / "speech"
SPEECH_MANIFEST = SPEECH_DIR / "manifest.jsonl"
RETRIEVAL_DEV = SHARED_DIR / "eval" / "retrieval_dev.jsonl"
# The committed knowledge base (corpus.dir by default).
CORPUS_DIR = PROJECT_ROOT / "corpus"


@functools.cache
def speech_clips() -> tuple[Clip, ...]:
    """Every clip of the shared speech set, in manifest order."""
    return tuple(load_manifest(SPEECH_MANIFEST))


def speech_clip(name: str) -> Clip:
    """One clip by its path relative to the speech set ("emotiontts/pma/pma00005.flac")."""
    wanted = SPEECH_DIR / name
    for clip in speech_clips():
        if clip.path == wanted:
            return clip
    raise KeyError(f"{name} is not in {SPEECH_MANIFEST}")


def questions() -> list[Clip]:
    """The clips tagged "question": what residents say."""
    return [clip for clip in speech_clips() if "question" in clip.tags]
