"""Favourites: own records only, one per record, hidden while trashed, purged along."""

from __future__ import annotations

from typing import Any

from .conftest import Member, MemberFactory

FAVORITES = "/api/favorites"


async def _favorite_records(member: Member) -> list[str]:
    response = await member.request("GET", FAVORITES)
    assert response.status_code == 200, response.text
    return [item["recordId"] for item in response.json()["favorites"]]


async def _saved(member: Member, label: str) -> dict[str, Any]:
    return await member.save(label=label, birth="1990-05-12T10:30", tz="+08:00")


async def test_add_list_and_remove(new_member: MemberFactory) -> None:
    member = await new_member()
    first, second = await _saved(member, "a"), await _saved(member, "b")

    added = await member.request("POST", FAVORITES, json={"recordId": first["id"]})
    await member.request("POST", FAVORITES, json={"recordId": second["id"]})
    page = (await member.request("GET", FAVORITES)).json()

    assert added.status_code == 201
    assert added.json()["record"]["label"] == "a"
    assert [item["recordId"] for item in page["favorites"]] == [
        second["id"],
        first["id"],
    ]
    assert page["total"] == 2
    removed = await member.request("DELETE", f"{FAVORITES}/{added.json()['id']}")
    again = await member.request("DELETE", f"{FAVORITES}/{added.json()['id']}")
    assert removed.status_code == 204
    assert again.status_code == 404
    assert await _favorite_records(member) == [second["id"]]


async def test_duplicate_favorite_conflicts(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await _saved(member, "a")
    first = await member.request("POST", FAVORITES, json={"recordId": record["id"]})

    second = await member.request("POST", FAVORITES, json={"recordId": record["id"]})

    assert second.status_code == 409
    assert second.json()["error"]["code"] == "ALREADY_FAVORITE"
    assert second.json()["error"]["details"] == [{"favoriteId": first.json()["id"]}]
    assert await _favorite_records(member) == [record["id"]]


async def test_trashed_records_leave_and_return(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await _saved(member, "a")
    path = f"/api/bazi/records/{record['id']}"
    await member.request("POST", FAVORITES, json={"recordId": record["id"]})

    await member.request("DELETE", path)
    while_trashed = (await member.request("GET", FAVORITES)).json()
    await member.request("POST", f"{path}/restore")

    assert while_trashed["favorites"] == []
    assert while_trashed["total"] == 0
    assert await _favorite_records(member) == [record["id"]]


async def test_bulk_trash_hides_favorites(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await _saved(member, "a")
    await member.request("POST", FAVORITES, json={"recordId": record["id"]})

    await member.request(
        "POST", "/api/bazi/records/bulk-delete", json={"ids": [record["id"]]}
    )

    assert await _favorite_records(member) == []


async def test_trashed_record_cannot_be_marked(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await _saved(member, "a")
    await member.request("DELETE", f"/api/bazi/records/{record['id']}")

    response = await member.request("POST", FAVORITES, json={"recordId": record["id"]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "RECORD_IN_TRASH"


async def test_purge_removes_favorites(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await _saved(member, "a")
    path = f"/api/bazi/records/{record['id']}"
    await member.request("POST", FAVORITES, json={"recordId": record["id"]})
    await member.request("DELETE", path)

    purged = await member.request("DELETE", f"{path}/purge")
    await member.request("POST", f"{path}/restore")

    assert purged.status_code == 204
    assert await _favorite_records(member) == []
    everything = await member.request("GET", "/api/bazi/records?status=all")
    assert everything.json()["total"] == 0


async def test_other_members_favorites_are_hidden(new_member: MemberFactory) -> None:
    owner, other = await new_member(), await new_member()
    record = await _saved(owner, "a")
    added = await owner.request("POST", FAVORITES, json={"recordId": record["id"]})

    listing = await other.request("GET", FAVORITES)
    removal = await other.request("DELETE", f"{FAVORITES}/{added.json()['id']}")

    assert listing.json()["favorites"] == []
    assert removal.status_code == 404
    assert await _favorite_records(owner) == [record["id"]]


async def test_bad_favorite_requests(new_member: MemberFactory) -> None:
    member = await new_member()
    cases = [
        ({"recordId": "12"}, 422),
        ({"record": "6f1c2f5e-8d8a-4c55-9d0e-0d6b0f1f9a11"}, 422),
        ({"recordId": "6f1c2f5e-8d8a-4c55-9d0e-0d6b0f1f9a11"}, 404),
    ]
    for body, status in cases:
        response = await member.request("POST", FAVORITES, json=body)
        assert response.status_code == status, body
    paging = await member.request("GET", f"{FAVORITES}?pageSize=101")
    assert paging.status_code == 422
