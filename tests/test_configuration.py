"""Every setting is documented in docs/configuration.md, and a wrong one is refused by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from assistant.config import Settings, SettingsError, VadSettings

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        # [phone.vad] has [vad]'s keys with other defaults: documented as one line.
        if isinstance(kind, type) and issubclass(kind, BaseModel) and kind.__base__ is not VadSettings:
            keys += _keys(kind, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def test_every_setting_has_a_line_in_the_configuration_reference():
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    keys = set(_keys(Settings))
    assert keys - documented == set(), "settings missing from docs/configuration.md"
    assert documented - keys == set(), "docs/configuration.md names settings that do not exist"


def test_an_unknown_or_invalid_setting_is_refused_with_its_name(tmp_path):
    config = tmp_path / "assistant.toml"
    config.write_text("[phone]\nmax_callz = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_callz"):
        Settings.load(config)
    config.write_text("[phone]\nmax_calls = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_calls"):
        Settings.load(config)
