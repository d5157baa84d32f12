"""Benchmark ``POST /api/bazi/calculate`` against a trivial endpoint of the same app.

Usage: ``python bench/api.py [--duration S] [--connections N] [--rate R] [--pin]``

The script starts ``bazi-master serve`` (one worker, embedded SQLite and in-process
store unless ``--database-url``/``--redis-url`` are given, rate limits off) on a free
loopback port, then measures three endpoints in one run:

- ``live``: ``GET /live``, which touches no dependency (the baseline);
- ``uncached``: calculate with a different random birth minute on every request;
- ``cached``: calculate with one fixed body, served from the cache.

Phase 1 (closed loop): ``--connections`` clients send back to back for ``--duration``
seconds; peak throughput is reported in req/s and as a ratio to the baseline.
Phase 2 (open loop): requests leave on a fixed schedule of ``--rate`` per second for
``--duration`` seconds, whether or not earlier ones have returned; latency is measured
from the scheduled send time, so queueing shows in p99. The ratio there is achieved
over offered rate.

The load generator (keep-alive HTTP/1.1 over asyncio streams, one process) shares the
machine with the server; ``--pin`` runs the server on CPU 0 and the generator on CPU 1
(taskset), otherwise both float over all CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

FIRST = datetime(1901, 1, 1)
MINUTES = 104_000_000  # 1901-01-01 to about 2098-09
CALCULATE = "/api/bazi/calculate"
CACHED_BODY = {"birth": "1990-05-12T10:30", "tz": "Asia/Shanghai", "gender": "male"}

RequestBuilder = Callable[[], bytes]


@dataclass
class Sample:
    """The outcome of one request."""

    seconds: float
    status: int | None  # None for a transport error
    error: str | None = None  # the transport error's class name


class Connection:
    """One keep-alive HTTP/1.1 connection that sends ready-made requests.

    httpx's pool slows down with many connections: on the 2-core machine used to
    write this, it sent 280 req/s over 50 connections against 780 over 1. That made
    the generator the bottleneck, so this client builds the bytes itself.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> int:
        """Send one request; return the status after reading the whole response.

        A kept-alive connection that the server closed while idle (uvicorn's
        keep-alive timeout is 5 s) is reopened once, as HTTP clients do.
        """
        reused = self.writer is not None
        try:
            head = await self._exchange(request)
        except (asyncio.IncompleteReadError, ConnectionResetError) as error:
            partial = isinstance(error, asyncio.IncompleteReadError) and error.partial
            if not reused or partial:
                raise
            self.close()
            head = await self._exchange(request)
        return await self._read_body(head)

    async def _exchange(self, request: bytes) -> bytes:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port
            )
        assert self.reader is not None
        self.writer.write(request)
        return await self.reader.readuntil(b"\r\n\r\n")

    async def _read_body(self, head: bytes) -> int:
        assert self.reader is not None

        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        """Close the socket; the next ``send`` reconnects."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class Pool:
    """Idle connections reused one request at a time; new ones open on demand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[Connection] = []
        self.opened: list[Connection] = []

    async def send(self, request: bytes, start: float) -> Sample:
        """Send on an idle or a new connection; time from ``start``."""
        connection = self.idle.pop() if self.idle else self._open()
        try:
            status = await connection.send(request)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
            connection.close()
            self.idle.append(connection)
            return Sample(time.perf_counter() - start, None, type(error).__name__)
        self.idle.append(connection)
        return Sample(time.perf_counter() - start, status)

    def _open(self) -> Connection:
        connection = Connection(self.port)
        self.opened.append(connection)
        return connection

    def close(self) -> None:
        """Close every connection the pool opened."""
        for connection in self.opened:
            connection.close()


def _get(path: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def _post(path: str, port: int, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def _random_body(generator: random.Random) -> dict[str, Any]:
    birth = FIRST + timedelta(minutes=generator.randrange(MINUTES))
    gender = generator.choice(("male", "female"))
    return {"birth": birth.strftime("%Y-%m-%dT%H:%M"), "tz": "+08:00", "gender": gender}


def _builders(port: int, seed: int) -> dict[str, RequestBuilder]:
    """Request builders per endpoint; ``uncached`` makes a new birth every call."""
    generator = random.Random(seed)
    live = _get("/live", port)
    cached = _post(CALCULATE, port, CACHED_BODY)
    return {
        "live": lambda: live,
        "uncached": lambda: _post(CALCULATE, port, _random_body(generator)),
        "cached": lambda: cached,
    }


async def closed_loop(
    port: int, build: RequestBuilder, connections: int, duration: float
) -> list[Sample]:
    """``connections`` clients each send their next request when one returns."""
    pool = Pool(port)
    samples: list[Sample] = []
    deadline = time.perf_counter() + duration

    async def client() -> None:
        while time.perf_counter() < deadline:
            samples.append(await pool.send(build(), time.perf_counter()))

    await asyncio.gather(*(client() for _ in range(connections)))
    pool.close()
    return samples


async def open_loop(
    port: int, build: RequestBuilder, rate: float, duration: float
) -> list[Sample]:
    """Send ``rate`` requests per second on schedule, however slow the responses are."""
    pool = Pool(port)
    begin = time.perf_counter()
    tasks = []
    for index in range(int(rate * duration)):
        scheduled = begin + index / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(pool.send(build(), scheduled)))
    samples = list(await asyncio.gather(*tasks))
    pool.close()
    return samples


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _summary(samples: list[Sample], duration: float) -> dict[str, Any]:
    ok = [sample.seconds * 1000 for sample in samples if sample.status == 200]
    failed = Counter(
        str(sample.status or sample.error) for sample in samples if sample.status != 200
    )
    return {
        "requests": len(samples),
        "errors": len(samples) - len(ok),
        "error_kinds": dict(failed),
        "rps": len(ok) / duration,
        "p50_ms": statistics.median(ok) if ok else float("nan"),
        "p99_ms": _percentile(ok, 0.99) if ok else float("nan"),
        "max_ms": max(ok) if ok else float("nan"),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """``bazi-master serve`` in its own process group, stopped with SIGTERM."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.port = _free_port()
        env = dict(os.environ, APP_ENV="test", DATA_DIR=str(workdir))
        env.update(RATE_LIMIT_ENABLED="false", LOG_LEVEL="warning", PORT=str(self.port))
        for name, value in (
            ("DATABASE_URL", args.database_url),
            ("REDIS_URL", args.redis_url),
        ):
            env.pop(name, None)
            if value:
                env[name] = value
        command = [str(Path(sys.executable).with_name("bazi-master")), "serve"]
        if args.pin:
            command = ["taskset", "-c", "0", *command]
        self.process = subprocess.Popen(
            command, env=env, cwd=workdir, start_new_session=True
        )

    def wait_until_live(self) -> None:
        """Poll until the port accepts connections (at most 30 s)."""
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not start within 30 s")

    def stop(self) -> None:
        """SIGTERM, then wait for the exit."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


def _print_table(title: str, rows: dict[str, dict[str, Any]], baseline: float) -> None:
    print(f"\n{title}")
    print(
        f"{'endpoint':<10}{'req/s':>9}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'requests':>10}{'errors':>8}"
    )
    for name, row in rows.items():
        print(
            f"{name:<10}{row['rps']:>9.0f}{row['rps'] / baseline:>8.2f}"
            f"{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['max_ms']:>9.2f}"
            f"{row['requests']:>10}{row['errors']:>8}"
        )
    for name, row in rows.items():
        if row["error_kinds"]:
            print(f"  {name} errors by status: {row['error_kinds']}")


async def _measure(args: argparse.Namespace, port: int) -> None:
    builders = _builders(port, args.seed)
    for build in builders.values():  # warm up: imports, tables, the cached entry
        await closed_loop(port, build, 4, 1.0)

    peak = {}
    for name, build in builders.items():
        samples = await closed_loop(port, build, args.connections, args.duration)
        peak[name] = _summary(samples, args.duration)
    _print_table(
        f"Closed loop, {args.connections} connections, {args.duration:g} s each",
        peak,
        peak["live"]["rps"],
    )

    fixed = {}
    for name, build in builders.items():
        samples = await open_loop(port, build, args.rate, args.duration)
        fixed[name] = _summary(samples, args.duration)
    _print_table(
        f"Open loop, {args.rate:g} req/s offered, {args.duration:g} s each",
        fixed,
        args.rate,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop req/s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pin", action="store_true", help="server CPU 0, load CPU 1")
    parser.add_argument("--database-url", help="default: embedded SQLite")
    parser.add_argument("--redis-url", help="default: in-process store")
    args = parser.parse_args()
    if args.pin and shutil.which("taskset") is None:
        raise SystemExit("--pin needs taskset (util-linux)")
    if args.pin:
        os.sched_setaffinity(0, {1})

    with tempfile.TemporaryDirectory(prefix="bazi-bench-") as workdir:
        server = Server(args, Path(workdir))
        try:
            server.wait_until_live()
            print(
                f"server: 127.0.0.1:{server.port}, pid {server.process.pid}, 1 worker"
            )
            print(f"generator: pid {os.getpid()}, pinned to CPU 1: {args.pin}")
            asyncio.run(_measure(args, server.port))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
