"""What every source reader shares: loading a JSON file, reporting bad records,
ids and text clean-up."""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


_DASHES = re.compile(r"[\u2010-\u2013\u2212\uff0d]")


class SourceError(RuntimeError):
    """A whole source file is missing or unreadable: nothing can be imported."""


@dataclass(frozen=True)
class Skipped:
    file: str
    record: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} {self.record}: {self.reason}"


@dataclass
class ImportReport:
    """What the import read, kept and skipped; printed at the end."""

    skipped: list[Skipped] = field(default_factory=list)
    read: Counter = field(default_factory=Counter)
    # Valid records the corpus does not keep (other cities, national programs
    # outside the booklet), per file.
    left_out: Counter = field(default_factory=Counter)

    def skip(self, file: str, record: str, reason: str) -> None:
        self.skipped.append(Skipped(file, record, reason))


def load_json(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SourceError(f"{path}: source file is missing") from err
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"{path}: cannot read source file: {err}") from err
    except json.JSONDecodeError as err:
        raise SourceError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}): {err.msg}") from err
    return data


def load_json_list(path: Path, key: str | None = None) -> list[Any]:
    """The records of a source file: the top-level list, or the list under `key`."""
    data = load_json(path)
    if key is not None and isinstance(data, dict):
        data = data.get(key)
    if not isinstance(data, list):
        where = f" under `{key}`" if key else ""
        raise SourceError(f"{path}: expected a JSON list of records{where}, found {type(data).__name__}")
    return data


def reason(err: Exception) -> str:
    """A one-line reason for a rejected record (pydantic errors are long)."""
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return str(err)


def clean(text: Any) -> str:
    """One string with single spaces; lists become lines. None and blanks become ''."""
    if text is None:
        return ""
    if isinstance(text, (list, tuple)):
        return "\n".join(filter(None, (clean(t) for t in text)))
    text = unicodedata.normalize("NFC", html.unescape(str(text))).replace("\xa0", " ")
    # Phone numbers and ranges are written with any dash (`051–463–1127`).
    text = _DASHES.sub("-", text)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def stable_id(prefix: str, key: str) -> str:
    """An id that depends only on what identifies the service, not on file order."""
    return f"{prefix}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


def require_str(record: dict, key: str) -> str:
    """A required text field, or ValueError naming what is wrong with it."""
    value = record.get(key)
    if value is None:
        raise ValueError(f"missing `{key}`")
    if not isinstance(value, str):
        raise ValueError(f"`{key}` is {type(value).__name__}, expected text")
    if not value.strip():
        raise ValueError(f"empty `{key}`")
    return clean(value)


def optional_str(record: dict, key: str) -> str:
    value = record.get(key)
    if value is not None and not isinstance(value, (str, int, float)):
        raise ValueError(f"`{key}` is {type(value).__name__}, expected text")
    return clean(value)


def read_records(file: str, records: list, id_key: str, report: ImportReport, build, label: str = "record") -> list:
    """One service per record of `file`. `build(record, record_id)` returns the
    service, or None for a valid record the corpus leaves out; a record it
    rejects with ValueError is reported with its number, id and reason, and skipped."""
    services = []
    report.read[file] = len(records)
    for n, record in enumerate(records, 1):
        where = f"{label} #{n}"
        try:
            if not isinstance(record, dict):
                raise ValueError(f"a {label} must be an object, not {type(record).__name__}")
            record_id = require_str(record, id_key)
            where = f"{label} #{n} ({record_id})"
            service = build(record, record_id)
        except ValueError as err:
            report.skip(file, where, reason(err))
            continue
        if service is None:
            report.left_out[file] += 1
        else:
            services.append(service)
    return services
