"""Request and response models of ``/api/favorites``, camelCase on the wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ..core.times import UtcDateTime
from ..records.schemas import MAX_PAGE_SIZE, RecordSummary


class FavoriteInput(BaseModel):
    """The body of ``POST /api/favorites``."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel)

    record_id: uuid.UUID = Field(description="A record of yours that is not trashed.")


class FavoriteQuery(BaseModel):
    """The page of ``GET /api/favorites``."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel)

    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class FavoriteOut(_Out):
    """A favourite and the record it marks."""

    id: uuid.UUID
    record_id: uuid.UUID
    created_at: UtcDateTime
    record: RecordSummary


class FavoritePage(_Out):
    """One page of favourites; ``total`` counts those whose record is not trashed."""

    favorites: list[FavoriteOut]
    page: int
    page_size: int
    total: int
    has_more: bool
