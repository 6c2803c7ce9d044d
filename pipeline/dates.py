"""Time stamps written into generated files (exports and translators' files alike)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime


def build_timestamp(edition: date) -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the edition date at 00:00 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime(edition.year, edition.month, edition.day, tzinfo=UTC)
