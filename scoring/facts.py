"""Facts: what the domain found, as a message and typed values; the reports word them in each language.

A `Fact` is a message (its English template, which is also the catalogues' msgid, marked with `N_` where it
is written so `make messages` extracts it) and the values it names. The domain builds facts and never
sentences; `english()` words one in English (the wording the ledger, evaluation.json and the English
reports keep, byte for byte as before), `reports/words.py` in any language: the template translated by the
catalogue, every value formatted for the language.

A value is one of:
- `str`: text as written by a bidder or the buyer (a name, a model, an identifier): never translated;
- `int`, `Decimal`: a figure (`Quantity` when it carries a unit, `Count` grouped by thousands); `Money`: an
  amount; `date`, `datetime`; `bool`: yes or no;
- a `Fact`: a phrase worded in its turn (translated); `Listing`: several values joined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic_core import core_schema

from scoring.formatting import money, num


def N_(message: str) -> str:  # gettext's name for "extract, translate later"
    """Marks a message for extraction where it is written; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Money:
    """An amount, in the tender's currency."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure with its unit as the rule set writes it (`y`, `kWh/y`; empty for none)."""

    value: Decimal
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Written:
    """A figure as it was written or stored, trailing zeros kept (4.50 stays 4.50)."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class Name:
    """A name the rule set gives per language (a criterion's, a requirement's): `default` in English and any
    language it does not name."""

    default: str
    names: tuple[tuple[str, str], ...] = ()

    def of(self, language: str) -> str:
        return dict(self.names).get(language, self.default)


def name(default: str, names: dict[str, str] | None = None) -> Name:
    return Name(default, tuple(sorted((names or {}).items())))


@dataclass(frozen=True, slots=True)
class Count:
    """A whole number grouped by thousands (150,001 rows)."""

    value: int


@dataclass(frozen=True, slots=True)
class Listing:
    """Several values joined by `sep` (a comma by default)."""

    items: tuple[Any, ...]
    sep: Any = ", "  # text, or a fact (" and ", translated)


@dataclass(frozen=True, slots=True)
class Lowered:
    """A sentence used as a phrase inside another: its first letter lowered, its full stop dropped (an issue
    code's meaning inside an issue's message)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Clause:
    """A sentence used as a clause before more words: its full stop dropped."""

    value: Any


@dataclass(frozen=True, slots=True)
class Unprefixed:
    """A sentence without the words it starts with (an issue on a field, without the field's heading)."""

    value: Any
    prefix: str


@dataclass(frozen=True, slots=True)
class Fact:
    """A message and the values it names: see the module's notes."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return english(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        """Facts travel inside the models (issues kept in the ledger's parse cache): as JSON, each value
        tagged with its type, read back as they were."""
        return core_schema.no_info_plain_validator_function(
            _fact_from,
            serialization=core_schema.plain_serializer_function_ser_schema(_fact_data, when_used="json-unless-none"),
        )


def fact(message: str, /, **values: Any) -> Fact:
    return Fact(message, values)


# --- in English ---------------------------------------------------------------------------------------------


def english(value: Any) -> str:  # noqa: C901
    """A fact (or a value) worded in English: the template with each value in its English form."""
    if isinstance(value, Fact):
        if not value.values:
            return value.message
        return value.message % {k: english(v) for k, v in value.values.items()}
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return num(value)
    if isinstance(value, Money):
        return money(value.value)
    if isinstance(value, Quantity):
        return f"{num(value.value)} {value.unit}" if value.unit else num(value.value)
    if isinstance(value, Count):
        return f"{value.value:,}"
    if isinstance(value, Name):
        return value.default
    if isinstance(value, Written):
        return str(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Listing):
        return english(value.sep).join(english(v) for v in value.items)
    if isinstance(value, Lowered):
        return lowered(english(value.value))
    if isinstance(value, Clause):
        return english(value.value).removesuffix(".")
    if isinstance(value, Unprefixed):
        return english(value.value).removeprefix(value.prefix)
    if value is None:
        return ""
    return str(value)


def lowered(text: str) -> str:
    return text[:1].lower() + text[1:].rstrip(".")


# --- as data ------------------------------------------------------------------------------------------------


def _data(value: Any) -> Any:  # noqa: C901
    if isinstance(value, Fact):
        return {"fact": _fact_data(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return {"yes_no": value}
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return {"num": str(value)}
    if isinstance(value, Money):
        return {"money": str(value.value)}
    if isinstance(value, Quantity):
        return {"num": str(value.value), "unit": value.unit}
    if isinstance(value, Count):
        return {"count": value.value}
    if isinstance(value, Name):
        return {"name": value.default, "names": dict(value.names)}
    if isinstance(value, Written):
        return {"written": str(value.value)}
    if isinstance(value, datetime):
        return {"moment": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Listing):
        return {"list": [_data(v) for v in value.items], "sep": _data(value.sep)}
    if isinstance(value, Lowered):
        return {"lowered": _data(value.value)}
    if isinstance(value, Clause):
        return {"clause": _data(value.value)}
    if isinstance(value, Unprefixed):
        return {"unprefixed": _data(value.value), "prefix": value.prefix}
    if value is None:
        return None
    return str(value)


def _fact_data(value: Fact) -> dict[str, Any]:
    return {"message": value.message, "values": {k: _data(v) for k, v in value.values.items()}}


def _value(data: Any) -> Any:  # noqa: C901
    if not isinstance(data, dict):
        return data
    if "fact" in data:
        return _fact_from(data["fact"])
    if "yes_no" in data:
        return bool(data["yes_no"])
    if "unit" in data:
        return Quantity(Decimal(data["num"]), data["unit"])
    if "num" in data:
        return Decimal(data["num"])
    if "money" in data:
        return Money(Decimal(data["money"]))
    if "names" in data:
        return Name(data["name"], tuple(sorted(data["names"].items())))
    if "written" in data:
        return Written(Decimal(data["written"]))
    if "count" in data:
        return Count(int(data["count"]))
    if "moment" in data:
        return datetime.fromisoformat(data["moment"])
    if "date" in data:
        return date.fromisoformat(data["date"])
    if "unprefixed" in data:
        return Unprefixed(_value(data["unprefixed"]), data["prefix"])
    if "clause" in data:
        return Clause(_value(data["clause"]))
    if "lowered" in data:
        return Lowered(_value(data["lowered"]))
    if "list" in data:
        return Listing(tuple(_value(v) for v in data["list"]), _value(data.get("sep", ", ")))
    return data


def _fact_from(data: Any) -> Fact:
    if isinstance(data, Fact):
        return data
    if isinstance(data, str):
        return Fact(data)
    if isinstance(data, dict) and "message" in data:
        return Fact(str(data["message"]), {k: _value(v) for k, v in (data.get("values") or {}).items()})
    raise ValueError("not a fact")
