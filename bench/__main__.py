"""`make bench`: every benchmark's figures, printed and saved to reports/bench.json.

`python -m bench NAME [options]` runs one benchmark with its own options
(`python -m bench phone --calls 4 --json`; see each module's `main`).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

SUITES = ("retrieval", "stt", "tts", "voice_turn", "kiosk", "phone", "contention")


def main(argv: list[str]) -> None:
    if len(argv) > 1 and argv[0] in SUITES and argv[1].startswith("-"):
        importlib.import_module(f"bench.{argv[0]}").main(argv[1:])
        return
    results = {}
    for name in argv or SUITES:
        print(f"== {name}", file=sys.stderr, flush=True)
        results[name] = importlib.import_module(f"bench.{name}").run()
        print(json.dumps(results[name], ensure_ascii=False, indent=2), flush=True)
    out = Path("reports/bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"saved {out}", file=sys.stderr)


main(sys.argv[1:])
