"""The scenario file: settings plus turns with expectations, validated with
errors that name the file and the field (`turns[1].expect.top_k: must be ≥ 1`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from ...config import PROJECT_ROOT, Settings

NonEmpty = Annotated[str, Field(min_length=1)]


class ScenarioError(Exception):
    """A scenario that cannot be run; every problem names the file and the field."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        # Pydantic's "extra inputs are not permitted" does not say what was
        # meant; a tester who typed `answer_contain` needs the list.
        if isinstance(data, dict):
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                raise ValueError(f"unknown key {unknown[0]!r}; expected one of: {', '.join(cls.model_fields)}")
        return data


class Expect(_Strict):
    transcript: str | None = None
    # Without max_cer a reference transcript must match exactly (after normalization).
    max_cer: float | None = Field(None, ge=0)
    service: NonEmpty | None = None
    top_k: int = Field(1, ge=1)
    answer_contains: list[NonEmpty] = []
    answer_not_contains: list[NonEmpty] = []
    max_latency_ms: float | None = Field(None, gt=0)
    # Counseling: the turn asks the resident a question (true) or does not (false);
    # the suggested services include every one of `lists` and none of `not_lists`.
    asks_question: bool | None = None
    lists: list[NonEmpty] = []
    not_lists: list[NonEmpty] = []

    @field_validator("answer_contains", "answer_not_contains", "lists", "not_lists", mode="before")
    @classmethod
    def _one_phrase_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _pairs(self) -> Expect:
        if self.max_cer is not None and self.transcript is None:
            raise ValueError("max_cer needs a reference `transcript`")
        if "top_k" in self.model_fields_set and self.service is None:
            raise ValueError("top_k needs an expected `service`")
        return self


class Turn(_Strict):
    audio: NonEmpty | None = None
    text: NonEmpty | None = None
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _one_input(self) -> Turn:
        if (self.audio is None) == (self.text is None):
            raise ValueError("give either `audio` (a recording) or `text` (a typed question)")
        if self.text is not None and self.expect.transcript is not None:
            raise ValueError("expect.transcript is only for `audio` turns")
        return self

    @property
    def source(self) -> str:
        """The recording as the scenario names it, or the typed text."""
        source = self.audio if self.audio is not None else self.text
        assert source is not None, "a validated turn has audio or text"
        return source

    @property
    def label(self) -> str:
        return Path(self.audio).name if self.audio is not None else self.source


class ScenarioSettings(_Strict):
    locale: NonEmpty | None = None
    province: NonEmpty | None = None
    # A directory name under the project's models/ or a path relative to the scenario.
    stt_model: NonEmpty | None = None
    voice: NonEmpty | None = None
    # Speaking speed: 1.0 normal, 0.8 slower (tts.length_scale = 1 / speech_rate).
    speech_rate: float | None = Field(None, gt=0, le=4)

    def apply(self, base: Settings, scenario_dir: Path) -> Settings:
        retrieval = {k: v for k, v in (("locale", self.locale), ("province", self.province)) if v}
        tts: dict[str, Any] = {"voice": self.voice} if self.voice else {}
        if self.speech_rate:
            tts["length_scale"] = round(1 / self.speech_rate, 3)
        stt = {"model_dir": _model_dir(self.stt_model, scenario_dir)} if self.stt_model else {}
        return base.model_copy(update={
            "retrieval": base.retrieval.model_copy(update=retrieval),
            "stt": base.stt.model_copy(update=stt),
            "tts": base.tts.model_copy(update=tts),
        })


def _model_dir(value: str, scenario_dir: Path) -> Path:
    if "/" not in value and "\\" not in value:
        return PROJECT_ROOT / "models" / value
    return (scenario_dir / value).resolve()


class Scenario(_Strict):
    name: NonEmpty
    settings: ScenarioSettings = ScenarioSettings()
    turns: list[Turn] = Field(min_length=1)
    _path: Path = PrivateAttr(default=Path("scenario.yaml"))

    @property
    def path(self) -> Path:
        return self._path

    def audio_path(self, turn: Turn) -> Path:
        """Recordings are named relative to the scenario file."""
        if turn.audio is None:
            raise ValueError(f"turn {turn.label!r} is typed, it has no recording")
        return (self._path.parent / turn.audio).resolve()

    def engine_settings(self, base: Settings) -> Settings:
        return self.settings.apply(base, self._path.parent)


def load_scenario(path: Path) -> Scenario:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ScenarioError(path, [f"cannot read the file ({err.strerror or err})"]) from err
    except UnicodeDecodeError as err:
        raise ScenarioError(path, ["not UTF-8 text"]) from err
    except yaml.YAMLError as err:
        raise ScenarioError(path, [_yaml_problem(err)]) from err
    if not isinstance(data, dict):
        raise ScenarioError(path, ["expected a mapping with `name`, `settings` and `turns` at the top level"])
    data.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(path, [_problem(e) for e in err.errors()]) from err
    scenario._path = path.resolve()
    return scenario


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}not valid YAML ({getattr(err, 'problem', None) or err})"


def _problem(error: ErrorDetails) -> str:
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    ctx = error.get("ctx") or {}
    message = {
        "missing": "required",
        "greater_than_equal": f"must be ≥ {ctx.get('ge'):g}" if "ge" in ctx else "",
        "greater_than": f"must be > {ctx.get('gt'):g}" if "gt" in ctx else "",
        "less_than_equal": f"must be ≤ {ctx.get('le'):g}" if "le" in ctx else "",
        "too_short": "must not be empty",
        "string_too_short": "must not be empty",
    }.get(error["type"]) or error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    shown = isinstance(value, (int, float, str)) and not isinstance(value, bool)
    if shown and error["type"] not in ("missing", "value_error", "string_too_short"):
        message += f" (got {value!r})"
    return f"{field or 'scenario'}: {message}"
