"""Text and times that no database can store: NUL characters and impossible dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import MemberFactory

RECORD = {"birth": "1990-05-12T10:30", "tz": "+08:00", "gender": "male"}
IMPORT = "/api/bazi/records/import"


async def test_nul_in_label_rejected(new_member: MemberFactory) -> None:
    member = await new_member()

    response = await member.request(
        "POST", "/api/bazi/records", json={**RECORD, "label": "a\u0000b"}
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert [item["field"] for item in error["details"]] == ["label"]
    assert "NUL" in error["message"]


async def test_nul_in_place_rejected(new_member: MemberFactory) -> None:
    member = await new_member()
    body = {"birth": "1990-05-12T10:30", "place": "Bei\u0000jing"}

    response = await member.request("POST", "/api/bazi/records", json=body)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "place"


async def test_nul_in_search_rejected(new_member: MemberFactory) -> None:
    member = await new_member()

    response = await member.request("GET", "/api/bazi/records?q=a%00b")

    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "query.q"
    assert "query parameter contains a NUL" in detail["message"]
    assert "stored" not in detail["message"]


async def test_search_not_utf8_rejected(new_member: MemberFactory) -> None:
    member = await new_member()

    response = await member.request("GET", "/api/bazi/records?q=%C3%28")

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["details"][0]["field"] == "query.q"
    assert "0xc3" in error["message"]


async def test_nul_in_partial_import_row(new_member: MemberFactory) -> None:
    member = await new_member()
    rows = [{**RECORD, "label": "fine"}, {**RECORD, "label": "a\u0000b"}]

    response = await member.request("POST", f"{IMPORT}?mode=partial", json=rows)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(2, "label")]


async def test_nul_in_csv_import_row(new_member: MemberFactory) -> None:
    member = await new_member()
    body = "birth,tz,place\r\n1990-05-12T10:30,+08:00,a\x00b\r\n"

    response = await member.request(
        "POST",
        f"{IMPORT}?mode=partial",
        content=body.encode(),
        headers={"content-type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(1, "place")]


def _times(**values: datetime) -> dict[str, str]:
    return {name: value.isoformat() for name, value in values.items()}


async def test_import_rejects_impossible_times(new_member: MemberFactory) -> None:
    member = await new_member()
    created = datetime(2020, 1, 1, tzinfo=UTC)
    before = created - timedelta(days=1)
    future = datetime.now(UTC) + timedelta(days=2)
    rows = [
        {**RECORD, **_times(createdAt=future)},
        {**RECORD, **_times(createdAt=created, deletedAt=before)},
        {**RECORD, **_times(createdAt=created, updatedAt=before)},
        {**RECORD, **_times(createdAt=created, updatedAt=created, deletedAt=created)},
    ]

    response = await member.request("POST", f"{IMPORT}?mode=partial", json=rows)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1
    fields = [(e["row"], e["field"]) for e in result["errors"]]
    assert fields == [(1, "createdAt"), (2, "deletedAt"), (3, "updatedAt")]
    assert "future" in result["errors"][0]["reason"]
    assert "before createdAt" in result["errors"][1]["reason"]


async def test_import_future_deletion_rejected(new_member: MemberFactory) -> None:
    member = await new_member()
    future = datetime.now(UTC) + timedelta(days=2)
    row = {**RECORD, "deletedAt": future.isoformat()}

    response = await member.request("POST", IMPORT, json=[row])

    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert [(e["row"], e["field"]) for e in details] == [(1, "deletedAt")]
    assert "in the future" in details[0]["reason"]
    assert not details[0]["reason"].startswith("Value error")


async def test_record_times_end_in_z(new_member: MemberFactory) -> None:
    member = await new_member()
    saved = await member.save(**RECORD)
    await member.request("DELETE", f"/api/bazi/records/{saved['id']}")

    listed = await member.request("GET", "/api/bazi/records?status=all")
    read = await member.request("GET", f"/api/bazi/records/{saved['id']}")

    names = ("birthInstant", "createdAt", "updatedAt", "deletedAt")
    for record in (listed.json()["records"][0], read.json()):
        assert [record[name][-1] for name in names] == ["Z"] * 4, record


async def test_luck_index_without_gender(new_member: MemberFactory) -> None:
    member = await new_member()
    body = {"birth": "1990-02-10T11:30", "tz": "+08:00", "luckIndex": 3}

    saved = await member.request("POST", "/api/bazi/records", json=body)
    imported = await member.request("POST", f"{IMPORT}?mode=partial", json=[body])

    assert saved.status_code == 422, saved.text
    assert "gender" in saved.json()["error"]["message"]
    errors = imported.json()["errors"]
    assert [error["row"] for error in errors] == [1]
    assert "gender" in errors[0]["reason"]


async def test_import_unreadable_json_named(new_member: MemberFactory) -> None:
    member = await new_member()
    bodies = {
        b"[" * 100_000 + b"]" * 100_000: "too deeply",
        b'[{"birth":"1990-05-12T10:30","luckCount":1' + b"0" * 5000 + b"}]": "digits",
    }

    for body, expected in bodies.items():
        response = await member.request(
            "POST",
            IMPORT,
            content=body,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "INVALID_JSON"
        assert error["message"].startswith("the import body ")
        assert expected in error["message"]


async def test_import_missing_created_keeps_order(new_member: MemberFactory) -> None:
    member = await new_member()
    deleted = datetime(2020, 1, 1, tzinfo=UTC)
    row = {**RECORD, "deletedAt": deleted.isoformat()}

    response = await member.request("POST", IMPORT, json=[row])
    listed = await member.request("GET", "/api/bazi/records?status=deleted")

    assert response.status_code == 200, response.text
    record = listed.json()["records"][0]
    assert record["createdAt"] == "2020-01-01T00:00:00Z"
    assert record["updatedAt"] == "2020-01-01T00:00:00Z"
    assert record["deletedAt"] == "2020-01-01T00:00:00Z"
