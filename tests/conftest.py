"""What every test shares: explicit test settings, one engine per session, and the two tiers.

Settings: every test, and every `assistant` process a test starts, reads `tests/settings.toml`
(through $ASSISTANT_CONFIG, set before any test runs), never a developer's own `assistant.toml`.

Tiers: `make test-fast` runs `-m "not e2e"`, everything that needs no speech model, voice,
browser, network socket or `assistant` subprocess (Kiwi, the sentence encoder and the VAD load
in a second and stay in). A test is `e2e`
- automatically, when it uses one of `E2E_FIXTURES` (directly or through another fixture);
- explicitly, with `@pytest.mark.e2e`, when it reaches a model another way (a CLI command that
  loads one, a fixture of its own module).
A test that is not `e2e` and still loads a speech model or a voice, opens a network socket or
starts a subprocess fails at once with a message saying so (`_TierGuard`), so the fast tier
cannot slowly fill up with slow tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.config import PROJECT_ROOT, KioskSettings, Settings
from assistant.testing import OpenKiosk, serving

if TYPE_CHECKING:
    from assistant.core.engine import Engine

TEST_CONFIG = Path(__file__).resolve().parent / "settings.toml"
# Every Settings.load() of this process and of the processes it starts reads the test settings.
os.environ["ASSISTANT_CONFIG"] = str(TEST_CONFIG)
if os.environ.get("PYTEST_XDIST_WORKER"):
    # `make test-fast` runs one worker per core: each worker's OpenMP libraries (the sentence
    # encoder, LightGBM) get one thread, set before they load. Two threads per worker on two
    # cores wait on each other's spinning threads, which made encoding and training up to ten
    # times slower.
    os.environ["OMP_NUM_THREADS"] = "1"

# Fixtures that need a model, a browser or a socket; a test that uses one is e2e.
E2E_FIXTURES = {
    "engine": "the shared engine with its speech models",
    "transcriber": "Whisper",
    "run_assistant": "`assistant` in a subprocess",
    "bridge_server": "the phone bridge on a TCP socket",
    "kiosk": "`assistant kiosk` in a subprocess",
    "open_kiosk": "a kiosk server on a TCP socket",
    "browser": "Chromium",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_FIXTURES.keys() & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


# --- settings, engine, shared fixtures -------------------------------------------------------

@pytest.fixture(scope="session")
def test_settings() -> Settings:
    return Settings.load(TEST_CONFIG)


@pytest.fixture(scope="session")
def text_engine(test_settings: Settings) -> Engine:
    """The one engine of the test session as typed questions use it: corpus, retrieval, answers
    and counseling; its speech models load only when a test touches them (which makes that test e2e)."""
    from assistant.core.engine import Engine

    return Engine.load(test_settings)


@pytest.fixture(scope="session")
def engine(text_engine: Engine) -> Engine:
    """The same engine with its speech models loaded before the first test uses it."""
    text_engine.warm_up(background=False)
    return text_engine


@pytest.fixture(scope="session")
def transcriber(engine):
    return engine.transcriber


@pytest.fixture(scope="session")
def corpus(test_settings: Settings):
    """The committed knowledge base, as the engine loads it (no models needed)."""
    from assistant.corpus.store import load_corpus

    return load_corpus(test_settings.corpus.dir)


@pytest.fixture(scope="session")
def open_kiosk(engine: Engine) -> Iterator[OpenKiosk]:
    """An in-process kiosk server on every interface (the page's audio, wiping after 2 s idle)."""
    from assistant.adapters.kiosk.server import create_app

    settings = engine.settings.model_copy(update={"kiosk": KioskSettings(host="0.0.0.0", audio_source="browser",
                                                                          idle_reset_s=2.0)})
    with serving(create_app(settings, engine), host="0.0.0.0") as port:
        yield OpenKiosk(port, settings, engine)


@pytest.fixture(scope="session")
def run_assistant() -> Callable[..., subprocess.CompletedProcess]:
    """`python -m assistant ARGS…` in its own process, with the test settings; output as text."""
    def run(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                              cwd=cwd or PROJECT_ROOT, timeout=timeout)
    return run


# --- the tier guard ----------------------------------------------------------------------------

class _TierGuard:
    """Fails a test that is not e2e the moment it loads a speech model or a voice, opens a
    network socket or starts a subprocess. Only the main thread is watched: servers that e2e
    fixtures left running in their own threads go on serving while later tests run."""

    def __init__(self) -> None:
        self.item: pytest.Item | None = None

    def check(self, what: str) -> None:
        item = self.item
        if item is None or threading.current_thread() is not threading.main_thread():
            return
        if item.get_closest_marker("e2e") is None:
            raise RuntimeError(f"{item.nodeid} needs {what} but is not marked e2e: mark it @pytest.mark.e2e "
                               f"or use one of the fixtures that do ({', '.join(sorted(E2E_FIXTURES))}), "
                               "so that `make test-fast` stays fast")

    def install(self) -> None:
        from assistant.stt.transcriber import Transcriber
        from assistant.tts.synthesizer import Synthesizer

        for cls, what in ((Transcriber, "the speech recognizer"), (Synthesizer, "a voice")):
            self._guard_classmethod(cls, "load", what)
        for name in ("bind", "connect", "connect_ex"):
            original = getattr(socket.socket, name)

            def guarded(sock, address, *args, _original=original):
                if sock.family in (socket.AF_INET, socket.AF_INET6):
                    self.check("a network socket")
                return _original(sock, address, *args)

            setattr(socket.socket, name, guarded)
        popen_init = subprocess.Popen.__init__

        def popen(process, *args, **kwargs):
            self.check("a subprocess")
            popen_init(process, *args, **kwargs)

        subprocess.Popen.__init__ = popen  # type: ignore[method-assign]

    def _guard_classmethod(self, cls: type, name: str, what: str) -> None:
        original = getattr(cls, name).__func__

        def guarded(klass, *args, **kwargs):
            loaded = original(klass, *args, **kwargs)
            # Checked once loaded: a load that fails at once (a missing file) costs nothing.
            self.check(what)
            return loaded

        setattr(cls, name, classmethod(guarded))


_guard = _TierGuard()


def pytest_configure(config: pytest.Config) -> None:
    _guard.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _guard.item = item
    yield
    _guard.item = None
