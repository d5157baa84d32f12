"""Two identical saves racing on PostgreSQL: the advisory lock lets one insert."""

from __future__ import annotations

import asyncio
import uuid

from bazi_master.service import Settings
from bazi_master.service.accounts.models import User
from bazi_master.service.bazi.service import ChartService
from bazi_master.service.core.db import create_engine, create_session_factory, migrate
from bazi_master.service.core.metrics import Metrics
from bazi_master.service.core.store import MemoryStore
from bazi_master.service.records.batch import ImportPool
from bazi_master.service.records.repository import RecordRepository
from bazi_master.service.records.schemas import RecordInput
from bazi_master.service.records.service import RecordService

BODY = {"label": "race", "birth": "1990-05-12T10:30", "tz": "+08:00"}


async def test_racing_saves_insert_once(shared_settings: Settings) -> None:
    engine = create_engine(shared_settings)
    await migrate(engine)
    factory = create_session_factory(engine)
    owner = uuid.uuid4()
    async with factory() as session:
        session.add(User(id=owner, email=f"{owner}@example.com"))
        await session.commit()
    charts = ChartService(MemoryStore(), Metrics(), 60)
    pool = ImportPool()  # never started: saves chart on the event loop
    body = RecordInput.model_validate(BODY)

    async def save() -> tuple[uuid.UUID, bool]:
        async with factory() as session:
            service = RecordService(RecordRepository(session), charts, pool)
            view, created = await service.create(owner, body)
            await session.commit()
            return view.record.id, created

    try:
        results = await asyncio.gather(save(), save(), save())
    finally:
        await engine.dispose()
    assert sorted(created for _, created in results) == [False, False, True]
    assert len({record_id for record_id, _ in results}) == 1
