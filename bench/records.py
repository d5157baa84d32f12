"""Benchmark the saved charts of one member with 10,000 records on PostgreSQL.

Usage: ``python bench/records.py [--rows N] [--queries N] [--database-url URL]``

The script creates its own database ``bazi_master_bench_<random>`` on the server of
``--database-url`` (default ``TEST_DATABASE_URL``, else the local test server),
migrates it, and drops it at the end. It calls the app in-process over ASGI with
rate limits off and ``MAX_BODY_BYTES`` raised to 64 MiB, registers one member, and
measures three things:

- import: ``POST /api/bazi/records/import`` of ``--rows`` generated JSON rows in one
  atomic request, with every chart recomputed. The first import also starts the
  worker processes (``import, cold pool``). The second imports the same rows for a
  second member (``import``), and the list and export run as that member;
- list: ``--queries`` filtered and sorted pages of 50 records (text search, gender,
  birth years, both sort keys, pages 1 to 20), reported as p50, p95 and max;
- export: ``GET /api/bazi/records/export`` in JSON and in CSV, whole body read.

Targets: import under 10 s, list p95 under 50 ms, export under 3 s. The numbers
depend on the CPU count and on what else runs; the script prints both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bazi_master.service import Settings, create_app
from bazi_master.service.core.db import create_engine, migrate
from bazi_master.service.core.logging import configure_logging

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bazi_master_test"
PLACES = ("Beijing", "Shanghai", "Taipei", "Hong Kong", "Singapore", "Chengdu")
ZONES = ("Asia/Shanghai", "+08:00", "Asia/Tokyo", "America/New_York", "Europe/Paris")
NAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou")
TARGETS = {
    "import": 10.0,
    "import, cold pool": 10.0,
    "list p95": 0.050,
    "export json": 3.0,
    "export csv": 3.0,
}


def generate_rows(count: int, seed: int) -> list[dict[str, Any]]:
    """Return ``count`` import rows: a third with a place, the rest with a zone."""
    generator = random.Random(seed)
    rows = []
    for number in range(count):
        birth = (
            f"{generator.randint(1900, 2099)}-{generator.randint(1, 12):02d}-"
            f"{generator.randint(1, 28):02d}T{generator.randint(0, 23):02d}:"
            f"{generator.randint(0, 59):02d}"
        )
        row: dict[str, Any] = {
            "label": f"{generator.choice(NAMES)} {number}",
            "birth": birth,
            "gender": generator.choice(("male", "female")),
            # A time that the clocks repeat needs a choice; elsewhere it is unused.
            "fold": "earlier",
        }
        if number % 3 == 0:
            row["place"] = generator.choice(PLACES)
        else:
            row["tz"] = generator.choice(ZONES)
        rows.append(row)
    return rows


def list_queries(count: int, seed: int) -> list[dict[str, Any]]:
    """Return ``count`` list queries that combine filters, sorts and pages."""
    generator = random.Random(seed)
    queries = []
    for _ in range(count):
        first_year = generator.randint(1900, 2050)
        query: dict[str, Any] = {
            "sort": generator.choice(("created-desc", "birth-asc", "birth-desc")),
            "pageSize": 50,
            "page": generator.randint(1, 20),
            "gender": generator.choice(("male", "female")),
            "birthYearFrom": first_year,
            "birthYearTo": first_year + 50,
        }
        if generator.random() < 0.5:
            query["q"] = generator.choice(NAMES).lower()
        queries.append(query)
    return queries


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


def create_database(server_url: str) -> tuple[str, str]:
    """Create ``bazi_master_bench_<random>``; return (name, SQLAlchemy URL)."""
    name = f"bazi_master_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_conninfo(server_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name)
    return name, url.render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop the database this run created, and no other."""
    with psycopg.connect(_admin_conninfo(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _register(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    body = {"email": email, "password": "correct horse battery staple"}
    response = await client.post("/api/auth/register", json=body)
    response.raise_for_status()
    return {"authorization": f"Bearer {response.json()['token']}"}


# Bytes of the last import body and of each export, printed with the timings.
SIZES: dict[str, int] = {}


async def _timed(client: httpx.AsyncClient, *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    response = await client.request(*args, **kwargs)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{args} returned {response.status_code}: {response.text}")
    SIZES[args[1]] = len(response.request.content or response.content)
    return elapsed


async def measure(settings: Settings, args: argparse.Namespace) -> dict[str, float]:
    """Run the three measurements against a fresh app; return seconds by name."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    results: dict[str, float] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client,
    ):
        rows = generate_rows(args.rows, args.seed)
        url = "/api/bazi/records/import"
        for name, email in (("import, cold pool", "cold"), ("import", "member")):
            headers = await _register(client, f"bench-{email}@example.com")
            results[name] = await _timed(
                client, "POST", url, json=rows, headers=headers
            )

        latencies = []
        for query in list_queries(args.queries, args.seed):
            url = "/api/bazi/records"
            latencies.append(
                await _timed(client, "GET", url, params=query, headers=headers)
            )
        results["list p50"] = statistics.median(latencies)
        results["list p95"] = statistics.quantiles(latencies, n=20)[18]
        results["list max"] = max(latencies)

        for form in ("json", "csv"):
            url = f"/api/bazi/records/export?format={form}"
            results[f"export {form}"] = await _timed(
                client, "GET", url, headers=headers
            )
    return results


def report(results: dict[str, float], args: argparse.Namespace) -> None:
    """Print each number with its target and the machine it ran on."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"rows {args.rows}, list queries {args.queries}, CPUs {os.cpu_count()}, "
        f"load average before the run {args.load}, after {load}"
    )
    for name, seconds in results.items():
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None
            else (
                f"target < {target * 1000:.0f} ms: "
                + ("met" if seconds < target else "MISSED")
            )
        )
        print(f"{name:18} {seconds * 1000:9.1f} ms  {verdict}")
    for url, size in SIZES.items():
        if "import" in url or "export" in url:
            print(f"body of {url}: {size / 1e6:.1f} MB")


async def run(args: argparse.Namespace) -> None:
    """Create the database, migrate, measure, report and drop the database."""
    name, url = create_database(args.database_url)
    try:
        settings = Settings(
            _env_file=None,
            APP_ENV="test",
            DATABASE_URL=url,
            RATE_LIMIT_ENABLED=False,
            MAX_BODY_BYTES=64 * 1024 * 1024,
            ARGON2_TIME_COST=1,
            ARGON2_MEMORY_KIB=1024,
            ARGON2_PARALLELISM=1,
        )
        configure_logging("warning")
        engine = create_engine(settings)
        await migrate(engine)
        await engine.dispose()
        report(await measure(settings, args), args)
    finally:
        drop_database(args.database_url, name)


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="records to import")
    parser.add_argument("--queries", type=int, default=200, help="list requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL server to create the benchmark database on",
    )
    args = parser.parse_args()
    args.load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    asyncio.run(run(args))


# The guard matters: the import pool starts worker processes with ``spawn``, which
# imports this file again in each of them.
if __name__ == "__main__":
    main()
