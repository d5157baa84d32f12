"""Export and import: formats, validation, atomic and partial modes, round trips."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import hypothesis
import pytest

from bazi_master.service import Settings
from bazi_master.service.records import batch, service
from bazi_master.service.records.endpoints import MEDIA_TYPES
from bazi_master.service.records.models import LABEL_MAX_LENGTH
from bazi_master.service.records.transfer import (
    MAX_IMPORT_ROWS,
    defuse_formula,
    export_row,
    json_chunk,
    restore_formula,
)

from ..conftest import SettingsFactory, client_for
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
    charts: dict[str, list[Any]] = {}
    for member in (source, target):
        listing = await member.request("GET", "/api/bazi/records?status=all")
        for item in listing.json()["records"]:
            record = await member.request("GET", f"/api/bazi/records/{item['id']}")
            charts.setdefault(item["birth"], []).append(record.json()["chart"])
    assert all(len(pair) == 2 and pair[0] == pair[1] for pair in charts.values())


# Labels that a spreadsheet would read as a formula, and labels that really start
# with a quote, which must survive the quote that defuses the others.
FORMULA_LABELS = [
    '=HYPERLINK("http://127.0.0.1/","x")',
    "+1+2",
    "-3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "'tis the season",
    "'=1",
    "''+1",
    "plain = text",
]


async def test_csv_export_defuses_formulas(new_member: MemberFactory) -> None:
    source, target = await new_member(), await new_member()
    for label in FORMULA_LABELS:
        await source.save(label=label, birth="1990-05-12T10:30", tz="+08:00")

    exported = await _export(source, "csv", trash=False)
    response = await target.request(
        "POST", f"{IMPORT}?format=csv", content=exported.content
    )
    imported = (await _export(target, "json", trash=False)).json()

    cells = sorted(row["label"] for row in _rows(exported, "csv"))
    escaped = [
        label if label[0] not in "=+-@\t\r'" else "'" + label
        for label in FORMULA_LABELS
    ]
    assert cells == sorted(escaped)
    assert response.status_code == 200, response.text
    assert sorted(row["label"] for row in imported) == sorted(FORMULA_LABELS)


async def test_csv_import_keeps_other_quotes(new_member: MemberFactory) -> None:
    member = await new_member()
    text = (
        "label,birth,tz\r\n"
        "'tis,1990-05-12T10:30,+08:00\r\n"
        "'=1,1990-05-12T10:30,+08:00\r\n"
        "it's,1990-05-12T10:30,+08:00\r\n"
    )

    response = await member.request(
        "POST", IMPORT, content=text, headers={"content-type": "text/csv"}
    )
    imported = (await _export(member, "json", trash=False)).json()

    assert response.status_code == 200, response.text
    assert sorted(row["label"] for row in imported) == ["'tis", "=1", "it's"]


@hypothesis.given(hypothesis.strategies.text())
def test_defused_text_restores_exactly(text: str) -> None:
    assert restore_formula(defuse_formula(text)) == text


def test_import_limit_fits_largest_rows() -> None:
    record = SimpleNamespace(
        id=uuid.uuid4(),
        label="\x01" * LABEL_MAX_LENGTH,
        birth=datetime(1948, 3, 7, 5, 41, 27),
        birth_has_seconds=True,
        tz="America/Argentina/ComodRivadavia",
        place="汉" * 200,
        latitude=-31.230412345678,
        longitude=-121.473712345678,
        gender="female",
        true_solar_time=True,
        zi="stay-next",
        fold="earlier",
        uncertainty_minutes=2.5,
        luck_rule="traditional",
        luck_school="male-forward",
        luck_count=10,
        luck_index=10,
        annual_year=2200,
        pillars="庚午 辛巳 庚辰 癸未",
        day_master="庚",
        engine_version="1.0.0+tzdata2026f",
        created_at=datetime(2026, 12, 4, 17, 16, 32, 123456, UTC),
        updated_at=datetime(2026, 12, 4, 17, 16, 32, 123456, UTC),
        deleted_at=datetime(2026, 12, 4, 17, 16, 32, 123456, UTC),
    )
    row = json_chunk([export_row(record, include_deleted=True)], first=False)

    size = MAX_IMPORT_ROWS * len(row.encode()) + len("[\n\n]\n")
    assert size <= Settings(_env_file=None).MAX_IMPORT_BODY_BYTES


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


async def _register(client: httpx.AsyncClient) -> dict[str, str]:
    """Register a member with a unique email; return its authorization header."""
    body = {"email": f"bulk-{secrets.token_hex(6)}@example.com", "password": PASSWORD}
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['token']}"}


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
    before = {child.pid for child in multiprocessing.active_children()}
    async with client_for(embedded_settings) as client:
        headers = await _register(client)

        response = await client.post(IMPORT, json=rows, headers=headers)
        listing = await client.get("/api/bazi/records?q=p599", headers=headers)

        record_id = listing.json()["records"][0]["id"]
        saved = await client.get(f"/api/bazi/records/{record_id}", headers=headers)
        calculated = await client.post(
            "/api/bazi/calculate",
            json={key: value for key, value in rows[599].items() if key != "label"},
        )
        workers = {child.pid for child in multiprocessing.active_children()} - before
    after = {child.pid for child in multiprocessing.active_children()}

    assert response.status_code == 200, response.text
    assert response.json()["created"] == 600
    assert saved.json()["chart"] == calculated.json()
    assert len(workers) == 2
    assert workers.isdisjoint(after), "the app's shutdown left import workers running"


def _import_body(count: int, label_length: int) -> list[dict[str, Any]]:
    """Return ``count`` import rows of about 150 bytes plus the label."""
    return [
        {**GOOD, "label": f"{n:05d}".ljust(label_length, "x")} for n in range(count)
    ]


async def test_import_has_own_body_limit(
    settings_for: SettingsFactory,
) -> None:
    settings = settings_for(MAX_BODY_BYTES=2048, MAX_IMPORT_BODY_BYTES=8192)
    fitting = json.dumps(_import_body(20, 100)).encode()
    too_large = json.dumps(_import_body(60, 100)).encode()
    assert 2048 < len(fitting) < 8192 < len(too_large)

    async with client_for(settings) as client:
        headers = {**await _register(client), "content-type": "application/json"}
        imported = await client.post(IMPORT, content=fitting, headers=headers)
        declared = await client.post(IMPORT, content=too_large, headers=headers)
        streamed = await client.post(
            IMPORT, content=_chunks(too_large), headers=headers
        )
        other = await client.post(
            "/api/bazi/calculate", content=fitting, headers=headers
        )

    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 20
    for response in (declared, streamed):
        error = response.json()["error"]
        assert response.status_code == 413
        assert error["code"] == "PAYLOAD_TOO_LARGE"
        assert "8192" in error["message"]
    assert other.status_code == 413
    assert "2048" in other.json()["error"]["message"]


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


def _varied_rows(count: int) -> list[dict[str, Any]]:
    """Return rows with varied inputs, times and trash marks, as an export has them."""
    offsets = ["+08:00", "-05:00", "+05:30", "+00:00"]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        created = (start + timedelta(minutes=n)).isoformat().replace("+00:00", "Z")
        row = {
            "label": f"{'=' if n % 7 == 0 else ''}member {n}: 汉字 {n % 97}",
            "birth": f"{1900 + n % 200}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            f"T{n % 24:02d}:{n % 60:02d}",
            "tz": offsets[n % len(offsets)],
            "gender": "female" if n % 2 else "male",
            "luckCount": 8 + n % 3,
            "createdAt": created,
        }
        if n % 10 == 0:
            row["deletedAt"] = created
        rows.append(row)
    return rows


@pytest.mark.slow
async def test_largest_export_imports_back(embedded_settings: Settings) -> None:
    rows = _varied_rows(MAX_IMPORT_ROWS)
    exported: dict[str, httpx.Response] = {}
    imported: dict[str, httpx.Response] = {}
    again: dict[str, httpx.Response] = {}
    async with client_for(embedded_settings) as client:
        source = await _register(client)
        seeded = await client.post(IMPORT, json=rows, headers=source)
        for form in ("json", "csv"):
            query = {"format": form, "includeDeleted": "true"}
            target = await _register(client)
            exported[form] = await client.get(EXPORT, params=query, headers=source)
            imported[form] = await client.post(
                IMPORT,
                content=exported[form].content,
                headers={**target, "content-type": MEDIA_TYPES[form]},
            )
            again[form] = await client.get(EXPORT, params=query, headers=target)

    assert seeded.status_code == 200, seeded.text
    for form in ("json", "csv"):
        assert len(exported[form].content) > embedded_settings.MAX_BODY_BYTES, form
        assert imported[form].status_code == 200, imported[form].text
        assert imported[form].json()["created"] == MAX_IMPORT_ROWS, form
        assert _comparable(_rows(again[form], form)) == _comparable(
            _rows(exported[form], form)
        ), form
