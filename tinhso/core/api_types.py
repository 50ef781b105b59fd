"""Strict parameter types for the API: what the OpenAPI schema says is all that is accepted."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BeforeValidator, Field

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: object) -> object:
    # Pydantic would read 0 or "0" as a Unix timestamp; the schema promises YYYY-MM-DD only.
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]


# Identifiers and offsets fit a 64-bit database integer; larger numbers are a 422, not a 500.
DbId = Annotated[int, Field(ge=1, le=2**53)]
Offset = Annotated[int, Field(ge=0, le=10**9)]
Money = Annotated[int, Field(ge=0, le=10**13)]  # đồng; ten thousand billion is far above any fee
