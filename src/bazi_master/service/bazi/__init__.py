"""The BaZi chart API."""
