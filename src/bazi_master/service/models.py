"""Every table of the service, collected for Alembic and the schema drift test.

A domain package with tables adds one import here, so ``metadata`` contains its
models.
"""

from __future__ import annotations

from .accounts import models as _accounts_models  # noqa: F401
from .core.db import Base
from .favorites import models as _favorites_models  # noqa: F401
from .records import models as _records_models  # noqa: F401

metadata = Base.metadata

__all__ = ["metadata"]
