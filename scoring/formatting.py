"""How figures and bidder text are shown in every report: one place for each format."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def num(value: Decimal) -> str:
    """A Decimal as people write it: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0",) else "0"


def money(value: Decimal | None) -> str:
    """An amount with two decimals and thousands separators; "n/a" where there is none."""
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def cell(text: object) -> str:
    """Table-safe: bidder text cannot break the table or start markup of its own."""
    shown = "" if text is None else str(text)
    return shown.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("`", "\\`")


def plain(value: Any) -> Any:
    """JSON-ready values: Decimals as numbers (2-place amounts print exactly), dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
