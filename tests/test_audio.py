"""Reading recordings: what cannot be used is named in a message fit for a person."""

from __future__ import annotations

import pytest

from assistant.audio import AudioError, load_audio


@pytest.mark.parametrize("name, content, message", [
    ("missing.wav", None, "missing.wav: file not found"),
    ("empty.wav", b"", "empty.wav: file is empty"),
    ("notes.wav", "소리가 아닙니다".encode(), "notes.wav: not a readable audio file"),
    ("", None, ": a folder, not an audio file"),
])
def test_unusable_recordings_are_named_with_the_reason(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioError, match=message):
        load_audio(path)
