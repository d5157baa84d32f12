"""Linked zone names: the notice that a pre-1970 birth uses another zone's history."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from importlib import resources

import pytest
from click.testing import CliRunner

from bazi_master.cli import main
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._model import (
    BirthInput,
    PillarChart,
    WarningCause,
    WarningKind,
)
from bazi_master.engine._time import zone_names
from bazi_master.engine._zone_links import linked_zone, zone_links

BEFORE_1970 = datetime(1930, 3, 1, 12, 0)


def chart(birth: datetime, tz: str, **options: object) -> PillarChart:
    return compute_pillars(BirthInput(birth, tz=tz, **options))  # type: ignore[arg-type]


def linked_notices(result: PillarChart) -> list[str]:
    return [w.message for w in result.warnings if w.kind is WarningKind.LINKED_ZONE]


def zone_file(name: str) -> bytes:
    return resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()


def test_amsterdam_1937_gets_notice() -> None:
    result = chart(datetime(1937, 3, 1, 12, 0), "Europe/Amsterdam")

    notices = linked_notices(result)
    assert len(notices) == 1
    assert "Europe/Amsterdam as a link to Europe/Brussels" in notices[0]
    assert "UTC+00:00 at this birth" in notices[0]
    assert "give that offset as tz" in notices[0]


def test_notice_json_shape() -> None:
    data = chart(datetime(1937, 3, 1, 12, 0), "Europe/Amsterdam").to_dict()

    (warning,) = data["warnings"]
    assert warning["kind"] == "linked_zone"
    assert warning["cause"] == WarningCause.ZONE_RULES.value
    assert warning["boundary"] is None
    assert warning["uncertainty_seconds"] == 0.0
    assert warning["alternatives"] == []
    assert data["conventions"]["within_term_uncertainty"] is False


def test_amsterdam_1990_has_no_notice() -> None:
    result = chart(datetime(1990, 3, 1, 12, 0), "Europe/Amsterdam")

    assert linked_notices(result) == []


def test_canonical_zone_has_no_notice() -> None:
    result = chart(BEFORE_1970, "Asia/Shanghai")

    assert linked_notices(result) == []


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("Asia/Harbin", "Asia/Shanghai"),
        ("Asia/Chongqing", "Asia/Shanghai"),
        ("Asia/Chungking", "Asia/Shanghai"),
        ("Asia/Kashgar", "Asia/Urumqi"),
        ("Europe/Oslo", "Europe/Berlin"),
        ("Europe/Stockholm", "Europe/Berlin"),
        ("Europe/Copenhagen", "Europe/Berlin"),
        ("Atlantic/Reykjavik", "Africa/Abidjan"),
        ("Asia/Kuala_Lumpur", "Asia/Singapore"),
    ],
)
def test_merged_zone_gets_notice(name: str, target: str) -> None:
    notices = linked_notices(chart(BEFORE_1970, name))

    assert len(notices) == 1
    assert f"{name} as a link to {target}" in notices[0]


@pytest.mark.parametrize(
    ("name", "target"),
    [("Asia/Calcutta", "Asia/Kolkata"), ("US/Eastern", "America/New_York")],
)
def test_rename_gets_same_notice(name: str, target: str) -> None:
    # The pinned data stores a rename and a merge alike, as a link.
    notices = linked_notices(chart(BEFORE_1970, name))

    assert len(notices) == 1
    assert f"{name} as a link to {target}" in notices[0]


@pytest.mark.parametrize("tz", ["+08:00", "+00:20", "-03:30", "UTC+8", "Z"])
def test_fixed_offset_never_gets_notice(tz: str) -> None:
    result = chart(datetime(1937, 3, 1, 12, 0), tz)

    assert linked_notices(result) == []


@pytest.mark.parametrize("tz", ["UTC", "GMT", "Etc/Zulu", "Etc/Greenwich"])
def test_constant_zone_link_has_no_notice(tz: str) -> None:
    result = chart(BEFORE_1970, tz)

    assert linked_notices(result) == []


def test_uncertainty_reaching_1969_gets_notice() -> None:
    birth = datetime(1970, 1, 1, 1, 5)  # 00:05 UT on Brussels's +01:00

    exact = chart(birth, "Europe/Amsterdam")
    widened = chart(birth, "Europe/Amsterdam", uncertainty_seconds=600)

    assert linked_notices(exact) == []
    assert len(linked_notices(widened)) == 1


def test_place_in_linked_zone_gets_notice() -> None:
    result = compute_pillars(BirthInput(datetime(1937, 3, 1, 12, 0), place="Oslo"))

    assert result.zone_label == "Europe/Oslo"
    assert len(linked_notices(result)) == 1


def test_cli_readable_output_shows_notice() -> None:
    result = CliRunner().invoke(
        main, ["chart", "1937-03-01T12:00", "--tz", "Europe/Amsterdam"]
    )

    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Europe/Amsterdam as a link to Europe/Brussels" in text


def test_links_copy_target_file() -> None:
    for name, target in zone_links().items():
        assert zone_file(name) == zone_file(target), name


def test_links_cover_every_shared_file() -> None:
    names_by_content: defaultdict[bytes, list[str]] = defaultdict(list)
    for name in zone_names():
        names_by_content[zone_file(name)].append(name)

    for names in names_by_content.values():
        own = [name for name in names if name not in zone_links()]
        assert len(own) == 1, names


def test_link_targets_are_zones() -> None:
    links = zone_links()

    for name, target in links.items():
        assert name in zone_names(), name
        assert target in zone_names(), target
        assert target not in links, (name, target)


def test_linked_zone_of_non_link_is_none() -> None:
    assert linked_zone("Europe/Brussels") is None
    assert linked_zone("+08:00") is None
    assert linked_zone("Etc/UTC") is None
    assert linked_zone("UTC") is None
    assert linked_zone("Europe/Amsterdam") == "Europe/Brussels"
