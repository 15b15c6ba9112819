"""How figures and bidder text are shown in every report: one place for each format."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol


def num(value: Decimal) -> str:
    """A Decimal as people write it: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0",) else "0"


def money(value: Decimal | None) -> str:
    """An amount with two decimals and thousands separators; "n/a" where there is none."""
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


class Figures(Protocol):
    """How a report writes figures (reports/i18n.Formats in a language; PLAIN as the data holds them)."""

    def number(self, value: Decimal | None, places: int = 2) -> str: ...
    def figure(self, value: Decimal | None) -> str: ...
    def money(self, value: Decimal | None, currency: str) -> str: ...


class Plain:
    """Figures as the data holds them (`45`, `30000 EUR`): for the workbook's headings and the terminal."""

    def number(self, value: Decimal | None, places: int = 2) -> str:
        return "" if value is None else str(value)

    def figure(self, value: Decimal | None) -> str:
        return "" if value is None else str(value)

    def money(self, value: Decimal | None, currency: str) -> str:
        return "" if value is None else f"{value} {currency}"


PLAIN = Plain()


# Unicode's explicit direction controls (embeddings, overrides, isolates, marks): in bidder text they can make
# a name or a figure read differently from what it holds ("Trojan Source"). Wherever such text is written
# (the terminal, Markdown, HTML, workbooks, JSON) they are shown as what they are instead.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI_SHOWN = {ord(c): f"[U+{ord(c):04X}]" for c in BIDI}
_BIDI_ESCAPED = {ord(c): f"\\u{ord(c):04x}" for c in BIDI}
_BIDI_FOUND = re.compile(f"[{BIDI}]")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def inert(text: str) -> str:
    """Text with its direction controls shown as [U+202E] and the like: it reads as what it holds."""
    if text.isascii() or not _BIDI_FOUND.search(text):  # the common case, without a pass per character
        return text
    return text.translate(_BIDI_SHOWN)


def json_text(value: Any) -> str:
    """A JSON document as the reports write it: UTF-8 text, with direction controls as \\u escapes (the data
    is kept exactly; no viewer reorders the text around them)."""
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return text.translate(_BIDI_ESCAPED) if _BIDI_FOUND.search(text) else text


def cell(text: object) -> str:
    """Markdown-safe: bidder text cannot break a table, start markup of its own or carry HTML (which any
    Markdown viewer would render): tags and entities are written as text, links and images cannot form,
    and direction controls are shown as what they are."""
    shown = "" if text is None else inert(str(text))
    shown = _ENTITY.sub("&amp;", shown).replace("<", "&lt;").replace(">", "&gt;")
    return (
        shown.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
        .replace("`", "\\`")
        .replace("[", "\\[")
        .replace("]", "\\]")
    )


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
