"""Which jurisdiction a document belongs to (国家 / 山东省 / 青岛市 …), from its title or the organ adopting it.

The place names live in `data/jurisdictions.json`, not in code: adding a
province or city is a data change.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "jurisdictions.json"


@dataclass(frozen=True)
class Place:
    """A jurisdiction: its full name, level (国家级 / 省级 / 市级) and, for a city, its province."""

    name: str
    level: str
    province: str = ""


@dataclass(frozen=True)
class Places:
    national: Place
    national_prefixes: tuple[str, ...]
    # (prefix, place), longest prefix first, so "内蒙古自治区" wins over "内蒙古".
    prefixes: tuple[tuple[str, Place], ...]

    def by_name(self, name: str) -> Place | None:
        """The place called exactly `name` (full name), or None."""
        if name == self.national.name:
            return self.national
        return next((place for prefix, place in self.prefixes if place.name == name), None)


@lru_cache(maxsize=1)
def load_places(path: Path = _DATA) -> Places:
    """The table of jurisdictions of `data/jurisdictions.json` (read once)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    national_data = data["national"]
    national = Place(national_data["name"], national_data["level"])
    pairs: list[tuple[str, Place]] = []
    for province in data["provinces"]:
        place = Place(province["name"], data["province_level"])
        pairs += [(name, place) for name in (province["name"], *province["short"])]
        # Cities only by their full name: a bare "朝阳" or "吉林" is too ambiguous.
        pairs += [(city, Place(city, data["city_level"], province["name"])) for city in province["cities"]]
    pairs.sort(key=lambda pair: -len(pair[0]))
    return Places(national, tuple(national_data["prefixes"]), tuple(pairs))


def place_of(words: str, places: Places | None = None) -> Place | None:
    """The place `words` (a title or an organ's name) starts with, or None."""
    places = places or load_places()
    words = words.strip()
    for prefix, place in places.prefixes:
        if words.startswith(prefix):
            return place
    if words.startswith(places.national_prefixes):
        return places.national
    return None


def jurisdiction_of(title: str, bodies: tuple[str, ...] = ()) -> Place | None:
    """The jurisdiction of a document: the place its title starts with, else the
    place of the first organ in `bodies` that names one (e.g. 全国人民代表大会常务委员会
    → 国家), else None."""
    for words in (title, *bodies):
        place = place_of(words)
        if place:
            return place
    return None
