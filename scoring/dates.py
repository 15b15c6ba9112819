"""Calendar arithmetic every stage counts with: months forward and back."""

from __future__ import annotations

from calendar import monthrange
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or earlier when negative (the month's last day when it
    has no such day): how audits are dated back from the deadline and contract dates counted forward."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
