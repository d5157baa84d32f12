"""Serving under uvicorn, and the graceful stop on SIGTERM or SIGINT.

On the first signal the instance starts draining: readiness and health return 503
``shutting_down`` while ``/live`` stays 200 and every other request is still served.
After ``SHUTDOWN_DRAIN`` (5 s in production, 0 elsewhere) uvicorn stops accepting,
waits up to ``SHUTDOWN_TIMEOUT`` for in-flight requests, runs the app's shutdown and the
process exits with status 0. A second signal skips the rest of the drain.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import NoReturn

import uvicorn
from fastapi import FastAPI

from .logging import configure_logging, get_logger
from .settings import Settings

log = get_logger(__name__)
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ShutdownState:
    """Whether the instance is draining, shared by the server and the health checks."""

    def __init__(self) -> None:
        self.draining = False
        self.deadline: float | None = None  # time.monotonic() when the drain ends

    def begin(self, drain_seconds: float) -> None:
        """Start draining; the drain ends ``drain_seconds`` from now."""
        self.draining = True
        self.deadline = time.monotonic() + drain_seconds

    @property
    def drain_over(self) -> bool:
        """Whether the drain has started and its time is up."""
        return self.deadline is not None and time.monotonic() >= self.deadline


class DrainingServer(uvicorn.Server):
    """A uvicorn server that drains before it stops and exits 0 after a signal.

    uvicorn stops at the first signal and re-raises it once stopped, which makes the
    process end "killed by SIGTERM"; this server does neither.
    """

    def __init__(
        self, config: uvicorn.Config, shutdown: ShutdownState, drain_seconds: float
    ) -> None:
        super().__init__(config)
        self.shutdown_state = shutdown
        self.drain_seconds = drain_seconds
        self._drain_logged = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Runs as a signal handler: no logging here, on_tick reports the drain.
        if not self.shutdown_state.draining:
            self.shutdown_state.begin(self.drain_seconds)
        elif self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        original = {
            sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS
        }
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    async def on_tick(self, counter: int) -> bool:
        if self.shutdown_state.draining and not self._drain_logged:
            self._drain_logged = True
            log.info("server.draining", drain_seconds=self.drain_seconds)
        if self.shutdown_state.drain_over:
            log.info("server.stopping")
            return True
        return await super().on_tick(counter)


def uvicorn_config(settings: Settings, app: FastAPI) -> uvicorn.Config:
    """uvicorn settings: the service does its own logging and proxy handling."""
    return uvicorn.Config(
        app,
        host=settings.bind_host,
        port=settings.PORT,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=int(settings.SHUTDOWN_TIMEOUT.total_seconds()),
        lifespan="on",
    )


def serve(settings: Settings) -> None:
    """Serve until a signal, in this process or in ``WORKERS`` worker processes."""
    log.info(
        "server.starting",
        host=settings.bind_host,
        port=settings.PORT,
        workers=settings.WORKERS,
        environment=settings.APP_ENV.value,
    )
    if settings.WORKERS == 1:
        sock = bind_listener(settings)
        try:
            _run_worker(settings, [sock])
        finally:
            sock.close()
        return
    _supervise(settings)


def bind_listener(settings: Settings) -> socket.socket:
    """Bind the listening socket as uvicorn does; on failure log fatal and exit 1.

    Binding here, before uvicorn starts, turns uvicorn's own failure (its error
    text as the log event and exit status 3) into one fatal line that names the fix.
    """
    host, port = settings.bind_host, settings.PORT
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        _bind_failed(host, port, exc)
    sock.set_inheritable(True)
    return sock


def _bind_failed(host: str, port: int, exc: OSError) -> NoReturn:
    if exc.errno == errno.EADDRINUSE:
        log.critical(
            "server.port_in_use",
            host=host,
            port=port,
            error=str(exc),
            fix=f"another process listens on port {port}; stop it, or choose a "
            "free port with the PORT setting or serve --port",
        )
    else:
        log.critical(
            "server.bind_failed",
            host=host,
            port=port,
            error=str(exc),
            fix="check the address (BIND_HOST or serve --host) and the port (PORT "
            "or serve --port); ports below 1024 need privileges",
        )
    raise SystemExit(1)


def _supervise(settings: Settings) -> None:
    """Run ``WORKERS`` processes on one listening socket and pass signals on to them.

    A worker that exits with an error stops the others and makes the exit status 1,
    so the process manager restarts the whole service.
    """
    sock = bind_listener(settings)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_run_worker, args=(settings, [sock]), daemon=False)
        for _ in range(settings.WORKERS)
    ]
    for worker in workers:
        worker.start()
    stopping = _forward_signals(workers)

    failed = _wait_for_workers(workers, stopping)
    sock.close()
    if failed:
        raise SystemExit(1)


def _forward_signals(workers: Sequence[BaseProcess]) -> list[bool]:
    """Send SIGTERM and SIGINT on to every live worker; return the 'stopping' flag."""
    stopping = [False]

    def forward(sig: int, _frame: FrameType | None) -> None:
        stopping[0] = True
        for worker in workers:
            if worker.pid is not None and worker.exitcode is None:
                os.kill(worker.pid, sig)

    for sig in HANDLED_SIGNALS:
        signal.signal(sig, forward)
    return stopping


def _wait_for_workers(workers: Sequence[BaseProcess], stopping: list[bool]) -> bool:
    """Wait until every worker has exited; return whether one failed."""
    failed = False
    while any(worker.exitcode is None for worker in workers):
        time.sleep(0.2)
        crashed = [w for w in workers if w.exitcode not in (None, 0)]
        if crashed and not stopping[0]:
            log.error("server.worker_failed", exit_codes=[w.exitcode for w in crashed])
            failed = stopping[0] = True
            for worker in workers:
                if worker.exitcode is None:
                    worker.terminate()
    log.info("server.stopped", workers=len(workers))
    # A worker still starting up when the signal came has no handler yet and ends
    # by the signal itself; that is a clean stop too.
    clean = {0, -signal.SIGTERM, -signal.SIGINT}
    return failed or any(worker.exitcode not in clean for worker in workers)


def _run_worker(settings: Settings, sockets: list[socket.socket] | None = None) -> None:
    """Serve in this process: the single instance, or one worker of several."""
    from ..app import create_app  # app imports this module

    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    app = create_app(settings)
    server = DrainingServer(
        uvicorn_config(settings, app),
        app.state.shutdown,
        settings.shutdown_drain_seconds,
    )
    server.run(sockets=sockets)
    log.info("server.stopped")
