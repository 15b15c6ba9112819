"""Facts in words, in each language: the one place the reports turn what the domain found into sentences.

`facts.english` is the wording the ledger and evaluation.json keep (ISO dates, figures as stored). The reports
word each message through the language's catalogue and format each value as the language writes it: figures
with its decimal mark, amounts grouped by thousands, dates in words (English as written in Europe). Text a
bidder or the buyer wrote is never translated.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from scoring.facts import (
    Clause,
    Count,
    Fact,
    Listing,
    Lowered,
    Money,
    Name,
    Quantity,
    Unprefixed,
    Written,
    english,
    lowered,
)
from scoring.reports.i18n import Formats, gettext


@cache
def _formats(language: str) -> Formats:
    return Formats(language)


def word(value: Any, language: str) -> str:
    """A fact (or any value a fact holds) in the language, as its readers write figures and dates (English
    too: 30 June 2026, not the ISO dates evaluation.json and the ledger keep, which `facts.english` gives)."""
    return _word(value, language, gettext(language))


def _word(value: Any, language: str, _: Any) -> str:  # noqa: C901
    if isinstance(value, Fact):
        message = _(value.message)
        if not value.values:
            return message
        return message % {k: _word(v, language, _) for k, v in value.values.items()}
    if isinstance(value, str):
        return value
    f = _formats(language)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return f.figure(value) if value == value.quantize(Decimal("0.01")) else english(value).replace(".", f.decimal)
    if isinstance(value, Money):
        return f.number(value.value, 2)
    if isinstance(value, Quantity):
        shown = _word(value.value, language, _)
        return f"{shown} {_(value.unit)}" if value.unit else shown
    if isinstance(value, Count):
        return f.number(value.value, 0)
    if isinstance(value, Written):
        return str(value.value).replace(".", f.decimal)
    if isinstance(value, Name):
        return value.of(language)
    if isinstance(value, datetime):
        return f.moment(value)
    if isinstance(value, date):
        return f.date(value)
    if isinstance(value, Listing):
        return _word(value.sep, language, _).join(_word(v, language, _) for v in value.items)
    if isinstance(value, Lowered):
        return lowered(_word(value.value, language, _))
    if isinstance(value, Clause):
        return _word(value.value, language, _).removesuffix(".")
    if isinstance(value, Unprefixed):
        return _word(value.value, language, _).removeprefix(value.prefix)
    if value is None:
        return ""
    return str(value)


def worded(language: str):  # a one-argument function, for templates and maps
    """`word` for one language, as a one-argument function."""
    return lambda value: word(value, language)
