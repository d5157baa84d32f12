"""The record list: text search, each filter, each sort order and page edges."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Member, MemberFactory

# Birth order (B, A, C) differs from creation order (A, B, C) on purpose.
ROWS = [
    {
        "label": "Alice Zhang",
        "birth": "1995-07-01T08:00",
        "place": "Beijing",
        "gender": "female",
        "createdAt": "2026-01-01T00:00:00Z",
    },
    {
        "label": "Bob",
        "birth": "1985-05-12T10:30",
        "tz": "+08:00",
        "gender": "male",
        "createdAt": "2026-02-01T00:00:00Z",
    },
    {
        "label": "100% sure_thing",
        "birth": "2001-11-23T23:10:05",
        "tz": "Asia/Tokyo",
        "createdAt": "2026-03-01T00:00:00Z",
    },
    {
        "label": "Trashed",
        "birth": "1950-01-01T00:00",
        "place": "Shanghai",
        "gender": "male",
        "createdAt": "2026-04-01T00:00:00Z",
        "deletedAt": "2026-04-02T00:00:00Z",
    },
]


async def _seed(member: Member) -> dict[str, dict[str, Any]]:
    """Import ``ROWS`` and return the stored records by label."""
    response = await member.request("POST", "/api/bazi/records/import", json=ROWS)
    assert response.status_code == 200, response.text
    listing = await member.request("GET", "/api/bazi/records?status=all")
    return {item["label"]: item for item in listing.json()["records"]}


async def _labels(member: Member, query: str) -> list[str]:
    response = await member.request("GET", f"/api/bazi/records?{query}")
    assert response.status_code == 200, response.text
    return [item["label"] for item in response.json()["records"]]


@pytest.fixture
async def seeded(new_member: MemberFactory) -> tuple[Member, dict[str, Any]]:
    """A member with the four ``ROWS`` records."""
    member = await new_member()
    return member, await _seed(member)


async def test_text_search(seeded: tuple[Member, dict[str, Any]]) -> None:
    member, records = seeded
    year_pillar = records["Bob"]["pillars"].split()[0]
    with_pillar = {
        label
        for label, item in records.items()
        if year_pillar in item["pillars"] and item["deletedAt"] is None
    }

    assert await _labels(member, "q=aLiCe") == ["Alice Zhang"]
    assert await _labels(member, "q=beijing") == ["Alice Zhang"]
    assert await _labels(member, "q=alice%20beijing") == ["Alice Zhang"]
    assert await _labels(member, "q=alice%20tokyo") == []
    assert set(await _labels(member, f"q={year_pillar}")) == with_pillar
    assert await _labels(member, "q=100%25") == ["100% sure_thing"]
    assert await _labels(member, "q=_") == ["100% sure_thing"]
    assert await _labels(member, "q=shanghai") == []
    assert await _labels(member, "q=shanghai&status=deleted") == ["Trashed"]


async def test_filters(seeded: tuple[Member, dict[str, Any]]) -> None:
    member, records = seeded
    stem = records["Bob"]["dayMaster"]
    with_stem = sorted(
        label
        for label, item in records.items()
        if item["dayMaster"] == stem and item["deletedAt"] is None
    )

    assert await _labels(member, "gender=male") == ["Bob"]
    assert await _labels(member, "gender=female") == ["Alice Zhang"]
    assert sorted(await _labels(member, f"dayMaster={stem}")) == with_stem
    span = "birthYearFrom=1985&birthYearTo=1995&sort=birth-asc"
    assert await _labels(member, span) == ["Bob", "Alice Zhang"]
    assert await _labels(member, "birthYearFrom=2001") == ["100% sure_thing"]
    created = "createdFrom=2026-01-15T00:00:00%2B08:00&createdTo=2026-03-01T00:00:00Z"
    assert await _labels(member, created) == ["Bob"]
    assert await _labels(member, "status=deleted") == ["Trashed"]
    assert len(await _labels(member, "status=all")) == 4


async def test_day_master_by_pinyin(seeded: tuple[Member, dict[str, Any]]) -> None:
    member, records = seeded
    stems = "甲乙丙丁戊己庚辛壬癸"
    pinyin = ["jia", "yi", "bing", "ding", "wu", "ji", "geng", "xin", "ren", "gui"]
    stem = records["Bob"]["dayMaster"]

    by_char = await _labels(member, f"dayMaster={stem}")
    by_pinyin = await _labels(member, f"dayMaster={pinyin[stems.index(stem)]}")

    assert "Bob" in by_char
    assert by_pinyin == by_char


async def test_counts(seeded: tuple[Member, dict[str, Any]]) -> None:
    member, _ = seeded

    page = (await member.request("GET", "/api/bazi/records?gender=male")).json()
    everything = (await member.request("GET", "/api/bazi/records?status=all")).json()

    assert page["total"] == 3
    assert page["filtered"] == 1
    assert everything["total"] == 4
    assert everything["filtered"] == 4


async def test_sort_orders(seeded: tuple[Member, dict[str, Any]]) -> None:
    member, _ = seeded
    alice, bob, sure = "Alice Zhang", "Bob", "100% sure_thing"

    assert await _labels(member, "") == [sure, bob, alice]
    assert await _labels(member, "sort=created-desc") == [sure, bob, alice]
    assert await _labels(member, "sort=created-asc") == [alice, bob, sure]
    assert await _labels(member, "sort=birth-asc") == [bob, alice, sure]
    assert await _labels(member, "sort=birth-desc") == [sure, alice, bob]


async def test_pagination_edges(seeded: tuple[Member, dict[str, Any]]) -> None:
    member, _ = seeded
    url = "/api/bazi/records?sort=created-asc&pageSize=2"

    first = (await member.request("GET", f"{url}&page=1")).json()
    second = (await member.request("GET", f"{url}&page=2")).json()
    beyond = (await member.request("GET", f"{url}&page=3")).json()
    widest = (await member.request("GET", "/api/bazi/records?pageSize=100")).json()

    assert [item["label"] for item in first["records"]] == ["Alice Zhang", "Bob"]
    assert first["hasMore"] is True
    assert [item["label"] for item in second["records"]] == ["100% sure_thing"]
    assert second["hasMore"] is False
    assert beyond["records"] == []
    assert beyond["hasMore"] is False
    assert beyond["filtered"] == 3
    assert len(widest["records"]) == 3
    assert "chart" not in widest["records"][0]


async def test_bad_list_queries(new_member: MemberFactory) -> None:
    member = await new_member()
    cases = {
        "pageSize=101": "pageSize",
        "pageSize=0": "pageSize",
        "page=0": "page",
        "pagesize=10": "pagesize",
        "status=trash": "status",
        "sort=name": "sort",
        "gender=other": "gender",
        "dayMaster=zz": "invalid day master 'zz'",
        "birthYearFrom=1990&birthYearTo=1980": "birthYearFrom 1990 is after",
        "createdFrom=2026-01-01T00:00": "createdFrom",
    }
    for query, fragment in cases.items():
        response = await member.request("GET", f"/api/bazi/records?{query}")
        assert response.status_code == 422, query
        assert fragment in response.text, query
