"""Export and import: formats, validation, atomic and partial modes, round trips."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from bazi_master.service import Settings
from bazi_master.service.records import batch, service

from ..conftest import client_for
from .conftest import PASSWORD, Member, MemberFactory

IMPORT = "/api/bazi/records/import"
EXPORT = "/api/bazi/records/export"
GOOD = {"label": "good", "birth": "1990-05-12T10:30", "tz": "+08:00"}


async def _total(member: Member, status: str = "all") -> int:
    response = await member.request("GET", f"/api/bazi/records?status={status}")
    total: int = response.json()["total"]
    return total


def _bad_rows() -> list[Any]:
    return [
        GOOD,
        {**GOOD, "latitude": "39.9", "longitude": 116.4},
        {**GOOD, "colour": "red"},
        {**GOOD, "tz": "Mars/Olympus"},
        "not an object",
        {**GOOD, "trueSolarTime": "yes", "luckCount": 12},
    ]


async def test_atomic_import_saves_nothing(new_member: MemberFactory) -> None:
    member = await new_member()

    response = await member.request("POST", IMPORT, json=_bad_rows())

    error = response.json()["error"]
    problems = {(item["row"], item["field"]) for item in error["details"]}
    assert response.status_code == 422
    assert error["code"] == "IMPORT_REJECTED"
    assert error["message"].startswith("5 of 6 rows are invalid")
    assert problems == {
        (2, "latitude"),
        (3, "colour"),
        (4, "tz"),
        (5, None),
        (6, "trueSolarTime"),
        (6, "luckCount"),
    }
    assert await _total(member) == 0


async def test_atomic_import_rolls_back_earlier_batches(
    new_member: MemberFactory,
) -> None:
    member = await new_member()
    rows = [{**GOOD, "label": f"n{n}"} for n in range(batch.BATCH_SIZE + 100)]
    rows[-1] = {**GOOD, "tz": "Mars/Olympus"}

    response = await member.request("POST", IMPORT, json=rows)

    details = response.json()["error"]["details"]
    assert response.status_code == 422
    assert details == [
        {"row": len(rows), "field": "tz", "reason": details[0]["reason"]}
    ]
    assert "Mars/Olympus" in details[0]["reason"]
    assert await _total(member) == 0


async def test_partial_import_saves_good_rows(new_member: MemberFactory) -> None:
    member = await new_member()

    response = await member.request("POST", f"{IMPORT}?mode=partial", json=_bad_rows())

    result = response.json()
    assert response.status_code == 200
    assert result["mode"] == "partial"
    assert result["received"] == 6
    assert result["created"] == 1
    assert result["failed"] == 5
    assert [item["row"] for item in result["errors"]] == [2, 3, 4, 5, 6, 6]
    assert await _total(member) == 1


async def test_csv_cells_are_checked(new_member: MemberFactory) -> None:
    member = await new_member()
    text = (
        "label,birth,tz,latitude,longitude,trueSolarTime,luckCount\r\n"
        "ok,1990-05-12T10:30,+08:00,,,false,10\r\n"
        "bad,1990-05-12T10:30,+08:00,abc,116.4,yes,ten\r\n"
    )

    response = await member.request(
        "POST", IMPORT, content=text, headers={"content-type": "text/csv"}
    )

    details = response.json()["error"]["details"]
    assert response.status_code == 422
    assert {(item["row"], item["field"]) for item in details} == {
        (2, "latitude"),
        (2, "trueSolarTime"),
        (2, "luckCount"),
    }
    assert "invalid number 'abc'" in response.text
    assert await _total(member) == 0


async def test_csv_unknown_columns_rejected(new_member: MemberFactory) -> None:
    member = await new_member()
    text = "birth,tz,colour\r\n1990-05-12T10:30,+08:00,red\r\n"

    response = await member.request(
        "POST", f"{IMPORT}?format=csv", content=text.encode()
    )

    error = response.json()["error"]
    assert response.status_code == 422
    assert error["code"] == "INVALID_COLUMNS"
    assert "colour" in error["message"]
    assert error["details"] == [{"field": "colour", "reason": "unknown column"}]


async def test_too_many_rows_rejected(new_member: MemberFactory) -> None:
    member = await new_member()
    lines = ["birth,tz"] + ["1990-05-12T10:30,+08:00"] * 10_001

    response = await member.request(
        "POST", IMPORT, content="\n".join(lines), headers={"content-type": "text/csv"}
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "TOO_MANY_ROWS"
    assert await _total(member) == 0


async def test_malformed_import_bodies(new_member: MemberFactory) -> None:
    member = await new_member()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"json": []}, 422, "EMPTY_IMPORT"),
        ({"json": {"records": [GOOD]}}, 422, "INVALID_IMPORT"),
        (
            {"content": b"[{", "headers": {"content-type": "application/json"}},
            400,
            "INVALID_JSON",
        ),
        (
            {"content": b"x", "headers": {"content-type": "text/plain"}},
            422,
            "UNKNOWN_FORMAT",
        ),
        (
            {"content": b"tz\r\n+08:00\r\n", "headers": {"content-type": "text/csv"}},
            422,
            "INVALID_IMPORT",
        ),
        ({"json": [GOOD], "params": {"mode": "all"}}, 422, "VALIDATION_ERROR"),
    ]
    for request, status, code in cases:
        response = await member.request("POST", IMPORT, **request)
        assert response.status_code == status, request
        assert response.json()["error"]["code"] == code, request


async def _seed_for_export(member: Member) -> None:
    await member.save(
        label='Quote " comma, newline\nand 汉字',
        birth="1948-03-07T05:41:27",
        tz="Asia/Shanghai",
        latitude=31.2304,
        longitude=121.4737,
        gender="female",
        trueSolarTime=True,
        zi="stay-same",
        uncertaintyMinutes=2.5,
        luckRule="traditional",
        luckSchool="male-forward",
        luckCount=8,
        luckIndex=3,
        annualYear=2031,
    )
    await member.save(birth="1990-05-12T10:30", place="Beijing", gender="male")
    trashed = await member.save(label="gone", birth="1975-10-01T00:00", tz="-05:00")
    await member.request("DELETE", f"/api/bazi/records/{trashed['id']}")


async def _export(member: Member, form: str, trash: bool) -> httpx.Response:
    query = f"format={form}&includeDeleted={str(trash).lower()}"
    response = await member.request("GET", f"{EXPORT}?{query}")
    assert response.status_code == 200, response.text
    return response


def _rows(response: httpx.Response, form: str) -> list[dict[str, Any]]:
    if form == "json":
        rows: list[dict[str, Any]] = response.json()
        return rows
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the ids, which an import replaces, in a stable order."""
    kept = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    return sorted(kept, key=lambda row: (row["createdAt"], row["birth"]))


@pytest.mark.parametrize("form", ["json", "csv"])
async def test_round_trip_reproduces_records(
    new_member: MemberFactory, form: str
) -> None:
    source, target = await new_member(), await new_member()
    await _seed_for_export(source)
    exported = await _export(source, form, trash=True)

    response = await target.request(
        "POST",
        IMPORT,
        content=exported.content,
        headers={"content-type": exported.headers["content-type"]},
    )

    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3
    again = await _export(target, form, trash=True)
    assert _comparable(_rows(again, form)) == _comparable(_rows(exported, form))
    assert await _total(target, "deleted") == 1
    charts = {}
    for member in (source, target):
        listing = await member.request("GET", "/api/bazi/records?status=all")
        for item in listing.json()["records"]:
            record = await member.request("GET", f"/api/bazi/records/{item['id']}")
            charts.setdefault(item["birth"], []).append(record.json()["chart"])
    assert all(len(pair) == 2 and pair[0] == pair[1] for pair in charts.values())


async def test_export_leaves_out_trash_by_default(new_member: MemberFactory) -> None:
    member = await new_member()
    await _seed_for_export(member)

    response = await _export(member, "csv", trash=False)

    rows = _rows(response, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert len(rows) == 2
    assert "deletedAt" not in rows[0]
    assert response.text.splitlines()[0].startswith("id,label,birth,tz,place")


async def test_export_reads_in_chunks(
    new_member: MemberFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await new_member()
    rows = [
        {**GOOD, "label": f"n{n}", "createdAt": "2026-01-01T00:00:00Z"}
        for n in range(7)
    ]
    await member.request("POST", IMPORT, json=rows)
    monkeypatch.setattr(service, "EXPORT_CHUNK", 2)

    exported = (await _export(member, "json", trash=False)).json()

    assert sorted(row["label"] for row in exported) == [f"n{n}" for n in range(7)]


async def test_large_import_uses_worker_processes(
    embedded_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "PROCESS_THRESHOLD", 600)
    monkeypatch.setattr(batch, "MAX_PROCESSES", 2)
    rows = [
        {
            "label": f"p{n}",
            "birth": f"{1900 + n % 200}-03-0{1 + n % 9}T1{n % 10}:00",
            "tz": "Asia/Shanghai",
            "gender": "male",
        }
        for n in range(600)
    ]
    async with client_for(embedded_settings) as client:
        body = {"email": "bulk@example.com", "password": PASSWORD}
        token = (await client.post("/api/auth/register", json=body)).json()["token"]
        headers = {"authorization": f"Bearer {token}"}

        response = await client.post(IMPORT, json=rows, headers=headers)
        listing = await client.get("/api/bazi/records?q=p599", headers=headers)

        record_id = listing.json()["records"][0]["id"]
        saved = await client.get(f"/api/bazi/records/{record_id}", headers=headers)
        calculated = await client.post(
            "/api/bazi/calculate",
            json={key: value for key, value in rows[599].items() if key != "label"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 600
    assert saved.json()["chart"] == calculated.json()
    assert batch._pool is not None
