"""Turn what real spreadsheet cells hold into typed values.

Each parser returns a `Parsed`: the value (or None) and, when the cell could not
be read as asked, the issue code to report. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.utils.datetime import from_excel

from scoring.facts import N_, Fact, fact

# Languages whose number format puts a comma before the decimals (1.234,56).
DECIMAL_COMMA_LANGUAGES = frozenset(
    "bg cs da de el es et fi fr hr hu id it lt lv nb nl nn no pl pt ro ru sk sl sr sv tr uk".split()
)
# Locales writing dates month first (everything else in Europe is day first).
MONTH_FIRST_LOCALES = frozenset({"en-us"})

CURRENCY_MARKS = re.compile(r"[€$£¥₣₤₺₽₹¤]|\b(?:EUR|USD|GBP|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|ISK)\b", re.I)
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
# What a spreadsheet would read as a formula: the reader's list, and a leading minus (a name is never a number).
FORMULA_START = (*FORMULA_STARTS, "-")


def looks_like_formula(text: str | None) -> bool:
    """Whether a text would be a formula in a spreadsheet: not a name a letter can be addressed by."""
    return bool(text) and str(text).startswith(FORMULA_START)


TEXT_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


@dataclass(frozen=True)
class Locale:
    """How a tender's bidders write numbers and dates."""

    tag: str = "en-GB"
    decimal_separator: str = "."

    @classmethod
    def from_tag(cls, tag: str, decimal_separator: str | None = None) -> Locale:
        language = tag.replace("_", "-").split("-")[0].lower()
        sep = decimal_separator or ("," if language in DECIMAL_COMMA_LANGUAGES else ".")
        return cls(tag=tag, decimal_separator=sep)

    @property
    def thousands_separator(self) -> str:
        return "." if self.decimal_separator == "," else ","

    @property
    def month_first(self) -> bool:
        return self.tag.replace("_", "-").lower() in MONTH_FIRST_LOCALES


@dataclass(frozen=True)
class Words:
    """Words that mean yes, no and not applicable (lower case)."""

    yes: frozenset[str] = frozenset({"yes", "y", "true"})
    no: frozenset[str] = frozenset({"no", "n", "false"})
    not_applicable: frozenset[str] = frozenset({"n/a", "na", "not applicable"})

    def extended(self, yes=(), no=(), not_applicable=()) -> Words:
        low = lambda ws: frozenset(str(w).strip().casefold() for w in ws)
        return Words(self.yes | low(yes), self.no | low(no), self.not_applicable | low(not_applicable))


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    error: str | None = None  # issue code when the cell could not be read
    warning: str | None = None  # issue code for a value read with a caveat
    note: Fact | None = None  # detail for the message

    @property
    def ok(self) -> bool:
        return self.error is None


EMPTY = Parsed()


def _found(text: str) -> Fact:
    """What a cell holds that is not what it should, as the bidder wrote it (quoted)."""
    return fact(N_("found %(value)s"), value=text)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_text(raw: Any) -> Parsed:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        return Parsed("Yes" if raw else "No")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a registration number or GTIN typed as a number
    if isinstance(raw, datetime):
        return Parsed(raw.isoformat())
    text = " ".join(str(raw).split()) if not str(raw).startswith(("\t", "\r")) else str(raw).strip(" ")
    warning = "cell.text_as_data" if str(raw).lstrip(" ").startswith(FORMULA_STARTS) else None
    return Parsed(text, warning=warning)


def parse_list(raw: Any) -> Parsed:
    text = parse_text(raw)
    if text.value is None:
        return text
    parts = [p.strip() for p in str(text.value).split(";") if p.strip()]
    return Parsed(parts or None, warning=text.warning)


def parse_choice(raw: Any) -> Parsed:
    text = parse_text(raw)
    return Parsed(text.value.casefold(), warning=text.warning) if text.value is not None else text


def parse_decimal(raw: Any, locale: Locale) -> Parsed:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        return Parsed(error="cell.not_a_number", note=_found(repr(raw)))
    if isinstance(raw, int):
        return Parsed(Decimal(raw))
    if isinstance(raw, float):
        # repr gives the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055
        return Parsed(Decimal(repr(raw)))
    if not isinstance(raw, str):
        return Parsed(error="cell.not_a_number", note=_found(repr(raw)))
    return _decimal_from_text(raw, locale)


def _decimal_from_text(raw: str, locale: Locale) -> Parsed:
    text = CURRENCY_MARKS.sub("", raw)
    text = re.sub(r"[\s\u00a0\u202f'’]", "", text).rstrip("%")
    negative = text.startswith("-")
    text = text.lstrip("+-")
    if not text or not re.fullmatch(r"[\d.,]+", text) or not text[0].isdigit() and text[0] not in ".,":
        return Parsed(error="cell.not_a_number", note=_found(repr(raw.strip())))
    decimal_sep, warning = _decimal_separator(text, locale)
    if decimal_sep is None:
        return Parsed(error="cell.not_a_number", note=_found(repr(raw.strip())))
    thousands = "," if decimal_sep == "." else "."
    whole, _, decimals = text.partition(decimal_sep)
    if decimal_sep in decimals or not _grouped(whole, thousands):
        return Parsed(error="cell.not_a_number", note=_found(repr(raw.strip())))
    try:
        value = Decimal(whole.replace(thousands, "") + ("." + decimals if decimals else ""))
    except InvalidOperation:
        return Parsed(error="cell.not_a_number", note=_found(repr(raw.strip())))
    return Parsed(
        -value if negative else value,
        warning=warning,
        note=fact(N_("read %(raw)s as %(value)s"), raw=repr(raw.strip()), value=str(value)) if warning else None,
    )


def _decimal_separator(text: str, locale: Locale) -> tuple[str | None, str | None]:
    """Which separator marks the decimals; (None, None) when the text is not a number."""
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        # Both present: the last one is the decimal mark, whatever the locale (1.234,56 / 1,234.56).
        return ("," if text.rfind(",") > text.rfind(".") else "."), None
    if not has_dot and not has_comma:
        return locale.decimal_separator, None
    sep = "." if has_dot else ","
    if sep == locale.decimal_separator:
        if text.count(sep) > 1:
            return locale.thousands_separator, None  # 1.234.567 in a comma locale is odd but whole
        return sep, None
    # The locale's thousands mark alone: 1.234 is a thousand in nl-BE, but 1.5 can only be a decimal.
    groups = text.split(sep)
    if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
        return locale.decimal_separator, None
    if text.count(sep) == 1:
        return sep, "cell.separator_unexpected"
    return None, None


def _grouped(whole: str, thousands: str) -> bool:
    if thousands not in whole:
        return True
    groups = whole.split(thousands)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def parse_integer(raw: Any, locale: Locale) -> Parsed:
    number = parse_decimal(raw, locale)
    if number.value is None or number.error:
        return number
    if number.value != number.value.to_integral_value():
        return Parsed(error="cell.not_a_whole_number", note=_found(str(number.value)))
    return Parsed(int(number.value), warning=number.warning, note=number.note)


def parse_date(raw: Any, locale: Locale) -> Parsed:
    moment = parse_datetime(raw, locale, ZoneInfo("UTC"))
    if moment.value is None or moment.error:
        return Parsed(error="cell.not_a_date", note=moment.note) if moment.error else moment
    return Parsed(moment.value.date())


def parse_datetime(raw: Any, locale: Locale, zone: ZoneInfo) -> Parsed:
    """A point in time; times without a zone are taken in the tender's time zone."""
    if is_blank(raw):
        return EMPTY
    value: datetime | None = None
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime.combine(raw, time())
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # Excel's serial range: 1900-01-01 .. 9999-12-31
            value = from_excel(raw)
    elif isinstance(raw, str):
        value = _datetime_from_text(raw.strip(), locale)
    if value is None:
        return Parsed(error="cell.not_a_date", note=_found(repr(str(raw).strip())))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return Parsed(value)


def _datetime_from_text(text: str, locale: Locale) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    match = TEXT_DATE.match(text)
    if not match:
        return None
    a, b, year = (int(g) for g in match.groups())
    month, day = (a, b) if locale.month_first else (b, a)
    try:
        return datetime(year, month, day)
    except ValueError:
        return None


def parse_yes_no(raw: Any, words: Words, allow_na: bool = False) -> Parsed:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        return Parsed("yes" if raw else "no")
    text = str(raw).strip().casefold()
    if text in words.yes:
        return Parsed("yes")
    if text in words.no:
        return Parsed("no")
    if allow_na and text in words.not_applicable:
        return Parsed("n/a")
    return Parsed(error="cell.not_yes_no", note=_found(repr(str(raw).strip())))
