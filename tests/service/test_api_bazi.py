"""``POST /api/bazi/calculate``: both request shapes, errors, and the cache."""

from __future__ import annotations

from typing import Any

import pytest

from bazi_master import engine
from bazi_master.service import Settings

from .conftest import PrivateRedis, SettingsFactory, client_for

URL = "/api/bazi/calculate"
CURRENT = {"birth": "1990-05-12T10:30", "tz": "Asia/Shanghai", "gender": "male"}
LEGACY = {
    "birthYear": 1990,
    "birthMonth": 5,
    "birthDay": 12,
    "birthHour": 10,
    "birthMinute": 30,
    "gender": "male",
    "timezone": "Asia/Shanghai",
}


def _ganzhi(chart: dict[str, Any]) -> list[str]:
    pillars = chart["pillars"]
    return [pillars[name]["ganzhi"] for name in ("year", "month", "day", "hour")]


async def test_current_shape_returns_chart(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        response = await client.post(URL, json=CURRENT)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert _ganzhi(response.json()) == ["庚午", "辛巳", "丁丑", "乙巳"]


async def test_full_analysis_included(embedded_settings: Settings) -> None:
    body = {**CURRENT, "luckCount": 8, "luckIndex": 2, "annualYear": 2030}

    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=body)

    chart = response.json()
    assert response.status_code == 200
    assert len(chart["luck"]["pillars"]) == 8
    assert chart["analysis_options"]["luck_index"] == 2
    assert chart["flow_months"]


async def test_legacy_location_turns_on_solar_time(embedded_settings: Settings) -> None:
    located = {**LEGACY, "birthLocation": "39.9042, 116.4074"}
    solar_off = {**located, "trueSolarTime": False}

    async with client_for(embedded_settings) as client:
        on = (await client.post(URL, json=located)).json()
        off = (await client.post(URL, json=solar_off)).json()

    assert on["input"]["true_solar_time"] is True
    assert on["input"]["latitude"] == 39.9042
    assert on["solar_time"] is not None
    assert off["input"]["true_solar_time"] is False


async def test_legacy_shape_same_chart(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        current = await client.post(URL, json=CURRENT)
        legacy = await client.post(URL, json=LEGACY)

    assert legacy.status_code == 200
    assert _ganzhi(legacy.json()) == _ganzhi(current.json())
    assert legacy.headers["x-bazi-cache"] == "hit"


@pytest.mark.parametrize(
    ("extra", "zone"),
    [
        ({"timezone": "UTC+8"}, "+08:00"),
        ({"timezone": "GMT-05:30"}, "-05:30"),
        ({"timezone": None, "timezoneOffsetMinutes": 480}, "+08:00"),
        ({"timezone": None, "timezoneOffsetMinutes": -210}, "-03:30"),
    ],
)
async def test_legacy_offsets_become_zones(
    embedded_settings: Settings, extra: dict[str, Any], zone: str
) -> None:
    body = {**LEGACY, **extra}
    body = {key: value for key, value in body.items() if value is not None}

    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=body)

    assert response.status_code == 200, response.text
    assert response.json()["input"]["tz"] == zone


async def test_cache_miss_then_hit(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        first = await client.post(URL, json=CURRENT)
        second = await client.post(URL, json=CURRENT)

    assert first.headers["x-bazi-cache"] == "miss"
    assert second.headers["x-bazi-cache"] == "hit"
    assert second.content == first.content


async def test_engine_release_misses_cache(
    embedded_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with client_for(embedded_settings) as client:
        await client.post(URL, json=CURRENT)
        monkeypatch.setattr(engine, "ENGINE_VERSION", "99.0.0")
        upgraded = await client.post(URL, json=CURRENT)
        again = await client.post(URL, json=CURRENT)

    assert upgraded.headers["x-bazi-cache"] == "miss"
    assert again.headers["x-bazi-cache"] == "hit"


async def test_gender_normalised_before_cache(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        upper = await client.post(URL, json={**CURRENT, "gender": "MALE"})
        lower = await client.post(URL, json={**CURRENT, "gender": "male"})
        female = await client.post(URL, json={**CURRENT, "gender": "Female"})

    assert upper.json()["input"]["gender"] == "male"
    assert lower.headers["x-bazi-cache"] == "hit"
    assert female.headers["x-bazi-cache"] == "miss"
    assert female.json()["input"]["gender"] == "female"


@pytest.mark.parametrize(
    "change",
    [
        {"zi": "stay-next"},
        {"fold": "later"},
        {"uncertaintyMinutes": 5},
        {"birth": "1990-05-12T10:30:00"},
        {"tz": "+08:00"},
        {"gender": None},
        {"luckRule": "traditional"},
        {"luckSchool": "male-forward"},
        {"luckCount": 8},
        {"luckIndex": 2},
        {"annualYear": 2030},
    ],
)
async def test_every_option_changes_cache_key(
    embedded_settings: Settings, change: dict[str, Any]
) -> None:
    body = {**CURRENT, **change}
    body = {key: value for key, value in body.items() if value is not None}

    async with client_for(embedded_settings) as client:
        await client.post(URL, json=CURRENT)
        response = await client.post(URL, json=body)

    assert response.status_code == 200, response.text
    assert response.headers["x-bazi-cache"] == "miss"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LEGACY, "birthHour": True}, "birthHour"),
        ({**LEGACY, "birthHour": "10"}, "birthHour"),
        ({**LEGACY, "birthHour": 10.5}, "birthHour"),
        ({**LEGACY, "birthMonth": 13}, "birthMonth"),
        ({**CURRENT, "trueSolarTime": "yes"}, "trueSolarTime"),
        ({**CURRENT, "zi": "midnight"}, "zi"),
        ({**CURRENT, "latitude": 91, "longitude": 0}, "latitude"),
        ({**CURRENT, "birthday": "x"}, "birthday"),
        ({"tz": "Asia/Shanghai"}, "birth"),
        ({**CURRENT, "birth": "1990-05-12"}, "birth"),
        ({**CURRENT, "birth": "1990-05-12T10:30+08:00"}, "birth"),
    ],
)
async def test_invalid_body_gets_envelope(
    embedded_settings: Settings, body: dict[str, Any], field: str
) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=body)

    error = response.json()["error"]
    assert response.status_code == 422
    assert error["code"] == "VALIDATION_ERROR"
    assert any(field in detail["field"] for detail in error["details"]), error


async def test_whole_float_accepted(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json={**LEGACY, "birthHour": 10.0})

    assert response.status_code == 200


async def test_malformed_json_is_400(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.post(
            URL, content=b'{"birth": ', headers={"content-type": "application/json"}
        )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_JSON"


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({**CURRENT, "gender": "other"}, "INVALID_INPUT", "invalid gender 'other'"),
        ({**CURRENT, "birth": "1700-01-01T00:00"}, "OUT_OF_RANGE", "1700"),
        ({**CURRENT, "tz": "Mars/Olympus"}, "UNKNOWN_ZONE", "Mars/Olympus"),
        ({**CURRENT, "birth": "1990-02-30T10:30"}, "INVALID_INPUT", "1990-02-30"),
        ({**LEGACY, "birthDay": 31, "birthMonth": 2}, "INVALID_INPUT", "1990-02-31"),
        ({**LEGACY, "timezone": None}, "INVALID_INPUT", "missing time zone"),
        ({**CURRENT, "luckCount": 8, "luckIndex": 9}, "INVALID_INPUT", "luck_index"),
    ],
)
async def test_engine_input_errors_are_422(
    embedded_settings: Settings, body: dict[str, Any], code: str, words: str
) -> None:
    body = {key: value for key, value in body.items() if value is not None}

    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=body)

    error = response.json()["error"]
    assert response.status_code == 422, response.text
    assert error["code"] == code
    assert words in error["message"]


async def test_cache_failure_still_answers(
    settings_for: SettingsFactory, private_redis: PrivateRedis
) -> None:
    settings = settings_for(REDIS_URL=private_redis.url, RATE_LIMIT_ENABLED=False)

    async with client_for(settings) as client:
        private_redis.stop()
        first = await client.post(URL, json=CURRENT)
        second = await client.post(URL, json=CURRENT)
        metrics = await client.get("/metrics")

    assert first.status_code == 200
    assert second.status_code == 200
    assert second.headers["x-bazi-cache"] == "miss"
    assert 'bazi_cache_errors_total{operation="read"} 2.0' in metrics.text
    assert 'bazi_cache_errors_total{operation="write"} 2.0' in metrics.text
