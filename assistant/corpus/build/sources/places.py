"""The region filter every non-booklet reader applies: which records are national,
which belong to the kept province or city, and which are elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from ..regions import Gazetteer, Locale, locate, region_for
from ...schema import Region


@dataclass(frozen=True)
class Places:
    gazetteer: Gazetteer
    locale: Locale

    def region(self, sido: str | None, sigungu: str | None, *named_in: str | None) -> Region | None:
        """The service's region if the corpus keeps it (national or the locale), else None."""
        return region_for(self.locale, *locate(self.gazetteer, sido, sigungu, *named_in))
