"""Request and response models of the saved-chart routes, camelCase on the wire.

A record's body is the body of ``POST /api/bazi/calculate`` plus an optional label;
an import row adds the times that an export writes. Query models forbid unknown
parameters, so a misspelt filter is reported instead of ignored.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from ...engine._symbols import STEM_CHARS, STEM_PINYIN
from ..bazi.schemas import CalculateRequest, LegacyCalculateRequest, request_shape
from ..core.text import reject_nul_in_query
from ..core.times import UtcDateTime
from .models import LABEL_MAX_LENGTH

MAX_PAGE_SIZE = 100
MAX_BULK_IDS = 1000
MAX_QUERY_LENGTH = 100
# Birth years the engine charts: local dates from 1800 to 2200.
FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR = 1800, 2200

# How far an imported time may lie ahead of the server clock, for clock drift
# between the server that exported and the one that imports.
CLOCK_TOLERANCE = timedelta(minutes=5)

LabelText = Annotated[str, Field(min_length=1, max_length=LABEL_MAX_LENGTH)]


class RecordInput(CalculateRequest):
    """The inputs of a saved chart: the calculate body and an optional label."""

    label: LabelText | None = Field(
        default=None, description="Free text that names the record, such as a person."
    )


# The body of full-analysis: a record body, or the calculate route's earlier shape.
AnyRecordInput = Annotated[
    Annotated[RecordInput, Tag("current")]
    | Annotated[LegacyCalculateRequest, Tag("legacy")],
    Discriminator(request_shape),
]


class ImportRow(RecordInput):
    """One row of an import, in the shape that an export writes.

    ``createdAt``, ``updatedAt`` and ``deletedAt`` are kept, so a record keeps its
    history and its place in the trash. ``id``, ``pillars``, ``dayMaster`` and
    ``engineVersion`` are accepted and ignored: the import gives new ids and
    recomputes every chart.
    """

    id: Annotated[str, Field(max_length=64)] | None = None
    pillars: Annotated[str, Field(max_length=64)] | None = None
    day_master: Annotated[str, Field(max_length=8)] | None = Field(
        default=None, alias="dayMaster"
    )
    engine_version: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, alias="engineVersion"
    )
    created_at: AwareDatetime | None = Field(default=None, alias="createdAt")
    updated_at: AwareDatetime | None = Field(default=None, alias="updatedAt")
    deleted_at: AwareDatetime | None = Field(default=None, alias="deletedAt")

    @field_validator("created_at", "updated_at", "deleted_at")
    @classmethod
    def _check_time(
        cls, value: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        """Reject a time in the future, or one before ``createdAt``.

        Fields validate in declaration order, so ``createdAt`` is known here
        unless it failed or was left out.
        """
        if value is None:
            return None
        if value > datetime.now(UTC) + CLOCK_TOLERANCE:
            raise ValueError(
                f"{value.isoformat()} is in the future; give the time the record "
                "was saved, as an export writes it"
            )
        created = info.data.get("created_at")
        if info.field_name != "created_at" and created and value < created:
            raise ValueError(
                f"{value.isoformat()} is before createdAt {created.isoformat()}; "
                "a record cannot change before it exists"
            )
        return value


# The fields of an export row, in column order; deletedAt only on request.
EXPORT_FIELDS = (
    "id",
    "label",
    "birth",
    "tz",
    "place",
    "latitude",
    "longitude",
    "gender",
    "trueSolarTime",
    "zi",
    "fold",
    "uncertaintyMinutes",
    "luckRule",
    "luckSchool",
    "luckCount",
    "luckIndex",
    "annualYear",
    "pillars",
    "dayMaster",
    "engineVersion",
    "createdAt",
    "updatedAt",
)
TRASH_FIELD = "deletedAt"
IMPORT_FIELDS = (*EXPORT_FIELDS, TRASH_FIELD)


class _Out(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True
    )


class RecordSummary(_Out):
    """A record without its chart, as the list returns it."""

    id: uuid.UUID
    label: str | None
    birth: str = Field(description="Local civil date-time as given, ISO 8601.")
    tz: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    gender: str | None
    true_solar_time: bool
    zi: str
    fold: str | None
    uncertainty_minutes: float
    luck_rule: str
    luck_school: str
    luck_count: int
    luck_index: int | None
    annual_year: int | None
    pillars: str = Field(
        description="The eight characters, such as 庚午 辛巳 庚辰 癸未."
    )
    day_master: str = Field(description="The day stem, such as 庚.")
    birth_year: int
    birth_instant: UtcDateTime = Field(description="The birth in UTC.")
    engine_version: str
    recomputed: bool = Field(
        description="Whether this read recomputed a chart of an older engine version."
    )
    created_at: UtcDateTime
    updated_at: UtcDateTime
    deleted_at: UtcDateTime | None = Field(
        description="Set while the record is trashed."
    )


class RecordOut(RecordSummary):
    """A record with its chart, the same model as ``POST /api/bazi/calculate``."""

    chart: dict[str, Any]


class RecordPage(_Out):
    """One page of the list with its counts.

    ``total`` counts the member's records in the requested status and ``filtered``
    those that also match every other filter.
    """

    records: list[RecordSummary]
    page: int
    page_size: int
    total: int
    filtered: int
    has_more: bool


class BulkResult(_Out):
    """How many records a bulk action changed; already-changed ones do not count."""

    updated: int


class ImportProblem(_Out):
    """The reason one import row was rejected; ``row`` counts data rows from 1."""

    row: int
    field: str | None
    reason: str


class ImportResult(_Out):
    """The outcome of an import."""

    mode: str
    received: int
    created: int
    failed: int
    errors: list[ImportProblem]


class Status(StrEnum):
    """The records a list shows: outside the trash, in it, or both."""

    ACTIVE = "active"
    DELETED = "deleted"
    ALL = "all"


class Sort(StrEnum):
    """List orders: by creation time or birth instant, newest or oldest first."""

    CREATED_DESC = "created-desc"
    CREATED_ASC = "created-asc"
    BIRTH_DESC = "birth-desc"
    BIRTH_ASC = "birth-asc"


class _Query(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=False
    )

    # Query text goes into SQL parameters, where PostgreSQL rejects NUL.
    _no_nul = field_validator("*", mode="before")(reject_nul_in_query)


def _day_master_char(value: str) -> str:
    """Accept a stem character (庚) or its pinyin with or without the tone (geng)."""
    text = value.strip()
    if len(text) == 1 and text in STEM_CHARS:
        return text
    plain = _strip_tones(text.lower())
    for char, pinyin in zip(STEM_CHARS, STEM_PINYIN, strict=True):
        if plain == _strip_tones(pinyin):
            return char
    raise ValueError(
        f"invalid day master {value!r}: expected a stem such as 甲 or jia "
        f"({', '.join(STEM_CHARS)})"
    )


def _strip_tones(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ListQuery(_Query):
    """Filters, order and page of ``GET /api/bazi/records``."""

    q: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_LENGTH)] | None = Field(
        default=None,
        description="Words that must each occur in the label, place or pillars, "
        "ignoring letter case.",
    )
    gender: Literal["male", "female"] | None = None
    day_master: str | None = Field(
        default=None, description="Day stem as a character (庚) or pinyin (geng)."
    )
    birth_year_from: (
        Annotated[int, Field(ge=FIRST_BIRTH_YEAR, le=LAST_BIRTH_YEAR)] | None
    ) = Field(default=None, description="First local birth year, inclusive.")
    birth_year_to: (
        Annotated[int, Field(ge=FIRST_BIRTH_YEAR, le=LAST_BIRTH_YEAR)] | None
    ) = Field(default=None, description="Last local birth year, inclusive.")
    created_from: AwareDatetime | None = Field(
        default=None, description="Earliest creation time, inclusive, with offset."
    )
    created_to: AwareDatetime | None = Field(
        default=None, description="Creation time bound, exclusive, with offset."
    )
    status: Status = Status.ACTIVE
    sort: Sort = Sort.CREATED_DESC
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20

    @field_validator("day_master")
    @classmethod
    def _check_day_master(cls, value: str | None) -> str | None:
        return None if value is None else _day_master_char(value)

    @field_validator("created_from", "created_to")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        """Compare in UTC: SQLite stores times as UTC text without an offset."""
        return None if value is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _check_ranges(self) -> Self:
        years = (self.birth_year_from, self.birth_year_to)
        if years[0] is not None and years[1] is not None and years[0] > years[1]:
            raise ValueError(
                f"birthYearFrom {years[0]} is after birthYearTo {years[1]}; swap them"
            )
        times = (self.created_from, self.created_to)
        if times[0] is not None and times[1] is not None and times[0] >= times[1]:
            raise ValueError(
                f"createdFrom {times[0].isoformat()} is not before createdTo "
                f"{times[1].isoformat()}; swap them"
            )
        return self


class ExportQuery(_Query):
    """Format and scope of ``GET /api/bazi/records/export``."""

    format: Literal["json", "csv"] = "json"
    include_deleted: bool = Field(
        default=False,
        description="Also export trashed records, with their deletedAt column.",
    )


class ImportQuery(_Query):
    """Options of ``POST /api/bazi/records/import``."""

    mode: Literal["atomic", "partial"] = Field(
        default="atomic",
        description="atomic saves every row or none; partial saves the valid rows.",
    )
    format: Literal["json", "csv"] | None = Field(
        default=None, description="Body format; taken from Content-Type when absent."
    )


class IdList(BaseModel):
    """The body of the bulk actions."""

    model_config = ConfigDict(extra="forbid")

    ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_BULK_IDS)]
