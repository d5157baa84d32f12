"""Favourite logic: mark a record of one's own, list the marks, remove one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ..accounts.models import utc_now
from ..core.errors import ApiError
from ..core.logging import get_logger
from ..records.service import RecordService, RecordView
from .models import Favorite
from .repository import DuplicateFavoriteError, FavoriteRepository
from .schemas import FavoriteQuery

log = get_logger(__name__)


@dataclass
class FavoriteView:
    """A favourite and its record as read."""

    favorite: Favorite
    record: RecordView


def _already_marked(record_id: uuid.UUID, favorite_id: uuid.UUID | None) -> ApiError:
    details = [] if favorite_id is None else [{"favoriteId": str(favorite_id)}]
    return ApiError(
        409,
        "ALREADY_FAVORITE",
        f"record {record_id} is already a favourite; remove it with "
        "DELETE /api/favorites/{favoriteId} first",
        details,
    )


class FavoriteService:
    """The favourite operations of one request."""

    def __init__(self, repository: FavoriteRepository, records: RecordService) -> None:
        self.repository = repository
        self.records = records

    async def add(self, user_id: uuid.UUID, record_id: uuid.UUID) -> FavoriteView:
        """Mark one of the member's active records (404 for any other record)."""
        view = await self.records.get(user_id, record_id)
        if view.record.deleted_at is not None:
            raise ApiError(
                409,
                "RECORD_IN_TRASH",
                f"record {record_id} is in the trash; restore it with "
                f"POST /api/bazi/records/{record_id}/restore before marking it",
            )
        existing = await self.repository.find(user_id, record_id)
        if existing is not None:
            raise _already_marked(record_id, existing.id)

        favorite = Favorite(
            id=uuid.uuid4(), user_id=user_id, record_id=record_id, created_at=utc_now()
        )
        try:
            await self.repository.add(favorite)
        except DuplicateFavoriteError:
            raise _already_marked(record_id, None) from None
        log.info("favorites.added", favorite_id=str(favorite.id))
        return FavoriteView(favorite, view)

    async def list(
        self, user_id: uuid.UUID, query: FavoriteQuery
    ) -> tuple[list[FavoriteView], int]:
        """Return one page of favourites of active records, and their count."""
        total = await self.repository.count(user_id)
        rows = await self.repository.page(user_id, query.page, query.page_size)
        views = [
            FavoriteView(favorite, await self.records.fresh(record))
            for favorite, record in rows
        ]
        return views, total

    async def remove(self, user_id: uuid.UUID, favorite_id: uuid.UUID) -> None:
        """Delete one of the member's favourites (404 for any other id)."""
        if await self.repository.delete(user_id, favorite_id) == 0:
            raise ApiError(
                404,
                "FAVORITE_NOT_FOUND",
                f"favourite {favorite_id} was not found; list yours with "
                "GET /api/favorites",
            )
        log.info("favorites.removed", favorite_id=str(favorite_id))
