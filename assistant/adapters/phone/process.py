"""`assistant phone` as a child process: what the phone benchmark and the failover test run.

The bridge is started exactly as a deployer starts it, on free loopback ports
with a health check, and is ready once it logs that the health check is up
(after the models and the fixed notices are loaded). Its log is kept, so a
caller of this module can read the per-turn timings the bridge logs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from ...config import PROJECT_ROOT

READY_TIMEOUT_S = 600  # loading the models on a busy machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BridgeProcess:
    """Start with `BridgeProcess(...)`, wait with `ready()`, end with `stop()`."""

    def __init__(self, *, max_calls: int, config: Path | None = None, extra_args: tuple[str, ...] = ()):
        self.port, self.health_port = free_port(), free_port()
        self.env = dict(os.environ)
        if config is not None:
            self.env["ASSISTANT_CONFIG"] = str(config)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "phone", "--listen", self.address, "--max-calls", str(max_calls),
             "--health", self.health_address, *extra_args],
            cwd=PROJECT_ROOT, env=self.env, stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._watch, name=f"bridge-{self.port}-log", daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def health_address(self) -> str:
        return f"127.0.0.1:{self.health_port}"

    def _watch(self) -> None:  # also keeps the pipe drained while the bridge runs
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            if "health check on" in line:
                self._ready.set()
        self._ready.set()  # it ended: whoever waits finds out from the exit code

    def ready(self, timeout: float = READY_TIMEOUT_S) -> BridgeProcess:
        if not self._ready.wait(timeout) or self.process.poll() is not None:
            self.stop()
            raise RuntimeError(f"the phone bridge did not start (exit code {self.process.returncode}):\n"
                               + "\n".join(self.log[-20:]))
        return self

    def health(self) -> dict:
        try:
            with urllib.request.urlopen(f"http://{self.health_address}/health", timeout=5) as reply:
                return json.load(reply)
        except urllib.error.HTTPError as err:  # 503: full or stopping, with the same report
            return json.load(err)

    def footprint(self) -> dict:
        """Resident memory, threads and open files of the bridge process."""
        process = psutil.Process(self.process.pid)
        return {"rss_mb": round(process.memory_info().rss / 2**20, 1), "threads": process.num_threads(),
                "open_files": process.num_fds()}

    def cpu_s(self) -> float:
        """CPU seconds the bridge has used so far, all its threads."""
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a service manager stops it (the bridge hangs up its calls first)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
