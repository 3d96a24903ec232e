"""What a resident waits for at the kiosk, measured over the page's own WebSocket.

`assistant kiosk --no-audio-device` runs in its own process, as in production.
A client speaking the page's protocol presses 말하기 and streams recorded
questions (tagged "question" in the shared speech set) in 40 ms frames at a
live microphone's pace, at the page's usual 48 kHz. Timed at the client:

- first_sound: the last frame of the question to the first sound from the
  kiosk (the spoken "네, 찾아볼게요." cue; endpointing silence included);
- first_audio: the last frame of the question to the first sentence of the
  answer (endpointing silence, recognition, retrieval, answer, synthesis);
- interrupt: 말하기 pressed during a reply to the server's `interrupted`;
- control_while_thinking: a button pressed while recognition runs to the
  server's answer, which shows the event loop is never blocked by a turn;
- page_load: the page and its static files over HTTP.

Barge-in (`barge_in`), hands-free: 1 s into a typed question's spoken reply, a
real backchannel cut from a recording, a synthesized cough or a recorded
question is streamed at a live pace; timed from its first sound to the
server's `ReplyPaused` (the page stops playing on it), and counted by what
the reply then did (resumed, cut, or never paused).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter

import numpy as np
import psutil

from assistant.audio import load_audio
from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation import datasets
from assistant.evaluation.barge_in import Interjection, backchannels, coughs, questions
from assistant.testing import decode, free_port, kiosk_frames, of_type, poll, receive_until, wait_serving

QUESTIONS = 6
RATE = 48000
FRAME_S = 0.04
TRAILING_SILENCE_S = 1.5
STATIC = ("/", "/screen.css", "/static/kiosk.css", "/static/hangul.min.js", "/static/keyboard.js",
          "/static/layout.js", "/static/kiosk.js", "/static/pcm-capture.js")


def _questions() -> list[np.ndarray]:
    return [load_audio(clip.path) for clip in datasets.questions()[:: 7][:QUESTIONS]]


def _is_audio(message) -> bool:
    return isinstance(message, bytes)


def _spoken_turn(ws, audio: np.ndarray) -> dict:
    """One question at a live pace; returns the client-side timings in ms."""
    ws.send(json.dumps({"type": "talk"}))
    receive_until(ws, of_type("state", state="listening"))
    arrived: dict[str, float] = {}

    def take(raw) -> None:
        message, now = decode(raw), time.monotonic()
        if of_type("state", state="thinking")(message):
            arrived.setdefault("thinking", now)
        if of_type("state", hands_free=True)(message):
            arrived.setdefault("control", now)
        if _is_audio(message):
            arrived.setdefault("sound", now)
        if of_type("ReplyAudio")(message):
            arrived.setdefault("audio", now)

    def probe_while_thinking() -> None:
        if "thinking" in arrived and "probe" not in arrived:
            arrived["probe"] = time.monotonic()
            ws.send(json.dumps({"type": "hands_free", "on": True}))

    speech = list(kiosk_frames(audio, RATE, FRAME_S))
    silence = list(kiosk_frames(np.zeros(int(16000 * TRAILING_SILENCE_S), np.float32), RATE, FRAME_S))
    start = time.monotonic()
    for i, frame in enumerate(speech + silence):
        ws.send(frame)
        if i == len(speech) - 1:
            spoke_until = time.monotonic()
        while (raw := poll(ws)) is not None:
            take(raw)
        probe_while_thinking()
        time.sleep(max(0.0, start + (i + 1) * FRAME_S - time.monotonic()))
    while not {"audio", "control"} <= arrived.keys():
        take(ws.recv(timeout=120))
        probe_while_thinking()
    pressed = time.monotonic()
    ws.send(json.dumps({"type": "talk"}))  # 말하기 during the reply
    receive_until(ws, of_type("interrupted"))
    interrupt_ms = (time.monotonic() - pressed) * 1000
    ws.send(json.dumps({"type": "hands_free", "on": False}))
    ws.send(json.dumps({"type": "restart"}))
    receive_until(ws, of_type("reset"))
    return {"first_sound": (arrived["sound"] - spoke_until) * 1000,
            "first_audio": (arrived["audio"] - spoke_until) * 1000,
            "control_while_thinking": (arrived["control"] - arrived["probe"]) * 1000,
            "interrupt": interrupt_ms}


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "max": round(ordered[-1], 1)}


def _interjections() -> list[Interjection]:
    from assistant.stt.transcriber import Transcriber

    manifest = datasets.SPEECH_MANIFEST
    return [*backchannels(manifest, Transcriber.load(Settings.load().stt)), *coughs(8), *questions(manifest, 6)]


def _over_a_reply(ws, interjection: Interjection) -> dict:
    """Asks, and 1 s into the spoken reply streams `interjection` live; what the reply did, and when."""
    ws.send(json.dumps({"type": "hands_free", "on": True}))
    ws.send(json.dumps({"type": "ask", "text": "기초연금 어떻게 신청해요?"}))
    receive_until(ws, _is_audio)
    quiet = np.zeros(16000, np.float32)
    before = list(kiosk_frames(quiet, RATE, FRAME_S))
    after = np.concatenate([quiet] * 3)
    stream = before + list(kiosk_frames(interjection.audio, RATE, FRAME_S)) + list(kiosk_frames(after, RATE, FRAME_S))
    first_sound, seen, spoke_at = len(before), [], 0.0
    start = time.monotonic()
    for i, frame in enumerate(stream):
        if i == first_sound:
            spoke_at = time.monotonic()
        ws.send(frame)
        while (raw := poll(ws)) is not None:
            if isinstance(raw, str):
                seen.append((time.monotonic(), json.loads(raw)))
        time.sleep(max(0.0, start + (i + 1) * FRAME_S - time.monotonic()))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(m["type"] in ("ReplyResumed", "interrupted") for _, m in seen):
        if (raw := poll(ws)) is not None and isinstance(raw, str):
            seen.append((time.monotonic(), json.loads(raw)))
        time.sleep(0.01)
    paused = [at for at, m in seen if m["type"] == "ReplyPaused"]
    cut = [m for _, m in seen if m["type"] == "interrupted"]
    outcome = "cut" if cut else "resumed" if paused else "not_paused"
    reasons = [m["reason"] for _, m in seen if m["type"] in ("ReplyResumed", "interrupted")]
    ws.send(json.dumps({"type": "restart"}))
    receive_until(ws, of_type("reset"))
    return {"kind": interjection.kind, "outcome": outcome, "reasons": reasons,
            "paused_after_s": (paused[0] - spoke_at) if paused else None}


def _barge_in(ws, interjections: list[Interjection]) -> dict:
    rows = [_over_a_reply(ws, case) for case in interjections]
    paused = [r["paused_after_s"] * 1000 for r in rows if r["paused_after_s"] is not None]
    not_turns = [r for r in rows if r["kind"] != "question"]
    by_kind = {kind: {"n": sum(r["kind"] == kind for r in rows),
                      **Counter(r["outcome"] for r in rows if r["kind"] == kind),
                      "reasons": dict(Counter(x for r in rows if r["kind"] == kind for x in r["reasons"]))}
               for kind in ("backchannel", "cough", "question")}
    return {"onset_to_paused_ms": _percentiles(paused) if paused else None, **by_kind,
            "false_interruption_rate": round(sum(r["outcome"] == "cut" for r in not_turns) / len(not_turns), 3),
            # Before barge-in was judged, every utterance that paused a reply cut it.
            "false_interruption_rate_before": round(sum(r["outcome"] != "not_paused" for r in not_turns)
                                                    / len(not_turns), 3)}


def run(barge_in_only: bool = False) -> dict:
    from websockets.sync.client import connect

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "assistant", "kiosk", "--port", str(port), "--no-audio-device"],
                               cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_serving(url, process)
        start = time.monotonic()
        for path in STATIC:
            urllib.request.urlopen(url + path, timeout=5).read()
        page_load_ms = (time.monotonic() - start) * 1000

        turns = []
        interjections = _interjections()  # before the page opens: it would sit idle meanwhile
        with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            receive_until(ws, of_type("state", state="ready"))
            ws.send(json.dumps({"type": "ask", "text": "기초연금"}))  # wait for the models to be loaded
            receive_until(ws, of_type("Timings"))
            for audio in [] if barge_in_only else _questions():
                turns.append(_spoken_turn(ws, audio))
            barge_in = _barge_in(ws, interjections)
        rss_mb = psutil.Process(process.pid).memory_info().rss / 2**20
    finally:
        process.terminate()
        process.wait(15)
    if barge_in_only:
        return {"barge_in": barge_in, "cpu_load_1min": round(psutil.getloadavg()[0], 2)}
    return {
        "questions": len(turns),
        **{f"{name}_ms": _percentiles([t[name] for t in turns])
           for name in ("first_sound", "first_audio", "interrupt", "control_while_thinking")},
        "barge_in": barge_in,
        "page_load_ms": round(page_load_ms, 1),
        "kiosk_rss_mb": round(rss_mb, 1),
        "cpu_load_1min": round(psutil.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(barge_in_only=sys.argv[1:] == ["barge_in"]), indent=2))
