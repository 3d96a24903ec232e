"""`make bench`: every benchmark's figures, printed and saved to reports/bench.json."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

SUITES = ("retrieval", "stt", "tts", "voice_turn", "kiosk", "phone")


def main(names: list[str]) -> None:
    results = {}
    for name in names or SUITES:
        print(f"== {name}", file=sys.stderr, flush=True)
        results[name] = importlib.import_module(f"bench.{name}").run()
        print(json.dumps(results[name], ensure_ascii=False, indent=2), flush=True)
    out = Path("reports/bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"saved {out}", file=sys.stderr)


main(sys.argv[1:])
