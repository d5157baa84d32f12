"""Property-based requests to ``POST /api/bazi/calculate`` generated from its OpenAPI.

Every generated request must get a documented status with an envelope or a chart,
never a 500, and bodies that break the schema must be rejected. Schema-valid bodies may
still get 422, because the engine checks more than JSON Schema can express (real
dates, known zones), so the ``positive_data_acceptance`` check is left out.
"""

from __future__ import annotations

import hypothesis
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bazi_master.service import Settings, create_app
from bazi_master.service.core.settings import Environment

# NOTE: the app is built at import time because schemathesis 4.32's
# ``pytest.from_fixture`` fails under pytest 9.2 ("'Function' object has no attribute
# '_nodeid'"). An in-memory database keeps that from leaving files behind; the route
# under test never touches it.
SETTINGS = Settings(
    _env_file=None,
    APP_ENV=Environment.TEST,
    DATABASE_URL="sqlite+aiosqlite:///:memory:",
    RATE_LIMIT_ENABLED=False,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(SETTINGS)).include(
    path="/api/bazi/calculate"
)


@schema.parametrize()
@hypothesis.settings(max_examples=60, deadline=None)
def test_calculate_conforms_to_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
