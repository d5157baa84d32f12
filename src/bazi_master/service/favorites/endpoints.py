"""Routes of ``/api/favorites``: a member's marks on their own records."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.dependencies import CurrentUser
from ..core.db import get_session
from ..core.errors import error_responses
from ..records.endpoints import Records, record_summary
from ..records.transfer import as_utc
from .repository import FavoriteRepository
from .schemas import FavoriteInput, FavoriteOut, FavoritePage, FavoriteQuery
from .service import FavoriteService, FavoriteView

FAVORITES_PATH = "/api/favorites"

router = APIRouter(tags=["favorites"])


def favorite_service(
    session: Annotated[AsyncSession, Depends(get_session)], records: Records
) -> FavoriteService:
    """FastAPI dependency: the favourite service on the request's session."""
    return FavoriteService(FavoriteRepository(session), records)


Favorites = Annotated[FavoriteService, Depends(favorite_service)]


def favorite_out(view: FavoriteView) -> FavoriteOut:
    """Shape a favourite with a summary of its record."""
    favorite = view.favorite
    return FavoriteOut(
        id=favorite.id,
        record_id=favorite.record_id,
        created_at=as_utc(favorite.created_at),
        record=record_summary(view.record),
    )


@router.get(FAVORITES_PATH, responses=error_responses(401, 422))
async def list_favorites(
    query: Annotated[FavoriteQuery, Query()], user: CurrentUser, favorites: Favorites
) -> FavoritePage:
    """List your favourites, newest first; trashed records are left out."""
    views, total = await favorites.list(user.id, query)
    shown = (query.page - 1) * query.page_size + len(views)
    return FavoritePage(
        favorites=[favorite_out(view) for view in views],
        page=query.page,
        page_size=query.page_size,
        total=total,
        has_more=shown < total,
    )


@router.post(
    FAVORITES_PATH, status_code=201, responses=error_responses(401, 404, 409, 422)
)
async def add_favorite(
    body: FavoriteInput, user: CurrentUser, favorites: Favorites
) -> FavoriteOut:
    """Mark one of your records as a favourite."""
    return favorite_out(await favorites.add(user.id, body.record_id))


@router.delete(
    f"{FAVORITES_PATH}/{{favorite_id}}",
    status_code=204,
    responses=error_responses(401, 404, 422),
)
async def remove_favorite(
    favorite_id: uuid.UUID, user: CurrentUser, favorites: Favorites
) -> Response:
    """Remove one of your favourites; the record stays."""
    await favorites.remove(user.id, favorite_id)
    return Response(status_code=204)
