"""Liveness, health and readiness probes."""
