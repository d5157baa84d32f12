"""``bazi-master serve`` on a busy port, and uvicorn's own log lines."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from .test_lifecycle import Server, _json_lines, _run


def test_busy_port_one_fatal_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _run(tmp_path, "serve", "--host", "127.0.0.1", "--port", str(port))

    lines = _json_lines(result.stdout)
    assert result.returncode == 1
    assert lines[-1]["level"] == "fatal"
    assert lines[-1]["event"] == "server.port_in_use"
    assert lines[-1]["port"] == port
    assert "PORT" in lines[-1]["fix"]
    assert "--port" in lines[-1]["fix"]


def _send_raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(data)
        return connection.recv(4096)


def _wait_for_event(server: Server, event: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in _json_lines(server.log_path.read_text()):
            if line["event"] == event:
                return line
        time.sleep(0.1)
    raise AssertionError(f"no {event} line in:\n{server.log_path.read_text()}")


def test_invalid_request_logged_as_event(tmp_path: Path) -> None:
    server = Server(tmp_path)
    try:
        server.wait_until_live()
        answer = _send_raw(server.port, b"NOT HTTP AT ALL\r\n\r\n")
        line = _wait_for_event(server, "http.invalid_request")
    finally:
        server.kill()

    assert answer.startswith(b"HTTP/1.1 400")
    assert line["level"] == "warn"
    assert line["message"] == "Invalid HTTP request received."
