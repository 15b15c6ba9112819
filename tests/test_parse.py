"""What real spreadsheet cells hold, read per the tender's locale."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from scoring.intake.parse import (
    Locale,
    Words,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_list,
    parse_text,
    parse_yes_no,
)

NL = Locale.from_tag("nl-BE")
EN = Locale.from_tag("en-GB")
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    "raw, locale, expected",
    [
        ("1.234,56", NL, "1234.56"),
        ("1,234.56", EN, "1234.56"),
        ("1,234.56", NL, "1234.56"),  # both marks: the last one is the decimal mark, whatever the locale
        ("1.234,56", EN, "1234.56"),
        ("€ 1.019,00", NL, "1019.00"),
        ("1 019,00 EUR", NL, "1019.00"),
        ("1\u00a0019,5", NL, "1019.5"),
        ("179,50", NL, "179.50"),
        ("1.234", NL, "1234"),  # a thousands mark in nl-BE
        ("1,234", EN, "1234"),
        ("4,5", NL, "4.5"),
        ("35 %", NL, "35"),
        ("  899  ", EN, "899"),
        ("-3", EN, "-3"),
        ("1.234.567,8", NL, "1234567.8"),
        (899, EN, "899"),
        (0.1, EN, "0.1"),  # the float's shortest text, not its binary expansion
        (1019.5, NL, "1019.5"),
    ],
)
def test_numbers(raw, locale, expected):
    parsed = parse_decimal(raw, locale)
    assert parsed.ok and parsed.value == Decimal(expected)
    assert parsed.warning is None


def test_a_separator_that_can_only_be_decimal_is_read_with_a_warning():
    parsed = parse_decimal("4.5", NL)  # nl-BE writes 4,5; 4.5 cannot be a thousands mark
    assert parsed.value == Decimal("4.5")
    assert parsed.warning == "cell.separator_unexpected"


@pytest.mark.parametrize("raw", ["abc", "12a", "1,2,3.4.5", "1.23,4.5", "--", True, "1.2345,6", "12,34,5"])
def test_not_numbers(raw):
    parsed = parse_decimal(raw, NL)
    assert parsed.error == "cell.not_a_number" and parsed.value is None


def test_empty_is_none_not_zero():
    for raw in (None, "", "   "):
        assert parse_decimal(raw, NL).value is None and parse_decimal(raw, NL).ok


def test_integers():
    assert parse_integer("200", NL).value == 200
    assert parse_integer(200.0, NL).value == 200
    assert parse_integer("1.500", NL).value == 1500
    assert parse_integer("2,5", NL).error == "cell.not_a_whole_number"


def test_dates():
    assert parse_date(datetime(2028, 6, 30), EN).value == date(2028, 6, 30)
    assert parse_date("2028-06-30", EN).value == date(2028, 6, 30)
    assert parse_date("30/06/2028", NL).value == date(2028, 6, 30)
    assert parse_date("30.06.2028", NL).value == date(2028, 6, 30)
    assert parse_date("06/30/2028", Locale.from_tag("en-US")).value == date(2028, 6, 30)
    assert parse_date(46934, EN).value == date(2028, 6, 30)  # an Excel serial date
    assert parse_date("31/02/2028", NL).error == "cell.not_a_date"
    assert parse_date("next week", NL).error == "cell.not_a_date"


def test_times_without_zone_are_in_the_tenders_zone():
    local = parse_datetime("2026-10-14 17:45", NL, BRUSSELS).value
    assert local == datetime(2026, 10, 14, 15, 45, tzinfo=UTC)
    explicit = parse_datetime("2026-10-14T17:45:00Z", NL, BRUSSELS).value
    assert explicit == datetime(2026, 10, 14, 17, 45, tzinfo=UTC)


def test_yes_no_words():
    words = Words().extended(yes=["Ja"], no=["Nee"], not_applicable=["nvt"])
    for raw in ("Yes", "Y", "TRUE", " yes ", True, "ja", "JA"):
        assert parse_yes_no(raw, words).value == "yes"
    for raw in ("No", "n", "false", False, "Nee"):
        assert parse_yes_no(raw, words).value == "no"
    assert parse_yes_no("nvt", words, allow_na=True).value == "n/a"
    assert parse_yes_no("n/a", words).error == "cell.not_yes_no"  # only where the template allows it
    assert parse_yes_no("maybe", words).error == "cell.not_yes_no"


def test_text():
    assert parse_text("  GreenByte   NV ").value == "GreenByte NV"
    assert parse_text(412345678.0).value == "412345678"  # a number typed where text is asked
    formula = parse_text('=HYPERLINK("x")')
    assert formula.value == '=HYPERLINK("x")' and formula.warning == "cell.text_as_data"
    assert parse_text("-").warning is None
    assert parse_list("EcoBook 14; ViewGreen 24 ;").value == ["EcoBook 14", "ViewGreen 24"]
