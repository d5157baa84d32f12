"""Every SQL statement of the favourites; each call runs in the caller's session."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from ..records.models import BaziRecord
from .models import Favorite


class DuplicateFavoriteError(Exception):
    """The member already marked this record."""


def _visible(user_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    """Return the conditions for the favourites of active records of the member."""
    return [
        Favorite.user_id == user_id,
        BaziRecord.owner_id == user_id,
        BaziRecord.deleted_at.is_(None),
    ]


class FavoriteRepository:
    """Reads and writes ``favorites`` through one ``AsyncSession``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, favorite: Favorite) -> None:
        """Insert ``favorite``; raise ``DuplicateFavoriteError`` if the pair exists.

        The insert runs in a savepoint, so a duplicate leaves the request's
        transaction usable.
        """
        try:
            async with self.session.begin_nested():
                self.session.add(favorite)
        except IntegrityError:
            raise DuplicateFavoriteError from None

    async def find(self, user_id: uuid.UUID, record_id: uuid.UUID) -> Favorite | None:
        """Return the member's favourite of a record, or None."""
        statement = sa.select(Favorite).where(
            Favorite.user_id == user_id, Favorite.record_id == record_id
        )
        return (await self.session.scalars(statement)).first()

    async def count(self, user_id: uuid.UUID) -> int:
        """Count the favourites that the list shows."""
        statement = (
            sa.select(sa.func.count())
            .select_from(Favorite)
            .join(BaziRecord, BaziRecord.id == Favorite.record_id)
            .where(*_visible(user_id))
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def page(
        self, user_id: uuid.UUID, page: int, page_size: int
    ) -> list[tuple[Favorite, BaziRecord]]:
        """Return one page of (favourite, record), newest favourite first."""
        statement = (
            sa.select(Favorite, BaziRecord)
            .join(BaziRecord, BaziRecord.id == Favorite.record_id)
            .options(defer(BaziRecord.chart))
            .where(*_visible(user_id))
            .order_by(Favorite.created_at.desc(), Favorite.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        rows = (await self.session.execute(statement)).all()
        return [(favorite, record) for favorite, record in rows]

    async def delete(self, user_id: uuid.UUID, favorite_id: uuid.UUID) -> int:
        """Delete one of the member's favourites; return how many rows went (0 or 1)."""
        statement = sa.delete(Favorite).where(
            Favorite.id == favorite_id, Favorite.user_id == user_id
        )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0))
