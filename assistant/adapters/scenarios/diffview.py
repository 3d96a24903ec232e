"""Character differences between a reference transcript and what was heard.

The raw texts are compared so that a person reads them as written; a
difference that normalization removes (spacing, punctuation, "66" against
"육육") is marked `minor`, since it does not count towards the CER.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from ...evaluation.cer import normalize_for_cer


@dataclass(frozen=True)
class Segment:
    reference: str
    heard: str
    kind: str  # "same" | "minor" | "error"


def char_diff(reference: str, heard: str) -> list[Segment]:
    matcher = SequenceMatcher(None, reference, heard, autojunk=False)
    segments = []
    for op, r1, r2, h1, h2 in matcher.get_opcodes():
        ref, hyp = reference[r1:r2], heard[h1:h2]
        if op == "equal":
            kind = "same"
        else:
            kind = "minor" if normalize_for_cer(ref) == normalize_for_cer(hyp) else "error"
        segments.append(Segment(ref, hyp, kind))
    return segments
