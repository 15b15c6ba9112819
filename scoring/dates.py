"""Calendar arithmetic every stage counts with: months forward and back."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or earlier when negative (the month's last day when it
    has no such day): how audits are dated back from the deadline and contract dates counted forward."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def parse_day(text: str, locale: str) -> date | None:
    """A day as people write it where `locale` is (21/10/2026 in nl-BE and fr-BE, 21.10.2026 in de-DE,
    10/21/2026 in en-US), or in ISO form (2026-10-21) anywhere; None when it is not a day."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if not text or len(text) > 40 or not any(c.isdigit() for c in text):
        return None
    from babel import Locale
    from babel.dates import parse_date

    try:
        found = parse_date(text, locale=Locale.parse(locale.replace("-", "_")))
    except (ValueError, IndexError, LookupError):
        return None
    return found if 1900 <= found.year <= 2200 else None


_WRITTEN = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def _written_day(value: Any) -> Any:
    """A day in a file people write (reviews.yaml, committee.yaml, tender.yaml, ...): a YAML date, or text
    as Europeans write it, day first (21/10/2026, 21.10.2026, 21-10-2026); anything else is left for the
    model's own check, which names it."""
    if isinstance(value, str) and (found := _WRITTEN.match(value)):
        day, month, year = (int(g) for g in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return value
    return value


# A date field of an input people edit by hand: ISO (2026-10-21) or day first (21/10/2026).
Day = Annotated[date, BeforeValidator(_written_day)]
