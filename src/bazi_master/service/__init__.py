"""The BaZi Master web service: FastAPI on uvicorn, PostgreSQL or SQLite, Redis."""

from .app import create_app
from .core.settings import Settings

__all__ = ["Settings", "create_app"]
