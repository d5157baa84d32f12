"""Operator endpoints: metrics and API documentation."""
