"""Offline place lookup: city names to coordinates and IANA zones, coordinates to zones.

The gazetteer is GeoNames data (CC BY 4.0): every city of at least 15,000 inhabitants,
generated into ``data/places.tsv.gz`` by ``python -m bazi_master.tablegen.places``.
Nothing is read until the first lookup, which costs about half a second; later
lookups are dictionary reads.

Matching ignores letter case, diacritics, spaces and punctuation, so ``urumqi`` finds
Ürümqi. Chinese names of Chinese cities match with or without a trailing 市.

Ambiguous names resolve to a city whose main GeoNames name matches before one that
only lists it as an alternate name, then to the most populous. The other matches are
kept in ``Place.alternatives``. A qualifier after a comma narrows the search to a
country (ISO code or name) or, in the United States, a state:
``Springfield, MA``, ``Springfield, US``, ``Paris, France``.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ._errors import BaziDataError, BaziInputError, UnknownPlaceError
from ._time import quote_input

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

__all__ = ["Place", "resolve_place", "search_places", "zone_at"]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
MAX_ALTERNATIVES: Final = 5
MAX_SUGGESTIONS: Final = 5
CHINESE_SUFFIXES: Final = ("市", "县", "區", "区")
COUNTRY_ALIASES: Final = {"uk": "GB", "england": "GB", "usa": "US", "prc": "CN"}


@dataclass(frozen=True, slots=True)
class Place:
    """A city from the gazetteer, with the zone that its civil clocks follow.

    ``alternatives`` lists the labels of other cities matching the same name, most
    relevant first, so that a caller can show them when the name was ambiguous.
    """

    name: str
    country: str
    latitude: float
    longitude: float
    zone: str
    admin1: str = ""
    population: int = 0
    geonameid: int = 0
    alternatives: tuple[str, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        """Return ``name, state, country`` in the US and ``name, country`` elsewhere."""
        if self.country == "US" and self.admin1:
            return f"{self.name}, {self.admin1}, {self.country}"
        return f"{self.name}, {self.country}"

    def to_dict(self) -> dict[str, object]:
        """Return the place as JSON-ready data."""
        return {
            "name": self.name,
            "label": self.label,
            "country": self.country,
            "admin1": self.admin1,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "zone": self.zone,
            "population": self.population,
            "geonameid": self.geonameid,
            "alternatives": list(self.alternatives),
        }


def fold_name(text: str) -> str:
    """Reduce a name to its lookup key: no case, diacritics, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = (char for char in decomposed if char.isalnum())
    return "".join(letters).casefold()


def strip_chinese_suffix(key: str) -> str:
    """Drop an administrative suffix such as 市 from a Chinese name of 3+ characters."""
    if len(key) >= 3 and key.endswith(CHINESE_SUFFIXES):
        return key[:-1]
    return key


@dataclass(slots=True)
class _Gazetteer:
    """Cities indexed by folded name, plus the qualifiers that narrow a search."""

    places: list[Place] = field(default_factory=list)
    # key -> (rank, place index); rank 0 for the main name, 1 for an alternate name.
    index: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    us_states: dict[str, str] = field(default_factory=dict)

    def add(self, place: Place, alternate_keys: Iterable[str]) -> None:
        """Index ``place`` under its main name and the pre-folded alternate keys."""
        number = len(self.places)
        self.places.append(place)
        main_key = fold_name(place.name)
        for key in {main_key, strip_chinese_suffix(main_key)}:
            self.index.setdefault(key, []).append((0, number))
        for key in alternate_keys:
            self.index.setdefault(key, []).append((1, number))

    def lookup(self, key: str) -> list[Place]:
        """Return the places indexed under ``key``, best match first."""
        entries = self.index.get(key) or self.index.get(strip_chinese_suffix(key), [])
        ordered = sorted(entries, key=lambda e: (e[0], -self.places[e[1]].population))
        numbers = dict.fromkeys(number for _, number in ordered)
        return [self.places[number] for number in numbers]


def _parse_line(line: str) -> tuple[Place, list[str]]:
    fields = line.split("\t")
    place = Place(
        name=fields[1],
        country=fields[2],
        admin1=fields[3],
        latitude=float(fields[4]),
        longitude=float(fields[5]),
        zone=fields[6],
        population=int(fields[7]),
        geonameid=int(fields[0]),
    )
    alternate_keys = fields[8].split("|") if fields[8] else []
    return place, alternate_keys


def _read_data(name: str) -> bytes:
    try:
        return (DATA_DIR / name).read_bytes()
    except OSError as error:
        raise BaziDataError(
            f"the place table {name} cannot be read ({error}); reinstall bazi-master"
        ) from error


def _load_places(gazetteer: _Gazetteer) -> None:
    text = gzip.decompress(_read_data("places.tsv.gz")).decode("utf-8")
    for line in text.splitlines():
        gazetteer.add(*_parse_line(line))


def _load_regions(gazetteer: _Gazetteer) -> None:
    for line in _read_data("places-regions.tsv").decode("utf-8").splitlines():
        if line.startswith("#"):
            continue
        kind, country, code, name = line.split("\t")
        if kind == "country":
            for alias in (country, code, name):
                gazetteer.countries[fold_name(alias)] = country
        else:
            gazetteer.us_states[fold_name(code)] = code
            gazetteer.us_states[fold_name(name)] = code
    gazetteer.countries.update(COUNTRY_ALIASES)


@functools.cache
def _gazetteer() -> _Gazetteer:
    """Load the gazetteer once per process, on the first lookup."""
    gazetteer = _Gazetteer()
    try:
        _load_places(gazetteer)
        _load_regions(gazetteer)
    except (OSError, EOFError, ValueError, IndexError) as error:
        raise BaziDataError(
            f"the place tables in {DATA_DIR} are damaged ({error}); reinstall "
            "bazi-master"
        ) from error
    return gazetteer


def _matches_qualifier(place: Place, qualifier: str, gazetteer: _Gazetteer) -> bool:
    if gazetteer.countries.get(qualifier) == place.country:
        return True
    return place.country == "US" and gazetteer.us_states.get(qualifier) == place.admin1


def _split_query(query: str) -> tuple[str, list[str]]:
    parts = [part.strip() for part in query.replace("，", ",").split(",")]
    return parts[0], [fold_name(part) for part in parts[1:] if part]


def search_places(query: str) -> list[Place]:
    """Return every city matching ``query`` (with optional qualifiers), best first.

    An empty list means no match; ``resolve_place`` turns that into an error with
    suggestions.
    """
    gazetteer = _gazetteer()
    name, qualifiers = _split_query(query)
    candidates = gazetteer.lookup(fold_name(name))
    return [
        place
        for place in candidates
        if all(_matches_qualifier(place, q, gazetteer) for q in qualifiers)
    ]


def _suggest(key: str) -> list[str]:
    """Return labels of the cities whose lookup keys are closest to ``key``."""
    gazetteer = _gazetteer()
    # Comparing against keys that share the first character keeps this under 0.1 s.
    pool = [name for name in gazetteer.index if name[0] == key[0]]
    close = difflib.get_close_matches(key, pool, n=MAX_SUGGESTIONS, cutoff=0.6)
    labels: list[str] = []
    for match in close:
        label = gazetteer.lookup(match)[0].label
        if label not in labels:
            labels.append(label)
    return labels


def _not_found(query: str) -> UnknownPlaceError:
    name, qualifiers = _split_query(query)
    key = fold_name(name)
    unqualified = _gazetteer().lookup(key) if key else []
    if unqualified and qualifiers:
        labels = "; ".join(place.label for place in unqualified[:MAX_SUGGESTIONS])
        return UnknownPlaceError(
            f"place {quote_input(query)} not found: {quote_input(name)} exists only "
            f"as {labels}; qualify it with one of those countries or US states"
        )

    suggestions = _suggest(key) if key else []
    hint = f"; closest matches: {'; '.join(suggestions)}" if suggestions else ""
    return UnknownPlaceError(
        f"place {quote_input(query)} not found in the offline gazetteer (cities of "
        f"15,000+ inhabitants){hint}; check the spelling or give the latitude and "
        "longitude"
    )


def resolve_place(query: str) -> Place:
    """Find the city named by ``query``: ``Beijing``, ``喀什``, ``Springfield, MA``.

    Raises ``UnknownPlaceError`` listing the closest names when nothing matches.
    """
    if not query or not fold_name(query):
        raise UnknownPlaceError(
            f"invalid place {quote_input(query)}: the name has no letters; give a "
            "city name"
        )

    matches = search_places(query)
    if not matches:
        raise _not_found(query)

    others = tuple(place.label for place in matches[1 : 1 + MAX_ALTERNATIVES])
    return replace(matches[0], alternatives=others)


@functools.cache
def _zone_finder() -> TimezoneFinder:
    # Imported here because loading timezonefinder costs about 0.5 s and 17 MB.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str:
    """Return the IANA zone in force at a point, such as ``Asia/Urumqi`` at 43.8, 87.6.

    Points at sea get the nautical zone (``Etc/GMT-8`` and the like).
    """
    if not -90.0 <= latitude <= 90.0:
        raise BaziInputError(
            f"invalid latitude {latitude}: expected degrees from -90 (south) to 90"
        )
    if not -180.0 <= longitude <= 180.0:
        raise BaziInputError(
            f"invalid longitude {longitude}: expected degrees from -180 (west) to 180"
        )

    zone = _zone_finder().timezone_at(lng=longitude, lat=latitude)
    if zone is None:
        raise BaziInputError(
            f"no time zone is known at latitude {latitude}, longitude {longitude}; "
            "give the zone with --tz"
        )
    return str(zone)
