"""The community-center kiosk end to end: `assistant kiosk`, real headless Chromium, real speech.

The page is driven through Debian's Chromium with Playwright (never a downloaded
browser); its microphone is Chromium's fake capture device playing a recorded
question, so the audio takes exactly the page's own path (getUserMedia ->
AudioWorklet -> 16-bit PCM frames over the WebSocket).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np
import psutil
import pytest
from rapidfuzz import fuzz

from assistant.adapters.kiosk.screen import ENLARGED, screen_scale
from assistant.audio import load_audio, to_int16, write_wav
from assistant.config import PROJECT_ROOT, KioskSettings, Settings
from assistant.core.prompts import KIOSK
from assistant.evaluation.datasets import SPEECH_MANIFEST, speech_clip
from assistant.testing import (
    OpenKiosk,
    decode,
    free_port,
    kiosk_frames,
    of_type,
    poll,
    receive_until,
    serving,
    wait_serving,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# Recorded questions from the shared speech set (tagged "question").
PAGE_QUESTION = "emotiontts/pma/pma00005.flac"  # 특별기내식 신청은 어떻게 해야 하나요? (3.2 s)
LONG_QUESTION = "emotiontts/pmb/pmb00006.flac"  # 반포에 있는 고속버스터미널에서는 … (5.5 s)
TYPED_QUESTION = "기초연금 어떻게 신청해요?"
SHORT_QUESTION = "기초연금 전화번호"  # a short spoken answer, for tests that wait for its end
MIN_GLYPH_MM = 12
MIN_CONTRAST = 4.5
MIN_ANSWER_LINES = 5
AXE = PROJECT_ROOT / "tests" / "vendor" / "axe.min.js"  # axe-core from npm, vendored (tests/vendor/)
TURN_TIMEOUT_S = 120  # first turn loads the speech models on a shared 2-core machine

def other_address() -> str | None:
    """This machine's address on a real network interface, if it has one."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return address.address
    return None


def clip(name: str) -> np.ndarray:
    if not SPEECH_MANIFEST.exists():
        pytest.skip(f"shared speech set not found at {SPEECH_MANIFEST.parent}")
    assert "question" in speech_clip(name).tags
    return load_audio(speech_clip(name).path)


def reference(name: str) -> str:
    return speech_clip(name).reference


# --- a real kiosk process -------------------------------------------------------------
@dataclass
class Kiosk:
    url: str
    port: int
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory) -> Kiosk:
    """`assistant kiosk` on its default address, configured with a microphone this machine lacks."""
    home = tmp_path_factory.mktemp("kiosk")
    config = home / "kiosk.toml"
    config.write_text('[kiosk]\ninput_device = "no such microphone"\n')
    port = free_port()
    log = home / "kiosk.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "assistant", "--config", str(config), "kiosk", "--port", str(port)],
                                   cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_serving(url, process)
        except (RuntimeError, TimeoutError) as err:
            raise RuntimeError(f"{err}:\n{log.read_text()[-3000:]}") from err
        yield Kiosk(url, port, process, log)
    finally:
        process.terminate()
        process.wait(15)


# --- a raw WebSocket, speaking the page's protocol ------------------------------------------
def connect(port: int, host: str = "127.0.0.1", **kwargs):
    from websockets.sync.client import connect as ws_connect

    return ws_connect(f"ws://{host}:{port}/ws", open_timeout=10, max_size=None, **kwargs)


def command(ws, kind: str, **fields) -> None:
    ws.send(json.dumps({"type": kind, **fields}))


def ask_and_finish(ws, text: str = TYPED_QUESTION) -> list:
    command(ws, "ask", text=text)
    return receive_until(ws, of_type("Timings"))


# --- the browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fake_microphone(tmp_path_factory) -> Path:
    """The recorded question as Chromium's microphone: a little silence, the question, then silence."""
    audio = clip(PAGE_QUESTION)
    silence = np.zeros(8000, np.float32)
    path = tmp_path_factory.mktemp("mic") / "question.wav"
    write_wav(path, np.concatenate([silence, audio, silence, silence, silence, silence]), 16000)
    return path


@pytest.fixture(scope="module")
def browser(fake_microphone):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={fake_microphone}%noloop",
            "--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


def watch(page) -> dict:
    """Every WebSocket message the page receives and sends (JSON as dicts, audio as bytes)."""
    seen = {"received": [], "sent": []}

    def on_socket(ws):
        ws.on("framereceived", lambda payload: seen["received"].append(
            json.loads(payload) if isinstance(payload, str) else payload))
        ws.on("framesent", lambda payload: seen["sent"].append(
            json.loads(payload) if isinstance(payload, str) else payload))

    page.on("websocket", on_socket)
    return seen


def press(page, control: str) -> None:
    """Press a button wherever the layout put it: in the row or column, or in the 더 보기 menu."""
    button = page.locator(f"#{control}")
    if not button.is_visible() and page.is_visible("#menu-open"):
        page.click("#menu-open")
    button.click()


def wait_message(page, seen: dict, stop, start: int = 0, timeout: float = TURN_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in seen["received"][start:]:
            if stop(message):
                return message
        page.wait_for_timeout(100)
    raise TimeoutError("the page never received the expected message")


def turn_audio_s(seen: dict, turn: int) -> float:
    return sum(m["duration_s"] for m in seen["received"] if of_type("ReplyAudio", turn=turn)(m))


@pytest.fixture(scope="module")
def spoken(browser, kiosk):
    """The page after the resident pressed 말하기 and asked the recorded question."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    seen = watch(page)
    page.goto(kiosk.url)
    page.wait_for_selector('#state[data-state="ready"]')
    page.click("#talk")
    page.wait_for_selector('#state[data-state="listening"]', timeout=10_000)
    answer = wait_message(page, seen, of_type("Answer"))
    page.wait_for_selector("#answer:not(:empty)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "kiosk-answer.png")
    page.wait_for_selector('#state[data-state="ready"]', timeout=TURN_TIMEOUT_S * 1000)
    yield page, seen, answer
    page.close()


# --- the page -------------------------------------------------------------------------------
def test_page_loads_and_says_there_is_no_audio_device(browser, kiosk):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    seen = watch(page)
    page.goto(kiosk.url)
    page.wait_for_selector('#state[data-state="ready"]')
    hello = wait_message(page, seen, of_type("hello"), timeout=10)
    assert hello["audio_source"] == "browser"  # fell back from the configured device
    assert page.inner_text("#talk-label").strip() == "말하기"
    # The missing device is for staff (the log, the staff page), not for the resident.
    assert hello["device_problem"] and hello["device_problem"] not in page.inner_text("body")
    assert page.inner_text("#office-phone") == Settings().office_phone
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "kiosk-welcome.png")
    page.close()
    assert "no usable microphone and speaker" in kiosk.log.read_text()


def test_answer_is_spoken_then_the_kiosk_is_ready_again(spoken):
    page, seen, answer = spoken
    states = [m["state"] for m in seen["received"] if of_type("state")(m)]
    assert [state for state, _ in groupby(states)][:5] == ["ready", "listening", "thinking", "speaking", "ready"]
    # The page played the reply to its end and said so (not the server's fallback timer).
    assert {"type": "played", "turn": answer["turn"]} in seen["sent"]


def test_recorded_question_goes_through_the_page_microphone(spoken):
    page, seen, answer = spoken
    frames = [m for m in seen["sent"] if isinstance(m, bytes)]
    rate = int.from_bytes(frames[0][:4], "little")
    assert 8000 <= rate <= 192000 and all((len(f) - 4) % 2 == 0 for f in frames)
    assert sum(len(f) - 4 for f in frames) / 2 / rate > 2.0  # the page streamed seconds of audio

    kinds = [m["type"] for m in seen["received"] if isinstance(m, dict)]
    assert kinds.index("SpeechStarted") < kinds.index("SpeechEnded") < kinds.index("Transcript") < kinds.index("Answer")
    transcript = next(m for m in seen["received"] if of_type("Transcript")(m))
    assert not transcript.get("rejected")
    heard, said = (re.sub(r"\W", "", t) for t in (transcript["text"], reference(PAGE_QUESTION)))
    assert fuzz.ratio(heard, said) >= 70, transcript["text"]  # the question itself was recognized

    assert page.inner_text("#caption") == transcript["text"]
    if answer["kind"] != "clarify":
        assert page.inner_text("#answer").strip() == answer["speech"].strip()
        return
    # A clarifying question shows the candidate services as buttons; a touch answers it.
    found = next(m for m in seen["received"] if of_type("ServicesFound")(m))
    names = [s["name"] for s in found["services"][:3]]
    assert page.locator("#choices .choice").all_inner_texts() == names
    start = len(seen["received"])
    page.click("#choices .choice >> nth=0")
    chosen = wait_message(page, seen, of_type("Answer"), start)
    assert chosen["card"]["name"] == names[0] and page.inner_text("#caption") == names[0]
    assert any(isinstance(m, bytes) for m in seen["received"]), "reply audio was not sent to the page"


def test_replay_and_slower_buttons(spoken):
    page, seen, _ = spoken
    first = [m for m in seen["received"] if of_type("Answer")(m)][-1]
    wait_message(page, seen, of_type("Timings", turn=first["turn"]))
    start = len(seen["received"])
    press(page, "replay")
    replay = wait_message(page, seen, of_type("Answer"), start)
    assert replay["speech"] == first["speech"] and replay["turn"] > first["turn"]
    wait_message(page, seen, of_type("Timings", turn=replay["turn"]), start)
    page.wait_for_selector('#state[data-state="speaking"]')

    start = len(seen["received"])
    press(page, "slower")
    slower = wait_message(page, seen, of_type("Answer"), start)
    assert slower["speech"] == first["speech"]
    wait_message(page, seen, of_type("Timings", turn=slower["turn"]), start)
    assert turn_audio_s(seen, slower["turn"]) > 1.15 * turn_audio_s(seen, replay["turn"]) > 0
    interrupted = [m for m in seen["received"][start:] if of_type("interrupted")(m)]
    assert interrupted and interrupted[0]["turn"] == replay["turn"]  # 천천히 cut the replay short


_TEXT_STYLES = """(root) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const ink = document.createElement("canvas").getContext("2d");
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.getBoundingClientRect().width < 2) continue;
    let background = null;
    for (let e = el; e && !background; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (rgb(c).length < 4 || rgb(c)[3] > 0) background = c;
    }
    ink.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const m = ink.measureText("한");
    out.push({text: walker.currentNode.textContent.trim().slice(0, 20), size: parseFloat(style.fontSize),
              ink: m.actualBoundingBoxAscent + m.actualBoundingBoxDescent,
              color: rgb(style.color), background: rgb(background || "rgb(255,255,255)")});
  }
  return out;
}"""


def contrast(a: list[float], b: list[float]) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_large_and_legible(page, root: str = "body", kiosk: KioskSettings | None = None) -> list[dict]:
    """Every visible text's Hangul ink is at least 12 mm on the configured panel, and has 4.5:1 contrast."""
    px_per_mm = screen_scale(kiosk or KioskSettings()).px_per_mm
    dpr = page.evaluate("devicePixelRatio")
    texts = page.locator(root).evaluate(_TEXT_STYLES)
    assert texts
    for t in texts:
        assert t["ink"] * dpr / px_per_mm >= MIN_GLYPH_MM, t
        assert contrast(t["color"], t["background"]) >= MIN_CONTRAST, t
    return texts


def test_large_print_and_contrast_from_computed_styles(spoken):
    page, seen, _ = spoken
    press(page, "ask-open")
    assert_large_and_legible(page, "#ask-panel .dialog")
    page.fill("#ask-text", TYPED_QUESTION)
    start = len(seen["received"])
    page.click("#ask-form button[type=submit]")
    wait_message(page, seen, lambda m: of_type("Answer")(m) and m["card"], start)
    page.wait_for_selector("#record h3")
    page.screenshot(path=ARTIFACTS / "kiosk-answer-card.png")
    texts = assert_large_and_legible(page)
    assert {"다시 듣기", "천천히", "처음으로", "상담원 연결", "말하기"} <= {t["text"] for t in texts}
    assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('ask-text')).fontSize)") >= \
        screen_scale(KioskSettings()).root_px

    root = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    normal = page.evaluate(root)
    press(page, "bigger")
    assert page.evaluate(root) == ENLARGED * normal  # 200 %
    assert page.get_attribute("#bigger", "aria-pressed") == "true"
    press(page, "bigger")


def test_agent_button_shows_the_service_and_office_numbers(spoken):
    page, seen, answer = spoken
    start = len(seen["received"])
    press(page, "agent")
    agent = wait_message(page, seen, of_type("agent"), start, timeout=10)
    page.wait_for_selector("#agent-panel:not([hidden])")
    numbers = page.inner_text("#agent-phones")
    assert Settings().office_phone in numbers
    for phone in (answer["card"] or {}).get("phones", [])[:1]:
        assert phone["number"] in numbers
    assert agent["office_phone"] == Settings().office_phone
    # No staff page is configured here: the kiosk says so plainly, and the numbers are the way.
    assert agent["staff"] is None and "부를 수 없어요" in page.inner_text("#agent-status")
    assert_large_and_legible(page, "#agent-panel .dialog")
    page.click("#agent-close")
    assert not page.is_visible("#agent-panel")


def test_restart_clears_the_screen(spoken):
    page, seen, _ = spoken
    press(page, "restart")
    page.wait_for_selector("#welcome:not([hidden])")
    assert page.inner_text("#caption") == "" and page.inner_text("#answer") == ""
    assert not page.is_visible("#card")


def test_pressing_talk_during_a_reply_stops_it_and_listens(spoken):
    page, seen, _ = spoken
    press(page, "ask-open")
    page.fill("#ask-text", TYPED_QUESTION)
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector('#state[data-state="speaking"]', timeout=TURN_TIMEOUT_S * 1000)
    start = len(seen["received"])
    page.click("#talk")
    page.wait_for_selector('#state[data-state="listening"]', timeout=10_000)
    wait_message(page, seen, of_type("interrupted"), start, timeout=10)
    assert page.evaluate("playing.size") == 0  # the page's voice stopped at once

    # A shaky double press: the first finishes the (silent) question, the second is ignored.
    page.wait_for_timeout(800)
    page.dblclick("#talk")
    # The notice is spoken as well as shown.
    notice = wait_message(page, seen, lambda m: of_type("Answer")(m) and m["kind"] == "notice", start, timeout=10)
    assert "들리지 않았어요" in notice["speech"] and page.is_visible("#notice")
    assert "들리지 않았어요" in page.inner_text("#notice")
    page.wait_for_selector('#state[data-state="ready"]', timeout=10_000)
    page.wait_for_timeout(1000)
    assert page.get_attribute("#state", "data-state") == "ready"


# --- every common kiosk screen, in normal and 200 % text ------------------------------------------
# The panel each viewport stands for (diagonal in inches): small, dense panels are the hard case.
SCREENS = {(1280, 1024): 17.0, (1366, 768): 15.6, (1920, 1080): 21.5, (1080, 1920): 21.5}

_SCREEN_CHECK = """() => {
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const inside = (r, box) => r.left >= box.left - 0.5 && r.top >= box.top - 0.5 &&
    r.right <= box.right + 0.5 && r.bottom <= box.bottom + 0.5;
  const view = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  // Controls outside the paged answer (its buttons are reached by paging) and outside closed dialogs.
  const controls = [...document.querySelectorAll("button, input")]
    .filter((el) => shown(el) && !el.closest("#pages"));
  const outside = controls.filter((el) => !inside(el.getBoundingClientRect(), view)).map((el) => el.id || el.textContent);
  // A word of a label on two lines, or a label spilling out of its button.
  const broken = [];
  for (const el of [...controls, ...document.querySelectorAll(".state, h2, .card, .phones li")].filter(shown)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!shown(node.parentElement)) continue;
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        if (new Set(rects.map((r) => Math.round(r.top))).size > 1) broken.push(word[0]);
        if (el.tagName === "BUTTON" && rects.some((r) => !inside(r, el.getBoundingClientRect()))) broken.push(word[0]);
      }
    }
  }
  const pager = document.getElementById("pager");
  const lineHeight = parseFloat(getComputedStyle(document.getElementById("answer")).lineHeight);
  return {outside, broken, lines: pager.clientHeight / lineHeight, layout: document.body.dataset.layout,
          menu: [...document.querySelectorAll("#menu-items button")].map((b) => b.id)};
}"""

# The text of the page now in view; no line may be cut in half by the page's edge.
_PAGE_TEXT = """() => {
  const box = document.getElementById("pager").getBoundingClientRect();
  const seen = [], cut = [];
  const walker = document.createTreeWalker(document.getElementById("pages"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim() || !node.parentElement.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width === 0 || r.right <= box.left || r.left >= box.right) continue;
      if (r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5) seen.push(node.textContent.trim());
      else if (r.bottom > box.top && r.top < box.bottom) cut.push(node.textContent.trim());
    }
  }
  return {seen, cut};
}"""


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_fits(page, where: str) -> dict:
    check = page.evaluate(_SCREEN_CHECK)
    assert not check["outside"], f"{where}: controls outside the window: {check}"
    assert not check["broken"], f"{where}: labels broken inside a word: {check}"
    return check


@pytest.fixture(scope="module")
def axe_report() -> Iterator[dict]:
    report: dict = {}
    yield report
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "kiosk-axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))


@pytest.mark.parametrize("enlarged", [False, True], ids=["normal", "enlarged"])
@pytest.mark.parametrize("viewport", list(SCREENS), ids=[f"{w}x{h}" for w, h in SCREENS])
def test_every_control_fits_every_screen_and_the_record_pages(browser, open_kiosk, axe_report, viewport, enlarged):
    from assistant.adapters.kiosk.server import create_app

    width, height = viewport
    screen = KioskSettings(audio_source="browser", screen_diagonal_in=SCREENS[viewport], screen_resolution=viewport)
    name = f"{width}x{height}-{'enlarged' if enlarged else 'normal'}"
    with serving(create_app(Settings(kiosk=screen), open_kiosk.engine)) as port:
        page = browser.new_page(viewport={"width": width, "height": height})
        seen = watch(page)
        page.goto(f"http://127.0.0.1:{port}")
        page.wait_for_selector('#state[data-state="ready"]')
        if enlarged:
            press(page, "bigger")
        assert_fits(page, f"{name} welcome")
        press(page, "ask-open")
        page.wait_for_selector("#ask-panel:not([hidden])")
        assert_fits(page, f"{name} 글로 묻기")  # the 자모 keyboard too
        page.fill("#ask-text", TYPED_QUESTION)
        page.click("#ask-form button[type=submit]")
        answer = wait_message(page, seen, lambda m: of_type("Answer")(m) and m["card"])
        page.wait_for_selector("#record h3")
        check = assert_fits(page, f"{name} answer")
        assert check["lines"] >= MIN_ANSWER_LINES, check
        assert_large_and_legible(page, "body", screen)
        page.screenshot(path=ARTIFACTS / f"kiosk-{name}.png")
        violations = axe_violations(page)
        axe_report[name] = {"layout": check["layout"], "in_menu": check["menu"], "lines": round(check["lines"], 1),
                            "serious_or_critical": violations}
        assert not violations, violations

        # Every button that moved to 더 보기 is there, on screen, whole.
        if check["menu"]:
            page.click("#menu-open")
            menu = assert_fits(page, f"{name} 더 보기")
            assert set(check["menu"]) <= {b for b in menu["menu"]}
            page.screenshot(path=ARTIFACTS / f"kiosk-{name}-menu.png")
            page.click("#menu-close")

        # The whole record is readable page by page, and the screen says when there is more.
        pages = page.evaluate("Layout.pageCount")
        read, cut = set(), []
        for n in range(pages):
            if n < pages - 1:
                assert page.get_attribute("#page-next", "data-more") == "true"
                assert page.inner_text("#page-cue") == f"{n + 1}/{pages}쪽"
            view = page.evaluate(_PAGE_TEXT)
            read.update(view["seen"])
            cut += view["cut"]
            if n < pages - 1:
                page.click("#page-next")
        assert page.is_disabled("#page-next") and not cut, cut
        record = page.locator("#record > *").all_inner_texts()
        assert record and set(record) <= read
        text = "\n".join(read)
        assert f"출처: {answer['card']['source']}" in text  # the source in words, not a file name
        assert ".json" not in text
        for phone in answer["card"]["phones"]:
            assert phone["number"] in text
        if pages > 1:
            page.click("#page-prev")
            assert page.inner_text("#page-cue") == f"{pages - 1}/{pages}쪽"
        page.close()


def test_screen_size_sets_the_root_for_twelve_millimetres():
    for diagonal, resolution in ((21.5, (1920, 1080)), (15.6, (1366, 768)), (32.0, (1080, 1920))):
        scale = screen_scale(KioskSettings(screen_diagonal_in=diagonal, screen_resolution=resolution))
        mm_per_px = diagonal * 25.4 / (resolution[0] ** 2 + resolution[1] ** 2) ** 0.5
        assert 12 <= scale.root_px * 0.86 * mm_per_px < 12.4  # the smallest Hangul ink, just over 12 mm
    big, small = (screen_scale(KioskSettings(screen_diagonal_in=d)).root_px for d in (15.6, 43.0))
    assert big > 2 * small  # the denser the panel, the more pixels 12 mm takes


def test_keyboard_composes_jamo_into_syllables_and_asks(browser, kiosk):
    page = browser.new_page(viewport={"width": 1280, "height": 1024})
    seen = watch(page)
    page.goto(kiosk.url)
    page.wait_for_selector('#state[data-state="ready"]')
    press(page, "ask-open")
    for jamo in "ㄱㅗㅏㅇ":
        page.click(f"#keyboard button:text-is('{jamo}')")
    assert page.input_value("#ask-text") == "광"
    page.click("#key-back")
    assert page.input_value("#ask-text") == "과"  # 지우기 takes one jamo, not the syllable
    page.fill("#ask-text", "")
    for jamo in "ㄱㅣㅊㅗㅇㅕㄴㄱㅡㅁ":
        page.click(f"#keyboard button:text-is('{jamo}')")
    page.click("#key-space")
    for jamo in "ㅅㅣㄴㅊㅓㅇ":
        page.click(f"#keyboard button:text-is('{jamo}')")
    assert page.input_value("#ask-text") == "기초연금 신청"
    assert not axe_violations(page)  # with the keyboard open
    page.click("#ask-form button[type=submit]")
    answer = wait_message(page, seen, of_type("Answer"))
    assert {"type": "ask", "text": "기초연금 신청"} in seen["sent"]
    assert answer["card"] and "기초연금" in answer["card"]["name"]
    page.close()


def test_volume_and_rate_buttons(browser, kiosk):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    seen = watch(page)
    page.goto(kiosk.url)
    page.wait_for_selector('#state[data-state="ready"]')
    press(page, "volume-down")
    press(page, "volume-down")
    levels = [m["level"] for m in seen["sent"] if of_type("volume")(m)]
    assert levels[-2:] == [0.7, 0.5] and page.evaluate("master.gain.value") == pytest.approx(0.5)
    assert page.is_visible("#toast") and "소리 크기 2" in page.inner_text("#toast")
    for _ in range(4):  # 0.5 -> 1.6, the loudest
        press(page, "volume-up")
    assert page.is_disabled("#volume-up") and page.evaluate("master.gain.value") == pytest.approx(1.6)

    # 천천히 on, then off again (보통): the next reply is back at the normal length.
    ask = len(seen["received"])
    press(page, "ask-open")
    page.fill("#ask-text", SHORT_QUESTION)
    page.click("#ask-form button[type=submit]")
    first = wait_message(page, seen, of_type("Timings"), ask)["turn"]
    press(page, "slower")
    slow = wait_message(page, seen, lambda m: of_type("Timings")(m) and m["turn"] > first, ask)["turn"]
    assert page.get_attribute("#slower", "aria-pressed") == "true"
    press(page, "slower")
    assert {"type": "normal"} in seen["sent"] and page.get_attribute("#slower", "aria-pressed") == "false"
    press(page, "replay")
    normal = wait_message(page, seen, lambda m: of_type("Timings")(m) and m["turn"] > slow, ask)["turn"]
    assert turn_audio_s(seen, slow) > 1.15 * turn_audio_s(seen, normal)
    assert turn_audio_s(seen, normal) == pytest.approx(turn_audio_s(seen, first), rel=0.1)
    page.close()


def test_follow_up_questions_are_big_buttons(browser, kiosk):
    """An answer's suggested next questions (`follow_ups`) are buttons after the record; one asks it."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    seen = watch(page)
    page.goto(kiosk.url)
    page.wait_for_selector('#state[data-state="ready"]')
    press(page, "ask-open")
    page.fill("#ask-text", TYPED_QUESTION)
    page.click("#ask-form button[type=submit]")
    answer = wait_message(page, seen, lambda m: of_type("Answer")(m) and m["card"])
    assert answer["follow_ups"]
    page.wait_for_selector("#follow-ups button")
    buttons = page.locator("#follow-ups button")
    assert buttons.all_inner_texts() == answer["follow_ups"]
    for _ in range(page.evaluate("Layout.pageCount")):  # after the record: reached by paging
        if answer["follow_ups"][0] in page.evaluate(_PAGE_TEXT)["seen"]:
            break
        page.click("#page-next")
    start = len(seen["received"])
    buttons.first.click()
    wait_message(page, seen, of_type("Answer"), start)
    assert {"type": "ask", "text": answer["follow_ups"][0]} in seen["sent"]
    page.close()


# --- 상담원 연결 with a staff page --------------------------------------------------------------------
STAFF_TOKEN = "test-staff-token"


@pytest.fixture(scope="module")
def staffed_kiosk(open_kiosk) -> Iterator[OpenKiosk]:
    """A kiosk with a staff page, whose microphone is missing (a notice for staff only)."""
    from assistant.adapters.kiosk.server import NO_DEVICE, create_app

    address = other_address()
    staff_networks = (f"{address}/32",) if address else ()
    settings = Settings(kiosk=KioskSettings(host="0.0.0.0", audio_source="browser", staff_token=STAFF_TOKEN,
                                            staff_networks=staff_networks))
    with serving(create_app(settings, open_kiosk.engine, device_problem=NO_DEVICE), host="0.0.0.0") as port:
        yield OpenKiosk(port, settings, open_kiosk.engine)


def staff_api(host: str, port: int, path: str, token: str | None = STAFF_TOKEN, method: str = "GET") -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://{host}:{port}/staff/api/{path}", method=method,
                                     headers={"X-Staff-Token": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, {}


def test_staff_request_reaches_the_staff_page_and_the_resident_hears_who_comes(browser, staffed_kiosk):
    port = staffed_kiosk.port
    staff = browser.new_page(viewport={"width": 1280, "height": 800})
    # Count the chime's tones: the page's AudioContext is real, its oscillators are counted.
    staff.add_init_script("""window.tones = 0; const make = AudioContext.prototype.createOscillator;
        AudioContext.prototype.createOscillator = function () { window.tones += 1; return make.call(this); };""")
    staff.goto(f"http://127.0.0.1:{port}/staff#token={STAFF_TOKEN}")
    staff.wait_for_selector('#connection[data-ok="true"]')
    assert "#token" not in staff.url  # the token leaves the address bar
    assert not staff.is_visible("#login")
    assert "마이크" in staff.inner_text("#notices")  # the missing device, told to staff
    staff.click("#sound")
    tones = staff.evaluate("tones")

    kiosk_page = browser.new_page(viewport={"width": 1366, "height": 768})
    seen = watch(kiosk_page)
    kiosk_page.goto(f"http://127.0.0.1:{port}")
    kiosk_page.wait_for_selector('#state[data-state="ready"]')
    assert "마이크" not in kiosk_page.inner_text("body")  # not on the resident's screen
    press(kiosk_page, "ask-open")
    kiosk_page.fill("#ask-text", "기초연금 신청하려는데 제 번호는 010-1234-5678이에요")
    kiosk_page.click("#ask-form button[type=submit]")
    answer = wait_message(kiosk_page, seen, lambda m: of_type("Answer")(m) and m["card"])
    start = len(seen["received"])
    press(kiosk_page, "agent")
    agent = wait_message(kiosk_page, seen, of_type("agent"), start, timeout=10)
    assert agent["staff"]["status"] == "waiting"
    kiosk_page.wait_for_selector('#agent-status[data-staff="waiting"]')
    said = wait_message(kiosk_page, seen, of_type("Answer"), start)
    assert "직원" in said["speech"] and kiosk_page.inner_text("#answer") == answer["speech"]  # the record stays

    request = staff.wait_for_selector('.request[data-status="waiting"]', timeout=30_000)
    shown = request.inner_text()
    assert answer["card"]["name"] in shown and "기초연금" in shown
    assert "5678" not in shown and "010" not in shown  # no personal numbers
    staff.wait_for_function(f"tones > {tones}")  # the new request chimed
    staff.screenshot(path=ARTIFACTS / "kiosk-staff-page.png")
    assert not axe_violations(staff)

    start = len(seen["received"])
    staff.click('.request[data-status="waiting"] button')
    taken = wait_message(kiosk_page, seen, of_type("staff"), start, timeout=10)
    assert taken["status"] == "taken" and taken["id"] == agent["staff"]["id"]
    kiosk_page.wait_for_selector('#agent-status[data-staff="taken"]')
    assert "오고 있어요" in kiosk_page.inner_text("#notice")
    staff.wait_for_selector('.request[data-status="taken"]')
    kiosk_page.close()
    staff.close()


def test_staff_page_needs_the_token_and_a_configured_address(staffed_kiosk):
    port = staffed_kiosk.port
    assert staff_api("127.0.0.1", port, "requests?after=-1")[0] == 200
    assert staff_api("127.0.0.1", port, "requests?after=-1", token=None)[0] == 401
    assert staff_api("127.0.0.1", port, "requests?after=-1", token="wrong")[0] == 401
    assert staff_api("127.0.0.1", port, "requests/1/taken", token=None, method="POST")[0] == 401
    address = other_address()
    if address is None:
        pytest.skip("this machine has no non-loopback interface to connect from")
    # From the configured office address: the staff page with the token, but never the kiosk itself.
    assert staff_api(address, port, "requests?after=-1")[0] == 200
    assert staff_api(address, port, "requests?after=-1", token=None)[0] == 401
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(f"http://{address}:{port}/", timeout=5)


@pytest.mark.parametrize("client,path,staff_networks,status", [
    ("203.0.113.7", "/staff/api/requests", (), 403),  # not a configured address
    ("203.0.113.7", "/staff/api/requests", ("203.0.113.0/24",), 401),  # configured, no token
    ("203.0.113.7", "/staff", ("203.0.113.0/24",), 200),  # the page itself holds no data
    ("203.0.113.7", "/", ("203.0.113.0/24",), 403),  # the office PC cannot drive the kiosk
    ("203.0.113.7", "/static/kiosk.js", ("203.0.113.0/24",), 403),
    ("127.0.0.1", "/staff/api/requests", (), 401),
])
def test_staff_access_rules_in_the_app(open_kiosk, client, path, staff_networks, status):
    import asyncio

    from assistant.adapters.kiosk.server import create_app

    settings = Settings(kiosk=KioskSettings(staff_token=STAFF_TOKEN, staff_networks=staff_networks))
    app = create_app(settings, open_kiosk.engine)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"kiosk")], "client": (client, 50000), "server": ("127.0.0.1", 8080)}
    sent, requests = [], [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        return requests.pop() if requests else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    assert sent[0]["status"] == status


def test_without_a_token_there_is_no_staff_page(open_kiosk):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"http://127.0.0.1:{open_kiosk.port}/staff", timeout=5)


def test_the_page_pauses_a_reply_and_plays_on_from_where_it_stopped(spoken):
    """The page's own playback when the server says a reply was paused (speech over it) and resumed."""
    page, seen, _ = spoken
    press(page, "ask-open")
    page.fill("#ask-text", TYPED_QUESTION)
    start = len(seen["received"])
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector('#state[data-state="speaking"]', timeout=TURN_TIMEOUT_S * 1000)
    wait_message(page, seen, of_type("Timings"), start)  # every sentence is at the page
    turn = page.evaluate("kiosk.turn")
    page.wait_for_timeout(600)
    page.evaluate(f"onMessage({{type: 'ReplyPaused', turn: {turn}, reason: 'speech'}})")
    left = page.evaluate("paused.reduce((s, [clip, offset]) => s + clip.duration - offset, 0)")
    assert page.evaluate("playing.size") == 0 and left > 0.5  # silent, and the rest kept
    page.wait_for_timeout(500)
    assert not [m for m in seen["sent"] if of_type("played", turn=turn)(m)]  # not heard yet
    page.evaluate(f"onMessage({{type: 'ReplyResumed', turn: {turn}, reason: 'backchannel', paused_s: 0.5}})")
    assert page.evaluate("playing.size") > 0 and page.evaluate("paused") is None
    scheduled = page.evaluate("playEnd - context.currentTime")
    assert scheduled == pytest.approx(left, abs=0.15)  # from where it stopped, nothing skipped or repeated
    page.wait_for_timeout(int(scheduled * 1000) + 800)
    assert {"type": "played", "turn": turn} in seen["sent"]


# --- spoken questions over the protocol -------------------------------------------------------
def test_hands_free_takes_a_question_without_any_button(kiosk):
    with connect(kiosk.port) as ws:
        receive_until(ws, of_type("state", state="ready"), timeout=10)
        command(ws, "hands_free", on=True)
        receive_until(ws, of_type("state", state="ready", hands_free=True), timeout=10)
        for frame in kiosk_frames(np.concatenate([clip(PAGE_QUESTION), np.zeros(24000, np.float32)])):
            ws.send(frame)
        turn = receive_until(ws, of_type("Answer"))
    kinds = [m["type"] if m["type"] != "state" else m["state"] for m in turn if isinstance(m, dict)]
    assert kinds.index("SpeechStarted") < kinds.index("SpeechEnded") < kinds.index("Transcript")
    assert kinds.index("listening") < kinds.index("thinking")
    # "생각 중" is heard too: a short spoken cue plays while the question is being recognized.
    first_audio = next(i for i, m in enumerate(turn) if isinstance(m, bytes))
    assert first_audio < next(i for i, m in enumerate(turn) if of_type("Transcript")(m))


def test_a_second_press_finishes_the_question_at_once(kiosk):
    audio = clip(PAGE_QUESTION)
    voiced = np.flatnonzero(np.abs(audio) > 0.02)
    audio = audio[: voiced[-1] + 1600]  # no trailing silence: only the press can end the question
    with connect(kiosk.port) as ws:
        receive_until(ws, of_type("state", state="ready"), timeout=10)
        command(ws, "talk")
        for frame in kiosk_frames(audio):
            ws.send(frame)
        command(ws, "talk")  # 다 말했어요
        turn = receive_until(ws, of_type("Answer"))
    ended = next(m for m in turn if of_type("SpeechEnded")(m))
    assert ended["duration_s"] >= 0.8 * len(audio) / 16000
    transcript = next(m for m in turn if of_type("Transcript")(m))
    assert not transcript["rejected"]


def live(ws, audio: np.ndarray, rate: int = 16000, frame_s: float = 0.04) -> list:
    """Streams `audio` at a live microphone's pace; returns the messages that came meanwhile."""
    received, start = [], time.monotonic()
    for i, frame in enumerate(kiosk_frames(audio, rate, frame_s)):
        ws.send(frame)
        time.sleep(max(0.0, start + (i + 1) * frame_s - time.monotonic()))
        while (raw := poll(ws)) is not None:
            received.append(decode(raw))
    return received


def test_hands_free_a_backchannel_pauses_the_reply_and_a_question_cuts_it(kiosk, transcriber, test_settings):
    from assistant.evaluation.barge_in import backchannels, heard_as_speech

    opening = [b for b in backchannels(SPEECH_MANIFEST, transcriber) if heard_as_speech(b.audio, test_settings.vad)]
    backchannel = max(opening, key=lambda b: len(b.audio))  # the surest to open the detector
    quiet = np.zeros(16000, np.float32)
    with connect(kiosk.port) as ws:
        receive_until(ws, of_type("state", state="ready"), timeout=10)
        command(ws, "hands_free", on=True)
        command(ws, "ask", text=TYPED_QUESTION)
        receive_until(ws, lambda m: isinstance(m, bytes))  # the reply is being spoken (by the page)
        received = live(ws, np.concatenate([quiet[:8000], backchannel.audio, quiet, quiet, quiet]))
        if not any(of_type("ReplyResumed")(m) for m in received):
            received += receive_until(ws, of_type("ReplyResumed"), timeout=30)
        paused = [m for m in received if of_type("ReplyPaused")(m)]
        assert paused and paused[0]["reason"] == "speech", backchannel.name
        assert not [m for m in received if of_type("interrupted")(m) or of_type("Transcript")(m)]
        states = [m["state"] for m in received if of_type("state")(m)]
        assert states[:1] == ["listening"] and "speaking" in states  # 듣는 중 while paused, then on

        received = live(ws, np.concatenate([clip(PAGE_QUESTION), quiet]))
        if not any(of_type("Answer")(m) for m in received):  # on a quiet machine it comes while speaking
            received += receive_until(ws, of_type("Answer"))
        cut = [m for m in received if of_type("interrupted")(m)]
        assert cut and cut[0]["reason"] == "speech"
        transcript = next(m for m in received if of_type("Transcript")(m))
        assert not transcript["rejected"] and transcript["turn"] > cut[0]["turn"]


# --- the server stays up --------------------------------------------------------------------
def test_rapid_presses_and_interrupting_a_reply_leave_the_kiosk_serving(kiosk):
    with connect(kiosk.port) as ws:
        receive_until(ws, of_type("state", state="ready"), timeout=10)
        for _ in range(4):  # a shaky finger on 말하기
            command(ws, "talk")
        command(ws, "ask", text=TYPED_QUESTION)
        receive_until(ws, lambda m: isinstance(m, bytes))  # the reply is being spoken
        command(ws, "talk")  # 말하기 during the reply
        after = receive_until(ws, of_type("state", state="listening"), timeout=10)
        assert any(of_type("interrupted")(m) for m in after)
        turn = ask_and_finish(ws)
        assert any(of_type("Answer")(m) for m in turn)


def test_a_socket_closed_mid_answer_leaves_the_kiosk_serving(kiosk):
    for stop in (of_type("state", state="thinking"), lambda m: isinstance(m, bytes)):
        with connect(kiosk.port) as ws:  # leaving the block closes the socket
            command(ws, "ask", text=TYPED_QUESTION)
            receive_until(ws, stop)
    with connect(kiosk.port) as ws:
        turn = ask_and_finish(ws)
        assert any(of_type("Answer")(m) for m in turn)
    wait_serving(kiosk.url, kiosk.process, timeout=5)


def test_bad_messages_get_a_notice_and_the_socket_stays_open(kiosk):
    with connect(kiosk.port) as ws:
        for bad in ("not json", json.dumps({"type": "fly"}), b"\x01\x02\x03", (5).to_bytes(4, "little") + b"\0\0"):
            ws.send(bad)
            notice = receive_until(ws, of_type("Notice"), timeout=10)[-1]
            assert notice["level"] == "warning"
        turn = ask_and_finish(ws)
        assert any(of_type("Answer")(m) for m in turn)


# --- only this machine ------------------------------------------------------------------------
def test_default_address_is_loopback_only(kiosk):
    address = other_address()
    if address is None:
        pytest.skip("this machine has no non-loopback interface to connect from")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, kiosk.port), timeout=5)


def test_the_app_refuses_other_machines_even_on_all_interfaces(open_kiosk):
    import urllib.error
    import urllib.request

    from websockets.exceptions import InvalidStatus

    port = open_kiosk.port
    with urllib.request.urlopen(f"http://127.0.0.2:{port}/", timeout=5) as response:  # still this machine
        assert response.status == 200
    with connect(port, origin=f"http://127.0.0.1:{port}") as ws:
        assert receive_until(ws, of_type("hello"), timeout=10)
    with pytest.raises(InvalidStatus, match="403"):  # a page from elsewhere, opened on the kiosk
        connect(port, origin="http://example.com")

    address = other_address()
    if address is None:
        pytest.skip("this machine has no non-loopback interface to connect from")
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(f"http://{address}:{port}/", timeout=5)
    with pytest.raises(InvalidStatus, match="403"):
        connect(port, host=address)


@pytest.mark.parametrize("client,allowed,status", [
    ("203.0.113.7", (), 403),
    ("203.0.113.7", ("203.0.113.0/24",), 200),
    ("::ffff:127.0.0.1", (), 200),
    ("::1", (), 200),
])
def test_client_address_check_in_the_app(open_kiosk, client, allowed, status):
    import asyncio

    from assistant.adapters.kiosk.server import create_app

    settings = Settings(kiosk=KioskSettings(allowed_networks=allowed))
    app = create_app(settings, open_kiosk.engine)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/", "raw_path": b"/", "query_string": b"", "root_path": "", "headers": [(b"host", b"kiosk")],
             "client": (client, 50000), "server": ("127.0.0.1", 8080)}
    sent, requests = [], [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():  # the request, then (once the response is out) the client leaving
        return requests.pop() if requests else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:  # Playwright's loop owns this thread
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    assert sent[0]["status"] == status


# --- privacy: idle wipe, but never mid-question ---------------------------------------------------
def test_idle_time_wipes_the_screen_and_the_memory(browser, open_kiosk):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    seen = watch(page)
    page.goto(f"http://127.0.0.1:{open_kiosk.port}")
    page.wait_for_selector('#state[data-state="ready"]')
    press(page, "bigger")
    press(page, "ask-open")
    page.fill("#ask-text", SHORT_QUESTION)
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#answer:not(:empty)", timeout=TURN_TIMEOUT_S * 1000)
    # Not while the answer is being spoken: the wipe waits for the voice to end, then 2 s more.
    reset = wait_message(page, seen, of_type("reset"))
    assert reset["reason"] == "idle"
    assert {"type": "played", "turn": 1} in seen["sent"]
    page.wait_for_selector("#welcome:not([hidden])")
    assert page.inner_text("#caption") == "" and page.inner_text("#answer") == ""
    assert not page.is_visible("#card")
    assert page.get_attribute("#bigger", "aria-pressed") == "false"  # the next person starts afresh

    start = len(seen["received"])
    press(page, "replay")  # nothing left to replay: the answer is gone from the server's memory too
    wait_message(page, seen, of_type("state", state="thinking"), start, timeout=10)
    wait_message(page, seen, of_type("state", state="ready"), start, timeout=10)
    answers = [m for m in seen["received"][start:] if of_type("Answer")(m)]
    assert [m["speech"] for m in answers] == [KIOSK.nothing_to_replay]  # not the wiped answer
    page.close()


def test_no_timeout_cuts_off_a_resident_mid_question(open_kiosk):
    """The idle wipe (2 s here) waits while the resident speaks a 5.5 s question."""
    rate = 48000  # a browser's rate: the server resamples
    audio = np.concatenate([clip(LONG_QUESTION), np.zeros(24000, np.float32)])
    with connect(open_kiosk.port) as ws:
        receive_until(ws, of_type("state", state="ready"), timeout=10)
        command(ws, "talk")
        received, start = [], time.monotonic()
        for i, frame in enumerate(kiosk_frames(audio, rate)):
            ws.send(frame)
            time.sleep(max(0.0, start + (i + 1) * 0.04 - time.monotonic()))  # a live microphone's pace
            while (raw := poll(ws)) is not None:
                received.append(json.loads(raw) if isinstance(raw, str) else raw)
        if not any(of_type("Answer")(m) for m in received):  # it may come while the question is still sent
            received += receive_until(ws, of_type("Answer"))
    kinds = [m["type"] for m in received if isinstance(m, dict)]
    assert "reset" not in kinds
    ended = next(m for m in received if of_type("SpeechEnded")(m))
    # Heard whole: ended by its closing silence, or by its finished last sentence.
    assert ended["duration_s"] > 4.5 and ended["reason"] in ("silence", "complete")


# --- the kiosk's own microphone and speaker -----------------------------------------------------
class StandInPortAudio:
    """This machine has no sound card: streams whose callbacks the test drives, as PortAudio would."""

    class Stream:
        latency = 0.0

        def __init__(self, callback, samplerate, **_):
            self.callback, self.samplerate = callback, samplerate

        def start(self):
            pass

        stop = close = start

    def InputStream(self, **kwargs):
        self.input = self.Stream(**kwargs)
        return self.input

    def OutputStream(self, **kwargs):
        self.output = self.Stream(**kwargs)
        return self.output

    def speak_into(self, audio: np.ndarray) -> None:
        block = int(self.input.samplerate * 0.02)
        pcm = to_int16(audio)
        for offset in range(0, len(pcm), block):
            chunk = pcm[offset:offset + block]
            self.input.callback(chunk[:, None], len(chunk), None, None)

    def drain(self, seconds: float) -> np.ndarray:
        blocks = []
        for _ in range(int(seconds * self.output.samplerate / 480)):
            out = np.ones((480, 1), np.float32)  # the callback must overwrite every sample
            self.output.callback(out, 480, None, None)
            blocks.append(out[:, 0])
        return np.concatenate(blocks)


def test_device_playback_is_resampled_in_order_and_can_be_cut_off():
    from assistant.adapters.kiosk.audio_device import AudioDevice

    portaudio = StandInPortAudio()
    device = AudioDevice(portaudio, None, None, 16000, 48000)
    tone = to_int16(0.5 * np.sin(2 * np.pi * 440 * np.arange(11025) / 22050))  # 0.5 s at 22.05 kHz
    device.play(tone, 22050)
    device.play(np.zeros(11025, np.int16), 22050)
    assert device.playing
    out = portaudio.drain(1.2)
    assert not device.playing
    assert abs(np.flatnonzero(np.abs(out) > 0.05)[-1] / 48000 - 0.5) < 0.01  # the tone, then the silence
    assert not out[int(1.0 * 48000) + 480:].any()  # nothing queued: silence, not stale samples
    device.play(tone, 22050)
    portaudio.drain(0.1)
    device.stop()  # 말하기 during a reply
    assert not device.playing and not portaudio.drain(0.1).any()

    device.play(tone, 22050)
    before = portaudio.drain(0.2)
    device.pause()  # the resident speaks over the reply
    assert not portaudio.drain(0.3).any() and device.playing and device.paused
    device.resume()  # it was only a 네
    after = portaudio.drain(0.5)
    heard = np.concatenate([before, after])
    assert abs(np.flatnonzero(np.abs(heard) > 0.05)[-1] / 48000 - 0.5) < 0.01  # the whole tone, nothing lost
    assert not device.playing


def test_device_mode_hears_and_answers_through_the_device(open_kiosk):
    from assistant.adapters.kiosk.audio_device import AudioDevice
    from assistant.adapters.kiosk.server import create_app

    portaudio = StandInPortAudio()
    device = AudioDevice(portaudio, None, None, 16000, 48000)
    settings = Settings(kiosk=KioskSettings(audio_source="device"))
    with serving(create_app(settings, open_kiosk.engine, device)) as port, connect(port) as ws:
        hello = receive_until(ws, of_type("hello"), timeout=10)[-1]
        assert hello["audio_source"] == "device" and hello["device_problem"] is None
        receive_until(ws, of_type("state", state="ready"), timeout=10)
        command(ws, "talk")
        receive_until(ws, of_type("state", state="listening"), timeout=10)
        portaudio.speak_into(np.concatenate([clip(PAGE_QUESTION), np.zeros(24000, np.float32)]))
        turn = receive_until(ws, of_type("Timings"))
        assert any(of_type("Transcript")(m) for m in turn)
        assert not any(isinstance(m, bytes) for m in turn)  # the reply is not sent to the page
        spoken_s = sum(m["duration_s"] for m in turn if of_type("ReplyAudio")(m))
        heard = portaudio.drain(spoken_s + 3.0)  # the answer, after the spoken "thinking" cue
        assert np.count_nonzero(np.abs(heard) > 0.01) > 0.3 * spoken_s * 48000  # it came out of the speaker
        receive_until(ws, of_type("state", state="ready"), timeout=10)

        # 소리 작게 on the page turns the kiosk's own speaker down: the same answer, half as loud.
        peaks = []
        for level in (1.0, 0.5):
            command(ws, "volume", level=level)
            command(ws, "replay")
            turn = receive_until(ws, of_type("Timings"))
            peaks.append(np.abs(portaudio.drain(sum(m["duration_s"] for m in turn
                                                    if of_type("ReplyAudio")(m)) + 1.0)).max())
            receive_until(ws, of_type("state", state="ready"), timeout=10)
        assert 0.4 < peaks[1] / peaks[0] < 0.6


def test_no_external_resources_in_the_page():
    for path in (PROJECT_ROOT / "assistant" / "adapters" / "kiosk" / "static").iterdir():
        assert not re.search(r"(src|href)=\"https?://|url\(https?:|@import|//cdn", path.read_text()), path
