"""Conditions of the rule language (knock-outs, share_of_value), what they read, and whether a bid meets one.

A condition tests a field of the bid or of each item (`equals`, `in`, `at_least`, `at_most`), a label
requirement (`label`: the item's model is covered by a claim accepted for it), or combines others (`all`,
`any`). `Context` carries what a condition or a scoring function needs besides the bid.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PField

from scoring.facts import N_, Fact, Listing, Written, fact
from scoring.intake.template import ITEM_FIELDS, SUPPLIER_FIELDS, Kind
from scoring.models import Bid, Item
from scoring.names import normalise_model

AGGREGATES = ("min", "max", "mean", "quantity_weighted_mean", "value_weighted_mean")


class Wrong(Exception):
    """A problem of a rule, at a key below it ("field", "params.best"), in words."""

    def __init__(self, key: str, problem: str):
        self.key, self.problem = key, problem
        super().__init__(f"{key}: {problem}")


class Strict(BaseModel):
    """A model of the rule language: unknown keys are errors; the attributes' docstrings describe them in the
    rule language's JSON Schema (scoring/schemas.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Condition(Strict):
    """A test on a bid or an item: exactly one of the operators, or all/any of others.

    `label` names one of the rule set's label requirements; it holds when the
    item's model is covered by a claim accepted for that requirement.
    """

    field: str | None = None
    """The field tested: supplier.<field>, items.<field> or bid.total_price."""
    equals: Any = None
    """Holds when the field equals this (text compared case-insensitively)."""
    in_: list[Any] | None = PField(default=None, alias="in")
    """Holds when the field is one of these."""
    at_least: Decimal | None = None
    """Holds when the field is at least this."""
    at_most: Decimal | None = None
    """Holds when the field is at most this."""
    label: str | None = None
    """Holds when the item's model is covered by a claim accepted for this label requirement."""
    all: list[Condition] | None = None
    """Holds when every one of these holds."""
    any: list[Condition] | None = None
    """Holds when one of these holds."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _one_operator(self):
        on_field = [k for k in ("equals", "in_", "at_least", "at_most") if getattr(self, k) is not None]
        combined = [k for k in ("label", "all", "any") if getattr(self, k) is not None]
        if self.field is not None and len(on_field) != 1:
            raise ValueError("a condition on a field needs exactly one of: equals, in, at_least, at_most")
        if self.field is None and (on_field or len(combined) != 1):
            raise ValueError("a condition needs a field with one operator, or one of: label, all, any")
        if self.field is not None and combined:
            raise ValueError("label, all and any do not go with field")
        return self

    def describe(self, label_names: dict[str, str] | None = None) -> Fact:
        """As a fact; `label_names` maps label requirement ids to the labels' names."""
        if self.all is not None:
            parts = Listing(tuple(c.describe(label_names) for c in self.all), fact(N_(" and ")))
            return fact("(%(parts)s)", parts=parts)
        if self.any is not None:
            parts = Listing(tuple(c.describe(label_names) for c in self.any), fact(N_(" or ")))
            return fact("(%(parts)s)", parts=parts)
        if self.label is not None:
            return fact(
                N_("covered by an accepted %(label)s claim or equivalent"),
                label=(label_names or {}).get(self.label, self.label),
            )
        name = (self.field or "").split(".", 1)[-1].replace("_", " ")
        if self.equals is not None:
            return fact("%(field)s = %(value)s", field=name, value=_word(self.equals))
        if self.in_ is not None:
            return fact(N_("%(field)s in %(values)s"), field=name, values=Listing(tuple(_word(v) for v in self.in_)))
        if self.at_least is not None:
            return fact("%(field)s ≥ %(value)s", field=name, value=Written(self.at_least))
        return fact("%(field)s ≤ %(value)s", field=name, value=Written(self.at_most or Decimal(0)))

    def labels(self) -> list[str]:
        """The label requirements this condition refers to."""
        nested = (self.all or []) + (self.any or [])
        return ([self.label] if self.label else []) + [lab for c in nested for lab in c.labels()]

    def fields(self) -> list[str]:
        """The fields this condition reads (`supplier.<f>`, `items.<f>`)."""
        nested = (self.all or []) + (self.any or [])
        return ([self.field] if self.field else []) + [f for c in nested for f in c.fields()]


def _word(value: Any) -> Any:
    if isinstance(value, bool):
        return fact(N_("yes")) if value else fact(N_("no"))
    return str(value)


# --- what a condition or a scoring function needs besides the bid --------------------------------------------


class PanelView(Protocol):
    """A judged criterion's outcome for one bid, as the panel formed it (award/panel.py)."""

    consensus: Decimal | None
    method: str

    @property
    def moderated(self) -> Any: ...

    @property
    def scores(self) -> list[Any]: ...


@dataclass(frozen=True)
class Context:
    """What conditions need beyond the bid: the models each label requirement is accepted for."""

    labels: dict[str, frozenset[str]] = field(default_factory=dict)  # requirement -> normalised models
    names: dict[str, str] = field(default_factory=dict)  # requirement -> the label's name, for explanations
    panel: dict[str, Any] = field(default_factory=dict)  # judged criterion -> the panel's outcome (PanelView)
    deadline: date | None = None  # the bid deadline: how old an audit may be is counted back from it

    def with_panel(self, panel: dict[str, Any]) -> Context:
        return replace(self, panel=panel)


def field_value(bid: Bid, name: str, item: Item | None = None) -> Any:
    scope, _, field_name = name.partition(".")
    if name == "bid.total_price":
        return bid.total_price
    if scope == "supplier":
        return getattr(bid.supplier, field_name)
    return getattr(item, field_name) if item is not None else None


def canonical(value: Any) -> Any:
    """Compare yes/no answers, texts and numbers the way people mean them."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return " ".join(value.casefold().split())
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    return value


def item_fields(cond: Condition) -> tuple[str, ...]:
    """The item fields a condition reads (a label condition reads the model)."""
    if cond.all is not None or cond.any is not None:
        return tuple(dict.fromkeys(f for c in (cond.all or cond.any or []) for f in item_fields(c)))
    if cond.label is not None:
        return ("model",)
    scope, _, name = (cond.field or "").partition(".")
    return (name,) if scope == "items" else ()


def holding(cond: Condition, bid: Bid, ctx: Context) -> list[bool]:
    """Whether the condition holds for each of the bid's items, in order. A catalogue repeats the same
    values on many lines: each distinct combination of the values the condition reads is tested once."""
    names = item_fields(cond)
    known: dict[tuple, bool] = {}
    out = []
    for item in bid.items:
        key = tuple(getattr(item, n) for n in names)
        met = known.get(key)
        if met is None:
            met = known[key] = holds(cond, bid, item, ctx)
        out.append(met)
    return out


def holds(cond: Condition, bid: Bid, item: Item | None, ctx: Context) -> bool:
    """Whether the condition holds; an empty value never meets a condition."""
    if cond.all is not None:
        return all(holds(c, bid, item, ctx) for c in cond.all)
    if cond.any is not None:
        return any(holds(c, bid, item, ctx) for c in cond.any)
    if cond.label is not None:
        return (
            item is not None
            and item.model is not None
            and normalise_model(item.model) in ctx.labels.get(cond.label, frozenset())
        )
    assert cond.field is not None, "a condition without label, all or any names a field (checked on load)"
    value = field_value(bid, cond.field, item)
    if value is None:
        return False
    if cond.equals is not None:
        return canonical(value) == canonical(cond.equals)
    if cond.in_ is not None:
        return canonical(value) in {canonical(v) for v in cond.in_}
    if cond.at_least is not None:
        return Decimal(value) >= cond.at_least
    assert cond.at_most is not None, "a condition on a field has exactly one operator (checked on load)"
    return Decimal(value) <= cond.at_most


# --- checking a condition against the template -----------------------------------------------------------------


def field_kind(name: str, *, item_context: bool, aggregate: str | None = None) -> Kind:
    """The kind of a referenced field; Wrong("field" or "aggregate") when it does not exist or is used wrongly."""
    scope, _, field_name = name.partition(".")
    if name == "bid.total_price":
        if aggregate:
            raise Wrong("field", "bid.total_price is one number per bid: remove aggregate")
        return Kind.DECIMAL
    if scope == "supplier" and field_name in SUPPLIER_FIELDS:
        if aggregate:
            raise Wrong("field", f"{name} is one value per bid: remove aggregate")
        return SUPPLIER_FIELDS[field_name].kind
    if scope == "items" and field_name in ITEM_FIELDS:
        kind = ITEM_FIELDS[field_name].kind
        if not item_context:
            if aggregate is None:
                raise Wrong(
                    "aggregate", f"{name} has one value per item: set aggregate to one of {', '.join(AGGREGATES)}"
                )
            if kind not in (Kind.DECIMAL, Kind.INTEGER):
                raise Wrong("field", f"{name} is not numeric and cannot be aggregated")
        return kind
    known = ["bid.total_price"] + [f"supplier.{f}" for f in SUPPLIER_FIELDS] + [f"items.{f}" for f in ITEM_FIELDS]
    raise Wrong("field", f"unknown field {name!r}; fields are: {', '.join(known)}")


def condition_problems(
    cond: Condition, key: str, *, item_context: bool, labels: dict[str, Any]
) -> list[tuple[str, str]]:
    """(key, problem) for each problem of a condition: a field that does not exist or is used wrongly, a
    label requirement the rule set does not have."""
    if cond.all is not None or cond.any is not None:
        out = []
        for n, sub in enumerate(cond.all or cond.any or []):
            nested = f"{key}.{'all' if cond.all is not None else 'any'}.{n}"
            out += condition_problems(sub, nested, item_context=item_context, labels=labels)
        return out
    if cond.label is not None:
        if not item_context:
            return [(key, "label conditions test items: use them under every_item or share_of_value")]
        if cond.label not in labels:
            listed = ", ".join(labels) or "none"
            return [(f"{key}.label", f"no label requirement {cond.label!r} under labels (there are: {listed})")]
        return []
    assert cond.field is not None, "a condition without label, all or any names a field (checked on load)"
    if not item_context and cond.field.startswith("items."):
        return [(f"{key}.field", f"{cond.field} has one value per item: test it with every_item")]
    try:
        kind = field_kind(cond.field, item_context=item_context)
    except Wrong as wrong:
        return [(f"{key}.{wrong.key}", wrong.problem)]
    if (cond.at_least is not None or cond.at_most is not None) and kind not in (Kind.DECIMAL, Kind.INTEGER):
        return [(key, f"at_least and at_most need a numeric field; {cond.field} is not one")]
    return []
