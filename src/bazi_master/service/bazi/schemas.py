"""Request bodies of ``POST /api/bazi/calculate``: the current and the earlier shape.

Both validate strictly: a boolean is not a number, a numeric string is not a number and
unknown fields are rejected, so a typo in a field name is reported instead of ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    field_validator,
)

from ..core.text import reject_nul


def _whole_number(value: Any) -> Any:
    """Accept ints and whole floats such as ``30.0``; reject booleans and strings."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a whole number, got {type(value).__name__}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected a whole number, got {value}")
        return int(value)
    return value


def _real_number(value: Any) -> Any:
    """Accept ints and floats; reject booleans and numeric strings."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
RealNumber = Annotated[float, BeforeValidator(_real_number)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
# A local date and time without offset: 1990-05-12T10:30 or 1990-05-12 10:30:15.
BIRTH_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"
GenderText = Annotated[str, Field(min_length=1, max_length=20)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    # Every text field can end up in a saved record.
    _no_nul = field_validator("*")(reject_nul)


class CalculateRequest(_Body):
    """The current request: the engine's inputs in camelCase."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"birth": "1990-05-12T10:30", "tz": "Asia/Shanghai", "gender": "male"},
                {"birth": "1985-11-03T23:40:15", "place": "Beijing", "zi": "stay-next"},
            ]
        }
    )

    birth: Annotated[str, Field(max_length=40, pattern=BIRTH_PATTERN)] = Field(
        description="Local civil date and time, ISO 8601 without an offset: "
        "1990-05-12T10:30 or 1990-05-12T10:30:15.",
        examples=["1990-05-12T10:30"],
    )
    tz: ShortText | None = Field(
        default=None,
        description="IANA zone such as Asia/Shanghai, or a UTC offset such as +08:00.",
        examples=["Asia/Shanghai", "+08:00"],
    )
    place: ShortText | None = Field(
        default=None, description="Place name from the offline gazetteer."
    )
    latitude: Annotated[RealNumber, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[RealNumber, Field(ge=-180, le=180)] | None = None
    gender: GenderText | None = Field(
        default=None,
        description="male or female, any letter case; sets luck direction.",
    )
    true_solar_time: StrictBool = Field(default=False, alias="trueSolarTime")
    zi: Literal["roll", "stay-next", "stay-same"] = Field(
        default="roll", description="Rule for the day pillar between 23:00 and 24:00."
    )
    fold: Literal["earlier", "later"] | None = Field(
        default=None, description="Which offset to use for a repeated local time."
    )
    uncertainty_minutes: Annotated[RealNumber, Field(ge=0, le=1440)] = Field(
        default=0, alias="uncertaintyMinutes"
    )
    luck_rule: Literal["seconds", "traditional"] = Field(
        default="seconds",
        alias="luckRule",
        description="How the span to the jie becomes the luck start: exact seconds, "
        "or the traditional 3 days = 1 year count.",
    )
    luck_school: Literal["year-stem", "male-forward"] = Field(
        default="year-stem",
        alias="luckSchool",
        description="What sets the direction of the luck pillars.",
    )
    luck_count: Annotated[WholeNumber, Field(ge=8, le=10)] = Field(
        default=10, alias="luckCount", description="Number of luck pillars."
    )
    luck_index: Annotated[WholeNumber, Field(ge=1, le=10)] | None = Field(
        default=None,
        alias="luckIndex",
        description="A luck pillar (1-based) whose relations with the chart to add.",
    )
    annual_year: Annotated[WholeNumber, Field(ge=1800, le=2200)] | None = Field(
        default=None,
        alias="annualYear",
        description="A year whose pillar, months and relations to add.",
    )


class LegacyCalculateRequest(_Body):
    """The earlier implementation's request, still accepted for existing clients."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "birthYear": 1990,
                    "birthMonth": 5,
                    "birthDay": 12,
                    "birthHour": 10,
                    "gender": "female",
                    "timezone": "UTC+8",
                }
            ]
        }
    )

    birth_year: Annotated[WholeNumber, Field(ge=1, le=9999)] = Field(alias="birthYear")
    birth_month: Annotated[WholeNumber, Field(ge=1, le=12)] = Field(alias="birthMonth")
    birth_day: Annotated[WholeNumber, Field(ge=1, le=31)] = Field(alias="birthDay")
    birth_hour: Annotated[WholeNumber, Field(ge=0, le=23)] = Field(alias="birthHour")
    birth_minute: Annotated[WholeNumber, Field(ge=0, le=59)] = Field(
        default=0, alias="birthMinute"
    )
    gender: GenderText
    birth_location: ShortText | None = Field(
        default=None,
        alias="birthLocation",
        description="A place name, or coordinates as 'latitude,longitude'.",
    )
    timezone: ShortText | None = Field(
        default=None, description="IANA zone, or a label such as UTC+8 or UTC-05:30."
    )
    timezone_offset_minutes: Annotated[WholeNumber, Field(ge=-840, le=840)] | None = (
        Field(
            default=None,
            alias="timezoneOffsetMinutes",
            description="Minutes east of UTC; used when timezone is absent.",
        )
    )
    true_solar_time: StrictBool | None = Field(
        default=None,
        alias="trueSolarTime",
        description="Defaults to true when birthLocation is given, else false.",
    )


def request_shape(value: Any) -> str:
    """Pick the model: any ``birthYear`` key means the earlier shape."""
    if isinstance(value, dict) and "birthYear" in value:
        return "legacy"
    return "current"


AnyCalculateRequest = Annotated[
    Annotated[CalculateRequest, Tag("current")]
    | Annotated[LegacyCalculateRequest, Tag("legacy")],
    Discriminator(request_shape),
]
