"""The kiosk's own microphone and speaker, through sounddevice (PortAudio).

One device per process. The page in front of the kiosk attaches itself as the
listener of microphone frames; reply audio goes to a playback queue that the
speaker's callback drains, so a reply can be paused or cut off at once.

The speaker is next to the microphone and nothing cancels its echo, so
everything the speaker plays is told to `echo` (stt/echo.py), stamped on the
monotonic clock the event loop also keeps: the conversation's listening then
does not take the assistant's own voice for the resident's.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from time import monotonic

import numpy as np

from assistant.audio import ENGINE_RATE, resample, to_mono_float
from assistant.config import KioskSettings
from assistant.stt.echo import EchoGuard

log = logging.getLogger(__name__)

FRAME_S = 0.02
Listener = Callable[[np.ndarray, int], None]


class DeviceUnavailable(RuntimeError):
    """No usable microphone and speaker; the message says why, for the log."""


class AudioDevice:
    def __init__(self, sd, input_device, output_device, input_rate: int, output_rate: int):
        self.input_rate, self.output_rate = input_rate, output_rate
        self._listener: Listener | None = None
        self._queue: deque[np.ndarray] = deque()
        self.volume = 1.0  # 소리 크게/작게 on the page; 1.0 plays replies as synthesized
        self._paused = False
        self._lock = threading.Lock()
        self.echo = EchoGuard()
        self._input = sd.InputStream(device=input_device, channels=1, dtype="int16", samplerate=input_rate,
                                     blocksize=int(input_rate * FRAME_S), callback=self._on_input)
        self._output = sd.OutputStream(device=output_device, channels=1, dtype="float32",
                                       samplerate=output_rate, callback=self._on_output)
        self._input.start()
        self._output.start()

    @classmethod
    def open(cls, settings: KioskSettings) -> AudioDevice:
        try:
            import sounddevice as sd
        except OSError as err:  # the PortAudio library itself is missing
            raise DeviceUnavailable(f"sound library not usable: {err}") from err
        try:
            input_info = sd.query_devices(settings.input_device, "input")
            output_info = sd.query_devices(settings.output_device, "output")
            device = cls(sd, settings.input_device, settings.output_device,
                         _input_rate(sd, settings.input_device), int(output_info["default_samplerate"]))
        except (sd.PortAudioError, ValueError) as err:
            raise DeviceUnavailable(f"no usable microphone and speaker: {err}") from err
        log.info("audio device: microphone %r at %d Hz, speaker %r at %d Hz", input_info["name"],
                 device.input_rate, output_info["name"], device.output_rate)
        return device

    def attach(self, listener: Listener | None) -> None:
        """Send microphone frames (int16 mono, `input_rate`) to this listener, from PortAudio's thread."""
        self._listener = listener

    def detach(self, listener: Listener) -> None:
        if self._listener is listener:
            self._listener = None

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        audio = resample(to_mono_float(samples), sample_rate, self.output_rate)
        with self._lock:
            self._queue.append(audio)

    def pause(self) -> None:
        """Silence now; what is queued stays, the rest of the sentence included."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    def stop(self) -> None:
        with self._lock:
            self._queue.clear()
            self._paused = False

    @property
    def playing(self) -> bool:
        with self._lock:
            return bool(self._queue)

    def close(self) -> None:
        self._listener = None
        for stream in (self._input, self._output):
            stream.stop()
            stream.close()

    def _on_input(self, indata, frames, time, status) -> None:
        listener = self._listener
        if listener is not None:
            listener(indata[:, 0].copy(), self.input_rate)

    def _on_output(self, outdata, frames, time, status) -> None:
        filled = 0
        with self._lock:
            while filled < frames and self._queue and not self._paused:
                head = self._queue[0]
                take = min(frames - filled, len(head))
                outdata[filled:filled + take, 0] = np.clip(head[:take] * self.volume, -1.0, 1.0)
                filled += take
                if take == len(head):
                    self._queue.popleft()
                else:
                    self._queue[0] = head[take:]
        outdata[filled:] = 0
        if filled:
            # Heard from the speaker after the stream's output latency.
            self.echo.sent(outdata[:filled, 0].copy(), self.output_rate, monotonic() + self._output.latency)


def _input_rate(sd, device) -> int:
    """The engine's own rate when the microphone offers it (no resampling), else its default."""
    try:
        sd.check_input_settings(device=device, channels=1, dtype="int16", samplerate=ENGINE_RATE)
        return ENGINE_RATE
    except (sd.PortAudioError, ValueError):
        return int(sd.query_devices(device, "input")["default_samplerate"])
