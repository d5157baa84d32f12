"""Saving, reading, editing and trashing records; ownership; duplicates."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bazi_master import engine
from bazi_master.service import Settings

from .conftest import MemberFactory, run_sql, uuid_param

FULL_BODY = {
    "label": "Grandmother",
    "birth": "1948-03-07T05:41:27",
    "tz": "Asia/Shanghai",
    "latitude": 31.2304,
    "longitude": 121.4737,
    "gender": "Female",
    "trueSolarTime": True,
    "zi": "stay-next",
    "uncertaintyMinutes": 2.5,
    "luckRule": "traditional",
    "luckSchool": "male-forward",
    "luckCount": 9,
    "luckIndex": 2,
    "annualYear": 2030,
}


def _engine_version() -> str:
    """The version a saved chart must carry: the engine's and the tzdata release."""
    return f"{engine.ENGINE_VERSION}+tzdata{engine.TZDATA_VERSION}"


async def test_record_keeps_every_input(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(**FULL_BODY)

    expected = {**FULL_BODY, "gender": "female"}
    for name, value in expected.items():
        assert record[name] == value, name
    assert record["place"] is None
    assert record["fold"] is None
    assert record["engineVersion"] == _engine_version()
    assert record["recomputed"] is False
    assert record["deletedAt"] is None
    assert len(record["id"]) == 36
    assert record["chart"]["input"]["birth"] == "1948-03-07T05:41:27"


async def test_record_chart_matches_calculate(
    new_member: MemberFactory, client: httpx.AsyncClient
) -> None:
    member = await new_member()
    record = await member.save(**FULL_BODY)
    body = {name: value for name, value in FULL_BODY.items() if name != "label"}
    calculated = (await client.post("/api/bazi/calculate", json=body)).json()

    assert record["chart"] == calculated
    assert record["pillars"] == calculated["eight_characters"]
    assert record["dayMaster"] == calculated["pillars"]["day"]["stem"]["char"]
    assert record["birthYear"] == 1948


async def test_birth_to_the_minute_round_trips(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(birth="2001-12-31 23:59", tz="+08:00")

    fetched = await member.request("GET", f"/api/bazi/records/{record['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["birth"] == "2001-12-31T23:59"
    assert fetched.json()["tz"] == "+08:00"
    assert fetched.json()["chart"] == record["chart"]


async def test_record_routes_need_sign_in(client: httpx.AsyncClient) -> None:
    for method, url in (
        ("GET", "/api/bazi/records"),
        ("POST", "/api/bazi/records"),
        ("GET", "/api/bazi/records/export"),
        ("POST", "/api/bazi/full-analysis"),
        ("GET", "/api/favorites"),
    ):
        response = await client.request(method, url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_other_members_records_answer_404(new_member: MemberFactory) -> None:
    owner, other = await new_member(), await new_member()
    record = await owner.save(label="mine", birth="1990-05-12T10:30", tz="+08:00")
    path = f"/api/bazi/records/{record['id']}"

    for method, url, body in (
        ("GET", path, None),
        ("PUT", path, {"birth": "1990-05-12T10:30", "tz": "+08:00"}),
        ("DELETE", path, None),
        ("POST", f"{path}/restore", None),
        ("DELETE", f"{path}/purge", None),
        ("POST", "/api/bazi/records/bulk-delete", {"ids": [record["id"]]}),
        ("POST", "/api/bazi/records/bulk-restore", {"ids": [record["id"]]}),
        ("POST", "/api/favorites", {"recordId": record["id"]}),
    ):
        response = await other.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)

    listing = (await other.request("GET", "/api/bazi/records")).json()
    assert listing["total"] == 0
    assert (await owner.request("GET", path)).json()["deletedAt"] is None


async def test_missing_record_answers_404(new_member: MemberFactory) -> None:
    member = await new_member()
    path = "/api/bazi/records/6f1c2f5e-8d8a-4c55-9d0e-0d6b0f1f9a11"

    response = await member.request("GET", path)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "RECORD_NOT_FOUND"
    assert "6f1c2f5e-8d8a-4c55-9d0e-0d6b0f1f9a11" in response.json()["error"]["message"]


async def test_duplicate_within_60s_returns_first(
    new_member: MemberFactory, backend_settings: Settings
) -> None:
    member = await new_member()
    body = {"label": "twin", "birth": "1990-05-12T10:30", "tz": "+08:00"}
    first = await member.save(**body)

    again = await member.request("POST", "/api/bazi/records", json=body)
    relabelled = await member.save(**{**body, "label": "other twin"})

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert relabelled["id"] != first["id"]

    await run_sql(
        backend_settings,
        "UPDATE bazi_records SET created_at = :old WHERE id = :id",
        old="2020-01-01 00:00:00",
        id=uuid_param(backend_settings, first["id"]),
    )
    later = await member.request("POST", "/api/bazi/records", json=body)
    assert later.status_code == 201
    assert later.json()["id"] != first["id"]


async def test_duplicate_of_trashed_record_is_new(new_member: MemberFactory) -> None:
    member = await new_member()
    body = {"birth": "1990-05-12T10:30", "tz": "+08:00"}
    first = await member.save(**body)
    await member.request("DELETE", f"/api/bazi/records/{first['id']}")

    again = await member.request("POST", "/api/bazi/records", json=body)

    assert again.status_code == 201
    assert again.json()["id"] != first["id"]


async def test_update_recomputes_chart(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(label="a", birth="1990-05-12T10:30", tz="+08:00")
    path = f"/api/bazi/records/{record['id']}"

    body = {"label": "b", "birth": "1991-08-20T22:15:09", "tz": "Asia/Tokyo"}
    response = await member.request("PUT", path, json=body)

    updated = response.json()
    assert response.status_code == 200
    assert updated["label"] == "b"
    assert updated["birth"] == "1991-08-20T22:15:09"
    assert updated["pillars"] != record["pillars"]
    assert updated["chart"]["input"]["tz"] == "Asia/Tokyo"
    assert updated["createdAt"] == record["createdAt"]
    assert updated["updatedAt"] > record["updatedAt"]


async def test_update_of_trashed_record_conflicts(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    path = f"/api/bazi/records/{record['id']}"
    await member.request("DELETE", path)

    response = await member.request("PUT", path, json={"birth": "1990-05-12T10:30"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "RECORD_IN_TRASH"


async def test_invalid_inputs_are_rejected(new_member: MemberFactory) -> None:
    member = await new_member()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"birth": "1990-05-12T10:30", "tz": "Mars/Olympus"}, 422, "UNKNOWN_ZONE"),
        ({"birth": "1990-05-12T10:30", "tz": "+08:00", "lable": "x"}, 422, "lable"),
        ({"birth": "1990-05-12T10:30", "tz": "+08:00", "label": ""}, 422, "label"),
        ({"birth": "1990-05-12T10:30", "latitude": "39.9", "longitude": 116}, 422, ""),
        ({"birth": "1990-02-30T10:30", "tz": "+08:00"}, 422, "birth"),
    ]
    for body, status, fragment in cases:
        response = await member.request("POST", "/api/bazi/records", json=body)
        assert response.status_code == status, body
        assert fragment in response.text, body
    listing = (await member.request("GET", "/api/bazi/records")).json()
    assert listing["total"] == 0


async def test_trash_and_restore(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    path = f"/api/bazi/records/{record['id']}"

    trashed = (await member.request("DELETE", path)).json()
    active = (await member.request("GET", "/api/bazi/records")).json()
    deleted = (await member.request("GET", "/api/bazi/records?status=deleted")).json()
    assert trashed["deletedAt"] is not None
    assert active["total"] == 0
    assert [item["id"] for item in deleted["records"]] == [record["id"]]

    restored = (await member.request("POST", f"{path}/restore")).json()
    active = (await member.request("GET", "/api/bazi/records")).json()
    assert restored["deletedAt"] is None
    assert [item["id"] for item in active["records"]] == [record["id"]]


async def test_bulk_delete_and_restore(new_member: MemberFactory) -> None:
    member = await new_member()
    ids = [
        (await member.save(label=str(n), birth="1990-05-12T10:30", tz="+08:00"))["id"]
        for n in range(3)
    ]
    await member.request("DELETE", f"/api/bazi/records/{ids[0]}")

    deleted = await member.request(
        "POST", "/api/bazi/records/bulk-delete", json={"ids": ids}
    )
    assert deleted.json() == {"updated": 2}
    everything = (await member.request("GET", "/api/bazi/records?status=all")).json()
    assert all(item["deletedAt"] for item in everything["records"])

    restored = await member.request(
        "POST", "/api/bazi/records/bulk-restore", json={"ids": ids[:2]}
    )
    assert restored.json() == {"updated": 2}
    active = (await member.request("GET", "/api/bazi/records")).json()
    assert active["total"] == 2


async def test_bulk_with_unknown_id_changes_nothing(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    unknown = "00000000-0000-4000-8000-000000000000"

    response = await member.request(
        "POST", "/api/bazi/records/bulk-delete", json={"ids": [record["id"], unknown]}
    )

    assert response.status_code == 404
    assert unknown in response.json()["error"]["message"]
    active = (await member.request("GET", "/api/bazi/records")).json()
    assert active["total"] == 1


async def test_purge_needs_trash_first(new_member: MemberFactory) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    path = f"/api/bazi/records/{record['id']}"

    early = await member.request("DELETE", f"{path}/purge")
    await member.request("DELETE", path)
    purged = await member.request("DELETE", f"{path}/purge")
    after = await member.request("GET", path)

    assert early.status_code == 409
    assert early.json()["error"]["code"] == "RECORD_NOT_IN_TRASH"
    assert purged.status_code == 204
    assert after.status_code == 404


async def test_older_engine_chart_is_recomputed(
    new_member: MemberFactory, backend_settings: Settings
) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    await run_sql(
        backend_settings,
        "UPDATE bazi_records SET engine_version = '0.0.1', pillars = 'x' "
        "WHERE id = :id",
        id=uuid_param(backend_settings, record["id"]),
    )

    listed = (await member.request("GET", "/api/bazi/records")).json()["records"][0]
    again = (await member.request("GET", f"/api/bazi/records/{record['id']}")).json()

    assert listed["recomputed"] is True
    assert listed["engineVersion"] == _engine_version()
    assert listed["pillars"] == record["pillars"]
    assert again["recomputed"] is False
    assert again["chart"] == record["chart"]


async def test_engine_release_recomputes_record(
    new_member: MemberFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    path = f"/api/bazi/records/{record['id']}"

    unchanged = (await member.request("GET", path)).json()
    monkeypatch.setattr(engine, "ENGINE_VERSION", "99.0.0")
    upgraded = (await member.request("GET", path)).json()
    again = (await member.request("GET", path)).json()

    assert unchanged["recomputed"] is False
    assert upgraded["recomputed"] is True
    assert upgraded["engineVersion"] == f"99.0.0+tzdata{engine.TZDATA_VERSION}"
    assert upgraded["chart"] == record["chart"]
    assert again["recomputed"] is False
    assert again["engineVersion"] == upgraded["engineVersion"]


async def test_full_analysis_saves_record(new_member: MemberFactory) -> None:
    member = await new_member()
    body = {"label": "full", "birth": "1990-05-12T10:30", "tz": "+08:00"}
    body["gender"] = "male"

    response = await member.request("POST", "/api/bazi/full-analysis", json=body)

    saved = response.json()
    assert response.status_code == 201
    assert "luck" in saved["chart"]
    listing = (await member.request("GET", "/api/bazi/records")).json()
    assert [item["id"] for item in listing["records"]] == [saved["id"]]


async def test_full_analysis_accepts_earlier_shape(
    new_member: MemberFactory, client: httpx.AsyncClient
) -> None:
    member = await new_member()
    body = {
        "birthYear": 1990,
        "birthMonth": 5,
        "birthDay": 12,
        "birthHour": 10,
        "birthMinute": 30,
        "gender": "Male",
        "timezone": "UTC+8",
    }

    response = await member.request("POST", "/api/bazi/full-analysis", json=body)
    calculated = (await client.post("/api/bazi/calculate", json=body)).json()

    saved = response.json()
    assert response.status_code == 201, response.text
    assert saved["birth"] == "1990-05-12T10:30"
    assert saved["tz"] == "+08:00"
    assert saved["gender"] == "male"
    assert saved["trueSolarTime"] is False
    assert saved["chart"] == calculated


async def test_account_deletion_removes_everything(
    new_member: MemberFactory, backend_settings: Settings
) -> None:
    member = await new_member()
    record = await member.save(birth="1990-05-12T10:30", tz="+08:00")
    await member.request("POST", "/api/favorites", json={"recordId": record["id"]})
    owner = uuid_param(backend_settings, member.user_id)

    response = await member.request("DELETE", "/api/auth/me")

    assert response.status_code == 204
    records = await run_sql(
        backend_settings,
        "SELECT count(*) FROM bazi_records WHERE owner_id = :owner",
        owner=owner,
    )
    favorites = await run_sql(
        backend_settings,
        "SELECT count(*) FROM favorites WHERE user_id = :owner",
        owner=owner,
    )
    assert records[0][0] == 0
    assert favorites[0][0] == 0
