"""Where a local service applies, read from the fields each source has.

Sources label regions unevenly: 복지로 lists `경기도 / 전체` for a 화성시 program
whose department is `경기도 화성시 돌봄복지국`, 보조금24 says only `경기`, and a
city's public corporation (`시흥도시공사`) may be filed under `전국`. The city is
therefore taken from the explicit field when there is one, else from the
department or name. Province and city names come from the data itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeGuard

from ..schema import Region

# Short province names used by 보조금24 (`경기`) -> full names as 복지로 writes them.
_SHORT_SIDO = re.compile(r"^(서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주)(?=[\s\]]|$)")
_NO_PLACE = {"", "전국", "전체", "-", None}


def _is_place(label: str | None) -> TypeGuard[str]:
    """A region label that names a place (not empty, not `전국`)."""
    return label not in _NO_PLACE
_LEADING_NOISE = re.compile(r"^(\[[^\]]*\]\s*|재단법인\s*|사단법인\s*|\((재|사)\)\s*|20\d\d년?\s*)+")
_CITY_WORD = re.compile(r"^([가-힣]{1,5}[시군구])(?=\s|$)")


@dataclass(frozen=True)
class Locale:
    """The province and city whose services the corpus keeps besides national ones."""

    sido: str = "경기도"
    sigungu: str = "시흥시"
    sido_prefix: str = "gg"
    sigungu_prefix: str = "siheung"


@dataclass
class Gazetteer:
    """Province -> its cities and counties, collected from the source files."""

    cities: dict[str, set[str]]

    def add(self, sido: str | None, sigungu: str | None) -> None:
        if _is_place(sido) and _is_place(sigungu):
            self.cities.setdefault(sido, set()).add(sigungu)

    def sido_named(self, text: str) -> str | None:
        """The province a text starts with, full (`경기도 …`) or short (`경기`)."""
        text = text.strip()
        for sido in self.cities:
            if text.startswith(sido):
                return sido
        short = _SHORT_SIDO.match(text.lstrip("["))
        if short:
            return next((s for s in self.cities if _abbreviation(s) == short.group(1)), None)
        return None

    def city_named(self, sido: str, text: str) -> str | None:
        """A city or county of `sido` a text names: `경기도 시흥시 복지국`,
        `[경기] 시흥시 2026년 …`, `경기도 연천군`, or a body named after it
        (`시흥도시공사`)."""
        text = _LEADING_NOISE.sub("", text.strip())
        if text.startswith(sido):
            rest = text[len(sido):].strip()
            # `경기도 연천군`: a city the gazetteer has not met is still a city.
            if match := _CITY_WORD.match(rest):
                return match.group(1)
        else:
            rest = text
        for city in sorted(self.cities.get(sido, ()), key=lambda c: (-len(c), c)):
            if rest.startswith(city) or (len(city) > 2 and rest.startswith(city[:-1])):
                return city
        return None

    def province_of_city_named(self, text: str) -> str | None:
        """The province of the city a text starts with (`시흥도시공사` -> 경기도)."""
        return next((sido for sido in sorted(self.cities) if self.city_named(sido, text)), None)


def _abbreviation(sido: str) -> str:
    """`충청북도` -> `충북`, `경기도` -> `경기`, `서울특별시` -> `서울`."""
    if sido.endswith("도") and len(sido) == 4 and not sido.endswith("자치도"):
        return sido[0] + sido[2]
    return sido[:2]


def locate(gazetteer: Gazetteer, sido: str | None, sigungu: str | None,
           *named_in: str | None) -> tuple[str | None, str | None]:
    """(province, city) of a service; (None, None) when it is national.
    `named_in` are departments or names, which may say more than the region
    fields (`경기` with department `경기도 연천군`) or contradict them (a
    department of another province wins over the coarse label)."""
    texts = [t for t in named_in if t]
    named_sido = next((s for s in map(gazetteer.sido_named, texts) if s), None)
    if _is_place(sido) and sido not in gazetteer.cities:
        sido = gazetteer.sido_named(sido) or sido
    sido = named_sido or (None if sido in _NO_PLACE else sido)
    if named_sido is None:
        # No department names a province: a body named after a city tells where
        # it is (`시흥도시공사` filed as national, a 목포 foundation filed under 경기).
        own = sido and any(gazetteer.city_named(sido, t) for t in texts)
        elsewhere = next((p for p in map(gazetteer.province_of_city_named, texts) if p), None)
        if not own and elsewhere:
            sido = elsewhere
    if sido is None:
        return None, None
    if sigungu in _NO_PLACE:
        sigungu = next((c for c in (gazetteer.city_named(sido, t) for t in texts) if c), None)
    return sido, sigungu


def region_for(locale: Locale, sido: str | None, sigungu: str | None) -> Region | None:
    """The `Region` of a service the corpus keeps, or None for other places."""
    if sido is None:
        return Region(scope="전국")
    if sido != locale.sido:
        return None
    if sigungu is None:
        return Region(scope="광역", sido=sido)
    if sigungu == locale.sigungu:
        return Region(scope="기초", sido=sido, sigungu=sigungu)
    return None
