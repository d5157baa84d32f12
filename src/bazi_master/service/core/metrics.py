"""Prometheus metrics of one app instance, served at ``GET /metrics``.

Each app has its own registry, so several apps in one process (tests) do not collide.
NOTE: with ``--workers`` above 1 every worker keeps its own counters, and a scrape
reaches one worker only. Run one worker per container when the figures matter.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Latency buckets in seconds, dense below 50 ms where the chart endpoint should be.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's metrics, all prefixed ``bazi_``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.started_at = time.monotonic()
        registry = self.registry
        self.requests = Counter(
            "bazi_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "bazi_http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.cache = Counter(
            "bazi_cache_requests",
            "BaZi chart cache lookups: hit or miss (a failed read is a miss).",
            ["result"],
            registry=registry,
        )
        self.cache_errors = Counter(
            "bazi_cache_errors",
            "Failed cache reads and writes; the request was answered anyway.",
            ["operation"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "bazi_rate_limited",
            "Requests answered 429 by rate-limit scope.",
            ["scope"],
            registry=registry,
        )
        self.rate_limit_degraded = Counter(
            "bazi_rate_limit_store_errors",
            "Rate-limit checks that fell back to in-process counters.",
            registry=registry,
        )
        self.dependency_up = Gauge(
            "bazi_dependency_up",
            "1 when the last health check of the dependency succeeded.",
            ["dependency"],
            registry=registry,
        )
        self.shutting_down = Gauge(
            "bazi_shutting_down", "1 while draining after SIGTERM.", registry=registry
        )
        self.up = Gauge("bazi_up", "1 while the instance serves.", registry=registry)
        uptime = Gauge(
            "bazi_uptime_seconds", "Seconds since the app started.", registry=registry
        )
        uptime.set_function(self.uptime)
        children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._request_children = children

    def count_request(
        self, method: str, route: str, status: int, seconds: float
    ) -> None:
        """Count a finished request and observe its duration.

        The labelled children are kept per label set because ``labels()`` costs a
        few microseconds a call. The registry keeps one child per label set anyway,
        so this dict grows no faster than the metrics do.
        """
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def uptime(self) -> float:
        """Seconds since this app was created."""
        return time.monotonic() - self.started_at
