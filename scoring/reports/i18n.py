"""Letters and reports in the buyer's language: gettext catalogues (Babel) and Jinja2 templates.

The catalogues are the `.po` files in scoring/locale/<language>/LC_MESSAGES/tenderscore.po, compiled in
memory when first used (no binary in the repository); English is the source language. Templates live in
scoring/reports/templates/: HTML ones are autoescaped, Markdown ones escape bidder text with the `md` filter.
Numbers, money and dates are formatted per locale by Babel (`Formats`).

`N_()` marks a message for extraction where it is defined (code meanings, verdicts, sheet and column names);
`gettext(language)(message)` translates it where it is shown. `make messages` extracts every message into
scoring/locale/tenderscore.pot and updates the catalogues; tests/test_i18n.py fails on any message a
catalogue does not translate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from scoring.facts import N_, Fact  # noqa: F401  # N_ is imported from here by the report modules
from scoring.formatting import cell, inert
from scoring.models import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
TEMPLATES = Path(__file__).resolve().parent / "templates"
DOMAIN = "tenderscore"


@cache
def translations(language: str) -> Any:
    """The language's catalogue as gettext translations (English: the messages themselves)."""
    import io
    from gettext import NullTranslations

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for {language!r}; languages: {', '.join(LANGUAGES)}")
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(language: str) -> Callable[[str], str]:
    return translations(language).gettext


class Formats:
    """Numbers, money, percentages and dates as the buyer's locale writes them (Babel)."""

    def __init__(self, language: str, locale_tag: str = ""):
        from babel import Locale

        # The tender's locale (nl-BE) when it is in the letters' language; the language alone otherwise, and
        # English as written in Europe (Ireland: 25 November 2026, 24-hour times), not the United States.
        self.language = language
        tag = locale_tag.replace("-", "_") if locale_tag.split("-")[0].lower() == language else language
        if tag == "en":
            tag = "en_IE"
        try:
            self.locale = Locale.parse(tag)
        except Exception:
            self.locale = Locale.parse(language)
        from babel.numbers import get_decimal_symbol, get_group_symbol

        self.decimal = get_decimal_symbol(self.locale)
        group = get_group_symbol(self.locale)
        # none when the locale writes figures as Python does (1,234.50): a pass per figure saved
        self._symbols = None if (group, self.decimal) == (",", ".") else str.maketrans({",": group, ".": self.decimal})

    def number(self, value: Decimal | int | float | None, places: int = 2) -> str:
        """A figure with `places` decimals, rounded half-up, grouped by thousands with the locale's symbols
        (the four shipped languages group by three). Formatted by Python with the symbols Babel gives: the
        reports show tens of thousands of figures, and Babel's pattern engine costs 100 µs each."""
        if value is None:
            return "–"
        quantum = Decimal(1).scaleb(-places)
        shown = format(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP), f",.{places}f")
        return shown.translate(self._symbols) if self._symbols else shown

    def figure(self, value: Decimal | None) -> str:
        """A measured value: up to two decimals, no trailing zeros."""
        if value is None:
            return "–"
        shown = format(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ",.2f")
        if "." in shown:
            shown = shown.rstrip("0").rstrip(".")
        return shown.translate(self._symbols) if self._symbols else shown

    def money(self, value: Decimal | None, currency: str) -> str:
        from babel.numbers import format_currency

        if value is None:
            return "–"
        return format_currency(value, currency, locale=self.locale)

    def percent(self, share: Decimal | float | None) -> str:
        from babel.numbers import format_percent

        if share is None:
            return "–"
        pattern = self.locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)  # one decimal
        return format_percent(share, format=pattern, locale=self.locale)

    def date(self, value: date | datetime | None) -> str:
        from babel.dates import format_date

        if value is None:
            return "–"
        return format_date(value if not isinstance(value, datetime) else value.date(), "long", locale=self.locale)

    def moment(self, value: datetime | None) -> str:
        """A day and a time: the date in words, the time on the 24-hour clock, and its offset from UTC (the
        time as the record gave it: 15 October 2026, 12:00 (UTC+02:00))."""
        from babel.dates import format_date, format_time

        if value is None:
            return "–"
        offset = value.utcoffset()
        if offset is None:
            zone = ""
        else:
            minutes = int(offset.total_seconds() // 60)
            sign = "+" if minutes >= 0 else "−"
            zone = f" (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"
        day = format_date(value.date(), "long", locale=self.locale)
        return f"{day}, {format_time(value, 'HH:mm', locale=self.locale)}{zone}"


@cache
def environment(language: str, html: bool) -> Any:
    """The Jinja2 environment for one language: HTML autoescaped, Markdown with the `md` filter."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    from scoring.reports.words import word

    # every value a template writes: a fact worded in the language, direction controls shown as they are
    env.finalize = lambda value: _shown(word(value, language) if isinstance(value, Fact) else value)
    env.filters["md"] = lambda value: cell(word(value, language) if isinstance(value, Fact) else value)
    env.filters["words"] = lambda value: word(value, language)
    env.globals["translate"] = gettext(language)
    return env


def _shown(value: Any) -> Any:
    return inert(value) if isinstance(value, str) else value


def render(template: str, language: str, **context: Any) -> str:
    """A template rendered in a language; HTML templates (`.html.j2`) are autoescaped."""
    return environment(language, template.endswith(".html.j2")).get_template(template).render(**context)


# --- the catalogues ----------------------------------------------------------------------------------------


def messages() -> dict[str, list[str]]:  # noqa: C901
    """Every message the letters and reports can show, with where it comes from: the templates, the `_()`
    and `N_()` calls of the report modules, and the meanings of the issue and claim reason codes."""
    from babel.messages.extract import extract_from_file

    from scoring.claims.verdicts import REASON_CODES
    from scoring.issues import CODES
    from scoring.rules.methods import METHODS

    found: dict[str, list[str]] = {}

    def add(message: str, where: str) -> None:
        found.setdefault(message, []).append(where)

    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for template in sorted(TEMPLATES.glob("*.j2")):
        for line, message, _comments, _context in extract_from_file(
            "jinja2.ext:babel_extract", str(template), options=options
        ):
            add(message if isinstance(message, str) else message[0], f"templates/{template.name}:{line}")
    here = Path(__file__).resolve().parent
    for module in sorted(here.glob("*.py")):
        for line, message, _comments, _context in extract_from_file(
            "python", str(module), keywords={"_": None, "N_": None}
        ):
            add(message if isinstance(message, str) else message[0], f"reports/{module.name}:{line}")
    package = here.parent
    for module in sorted(package.rglob("*.py")):  # the facts the domain finds: their messages are marked N_
        if module.parent == here:
            continue
        for line, message, _comments, _context in extract_from_file("python", str(module), keywords={"N_": None}):
            add(message if isinstance(message, str) else message[0], f"{module.relative_to(package)}:{line}")
    for code, (_severity, meaning) in CODES.items():
        add(meaning, f"issues.CODES[{code}]")
    for code, (_verdicts, meaning) in REASON_CODES.items():
        add(meaning, f"claims.verdicts.REASON_CODES[{code}]")
    for method in METHODS.values():
        for wording in (method.label, method.ranked_on, method.heading):
            add(wording, f"rules.methods.{method.__name__}")
    return found


def update_catalogues() -> None:
    """Write tenderscore.pot and bring every language's .po up to date with it (new messages empty, gone
    ones dropped): `make messages`. Translations are then filled in by hand."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(project="tenderscore", domain=DOMAIN, fuzzy=False)
    for message, where in sorted(messages().items()):
        template.add(message, locations=[(w.rsplit(":", 1)[0], 0) for w in where[:3]])
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=True, sort_output=True, no_location=True, width=120)
    for language in LANGUAGES:
        if language == "en":
            continue
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language, domain=DOMAIN)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="tenderscore", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=True, sort_output=True, no_location=True, width=120)


if __name__ == "__main__":
    update_catalogues()
