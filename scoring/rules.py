"""Rule sets: versioned YAML files in rules/, loaded into typed models and checked on load.

A rule file that is wrong stops the evaluation with a RuleError naming the file,
the key and the problem; nothing is scored under a rule set that does not hold
(weights not summing to 100, a field that does not exist, a bad parameter).
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field as PField, ValidationError, model_validator

from scoring.catalogue import Catalogue, load_catalogue
from scoring.errors import RuleError
from scoring.lint import RuleWarning, lint_rules
from scoring.template import ITEM_FIELDS, SUPPLIER_FIELDS, Kind
from scoring.yamlio import first_error, load_mapping

HUNDRED = Decimal(100)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- conditions --------------------------------------------------------------

class Condition(Strict):
    """A test on a bid or an item: exactly one of the operators, or all/any of others.

    `label` names one of the rule set's label requirements; it holds when the
    item's model is covered by a claim accepted for that requirement.
    """

    field: str | None = None
    equals: Any = None
    in_: list[Any] | None = PField(default=None, alias="in")
    at_least: Decimal | None = None
    at_most: Decimal | None = None
    label: str | None = None
    all: list["Condition"] | None = None
    any: list["Condition"] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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

    def describe(self, label_names: dict[str, str] | None = None) -> str:
        """In words; `label_names` maps label requirement ids to the labels' names."""
        if self.all is not None:
            return "(" + " and ".join(c.describe(label_names) for c in self.all) + ")"
        if self.any is not None:
            return "(" + " or ".join(c.describe(label_names) for c in self.any) + ")"
        if self.label is not None:
            return f"covered by an accepted {(label_names or {}).get(self.label, self.label)} claim or equivalent"
        name = self.field.split(".", 1)[-1].replace("_", " ")
        if self.equals is not None:
            return f"{name} = {_word(self.equals)}"
        if self.in_ is not None:
            return f"{name} in {', '.join(_word(v) for v in self.in_)}"
        if self.at_least is not None:
            return f"{name} ≥ {self.at_least}"
        return f"{name} ≤ {self.at_most}"

    def labels(self) -> list[str]:
        """The label requirements this condition refers to."""
        nested = (self.all or []) + (self.any or [])
        return ([self.label] if self.label else []) + [lab for c in nested for lab in c.labels()]


def _word(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, str(value)) if isinstance(value, bool) else str(value)


# --- function parameters -----------------------------------------------------

class LinearParams(Strict):
    """0 points at `worst`, full score at `best`, straight line between, clamped outside."""

    worst: Decimal
    best: Decimal

    @model_validator(mode="after")
    def _distinct(self):
        if self.worst == self.best:
            raise ValueError("worst and best must differ")
        return self


class Step(Strict):
    at_least: Decimal | None = None
    at_most: Decimal | None = None
    score: Decimal

    @model_validator(mode="after")
    def _one_bound(self):
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a step needs exactly one of at_least, at_most")
        return self


class StepsParams(Strict):
    """The highest score among the steps the value reaches; `otherwise` when none."""

    steps: list[Step] = PField(min_length=1)
    otherwise: Decimal = Decimal(0)


class YesNoParams(Strict):
    yes: Decimal | None = None  # default: the full scale
    no: Decimal = Decimal(0)


class LookupParams(Strict):
    """A score per text value (compared case-insensitively), `otherwise` for the rest."""

    values: dict[str, Decimal] = PField(min_length=1)
    otherwise: Decimal = Decimal(0)


class RelativeParams(Strict):
    """Proportional to the best bid: value / best (max) or best / value (min)."""

    objective: Literal["min", "max"]


class PriceParams(Strict):
    """lowest price / price × scale."""


class ShareParams(Strict):
    """The share of the bid's line value (quantity × unit price) on items meeting `where`."""

    where: Condition


class MinMaxParams(Strict):
    """Full score for the best competing bid, 0 for the worst, straight between (min-max over the bids)."""

    objective: Literal["min", "max"]


class PanelParams(Strict):
    """A judged criterion: evaluators score each bid on `minimum`..`maximum` in their score sheets."""

    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(5)
    consensus: Literal["mean", "median", "moderated"] = "mean"
    max_spread: Decimal | None = None  # flag when evaluators differ by more than this
    comment_required: bool = False
    evaluators: list[str] = []  # who must score; a missing score is an issue, never a zero

    @model_validator(mode="after")
    def _range(self):
        if self.maximum <= self.minimum:
            raise ValueError("maximum must be above minimum")
        return self


FUNCTIONS: dict[str, type[Strict]] = {
    "linear": LinearParams,
    "steps": StepsParams,
    "yes_no": YesNoParams,
    "lookup": LookupParams,
    "relative": RelativeParams,
    "price_proportional": PriceParams,
    "min_max": MinMaxParams,
    "share_of_value": ShareParams,
    "panel": PanelParams,
}
# Functions whose score depends on the other bids: withdrawing a bid can change the others' order.
RELATIVE_FUNCTIONS = ("relative", "price_proportional", "min_max")
AGGREGATES = ("min", "max", "mean", "quantity_weighted_mean", "value_weighted_mean")


# --- the rule set ------------------------------------------------------------

class Criterion(Strict):
    id: str
    name: str
    group: str | None = None  # for reports: criteria that share a heading (e.g. life extension)
    weight: Decimal | None = PField(default=None, gt=0)  # weighted_points, price_quality_ratio
    money: Decimal | None = PField(default=None, gt=0)  # value_for_money: what a full score is worth
    weight_range: tuple[Decimal, Decimal] | None = None  # for the Monte Carlo robustness check
    field: str  # supplier.<f>, items.<f> (with aggregate), items (share_of_value), bid.total_price, panel
    aggregate: Literal["min", "max", "mean", "quantity_weighted_mean", "value_weighted_mean"] | None = None
    unit: str = ""
    function: str
    params: dict[str, Any] = {}

    def typed_params(self) -> Strict:
        return FUNCTIONS[self.function].model_validate(self.params)


class Knockout(Strict):
    """A requirement every bid must meet: `check` on the bid, or `every_item` on each item."""

    id: str
    requirement: str
    check: Condition | None = None
    every_item: Condition | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.check is None) == (self.every_item is None):
            raise ValueError("a knock-out needs exactly one of: check, every_item")
        return self


class Rounding(Strict):
    """Scores and points are rounded to `places` decimals; total = sum of rounded points."""

    places: int = PField(default=2, ge=0, le=6)
    mode: Literal["half_up", "half_even", "down"] = "half_up"

    def quantize(self, value: Decimal) -> Decimal:
        mode = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}[self.mode]
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=mode)


TIE_BREAKS = ("lowest_price", "earliest_submission")


class Method(Strict):
    """How criterion scores become a ranking.

    weighted_points: points = score / scale × weight; highest total wins.
    value_for_money: each criterion's score is worth money (score / scale × money), deducted from the
      price as a fictitious discount (or, `direction: add`, what is not earned is added); lowest
      comparison price wins.
    price_quality_ratio: quality points (weighted, no price criterion) per `per` units of price; highest wins.
    """

    name: Literal["weighted_points", "value_for_money", "price_quality_ratio"] = "weighted_points"
    direction: Literal["deduct", "add"] = "deduct"
    per: Decimal = Decimal(1000)


class AbnormallyLow(Strict):
    """When a price asks for an explanation (Art. 69): never an exclusion by itself."""

    below_mean_of_others_pct: Decimal | None = None
    below_next_pct: Decimal | None = None


class Robustness(Strict):
    weight_change_pp: Decimal = Decimal(20)  # how far weight sensitivity looks, in percentage points
    draws: int = PField(default=2000, ge=10, le=200000)  # Monte Carlo draws over declared weight ranges
    seed: int = 20261122


class LabelRequirement(Strict):
    """A label the tender asks for, and what an equivalent must also cover (Art. 43(1))."""

    reference: str  # the label's name in the catalogue
    minimum_version: str | None = None  # e.g. Generation 9, Silver
    areas: list[str] = PField(min_length=1)  # the requirement areas the label stands for in this tender
    expiry_during_contract: Literal["warn", "reject"] = "warn"


class RuleSet(Strict):
    id: str
    version: str
    title: str
    source: str = ""  # where the criteria come from
    method: Method = Method()
    lots: Literal["combined", "separate"] = "combined"  # separate: each lot ranked on its own
    scale: Decimal = PField(default=Decimal(10), gt=0)  # criterion scores run from 0 to scale
    rounding: Rounding = Rounding()
    catalogue: str = "labels.yaml"  # label catalogue, relative to the rule file
    registers: str = "registers"  # register snapshots folder, relative to the rule file
    labels: dict[str, LabelRequirement] = {}
    knockouts: list[Knockout] = []
    criteria: list[Criterion] = PField(min_length=1)
    tie_break: list[str] = ["lowest_price", "earliest_submission"]
    abnormally_low: AbnormallyLow = AbnormallyLow()
    robustness: Robustness = Robustness()


class LoadedRules(BaseModel):
    """A rule set with the file it came from, its SHA-256, its catalogue and the linter's warnings."""

    model_config = ConfigDict(frozen=True)

    rules: RuleSet
    path: str
    sha256: str
    catalogue: Catalogue | None = None
    catalogue_sha256: str | None = None
    warnings: list[RuleWarning] = []

    @property
    def registers_folder(self) -> Path:
        return Path(self.path).parent / self.rules.registers


def merge(base: Any, variant: Any) -> Any:
    """A variant over its base: mappings merge key by key; lists of entries with an `id` merge by id
    (`remove: true` drops an entry); anything else in the variant replaces the base's."""
    if isinstance(base, dict) and isinstance(variant, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in variant.items()}}
    if (isinstance(base, list) and isinstance(variant, list)
            and all(isinstance(e, dict) and "id" in e for e in base + variant)):
        merged = {e["id"]: e for e in base}
        for entry in variant:
            if entry.get("remove"):
                merged.pop(entry["id"], None)
            else:
                merged[entry["id"]] = merge(merged[entry["id"]], entry) if entry["id"] in merged else entry
        return list(merged.values())
    return variant


def _read_with_base(path: Path, seen: tuple = ()) -> tuple[dict, bytes]:
    """The rule file's data merged over the file it `extends`, and the bytes both hash over."""
    data = load_mapping(path, RuleError)
    content = path.read_bytes()
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, content
    base_path = (path.parent / str(base_name)).resolve()
    if base_path in seen or base_path == path:
        raise RuleError(path, f"extends {base_name}, which extends this file again", "extends")
    base, base_content = _read_with_base(base_path, seen + (path,))
    # Paths in the base are relative to the base's folder, wherever the variant lives.
    for key, default in (("catalogue", "labels.yaml"), ("registers", "registers")):
        base[key] = str(base_path.parent / base.get(key, default))
    return merge(base, data), content + b"\0" + base_content


def load_rules(path: Path | str) -> LoadedRules:
    path = Path(path).resolve()
    data, content = _read_with_base(path)
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        raise first_error(path, exc, RuleError) from None
    catalogue_path = path.parent / rules.catalogue
    catalogue = load_catalogue(catalogue_path) if catalogue_path.is_file() else None
    if rules.labels and catalogue is None:
        raise RuleError(path, f"label requirements need the catalogue {catalogue_path}, which does not exist",
                        "catalogue")
    check_rules(rules, path, catalogue)
    return LoadedRules(rules=rules, path=str(path), sha256=hashlib.sha256(content).hexdigest(),
                       catalogue=catalogue,
                       catalogue_sha256=hashlib.sha256(catalogue_path.read_bytes()).hexdigest() if catalogue else None,
                       warnings=lint_rules(rules, catalogue))


def check_rules(rules: RuleSet, path: Path, catalogue: Catalogue | None = None) -> None:
    """What pydantic cannot see on one key: references, parameters per function, weights."""
    for name, requirement in rules.labels.items():
        _check_label_requirement(name, requirement, catalogue, path)
    ids = [c.id for c in rules.criteria]
    for n, c in enumerate(rules.criteria):
        key = f"criteria.{n}"
        if ids.count(c.id) > 1:
            raise RuleError(path, f"criterion id {c.id!r} is used twice", f"{key}.id")
        _check_criterion(c, rules, path, key)
    _check_method(rules, path)
    knockout_ids = [k.id for k in rules.knockouts]
    for n, k in enumerate(rules.knockouts):
        key = f"knockouts.{n}"
        if knockout_ids.count(k.id) > 1:
            raise RuleError(path, f"knock-out id {k.id!r} is used twice", f"{key}.id")
        if k.check is not None:
            _check_condition(k.check, path, f"{key}.check", item_context=False, labels=rules.labels)
        else:
            _check_condition(k.every_item, path, f"{key}.every_item", item_context=True, labels=rules.labels)
    for n, entry in enumerate(rules.tie_break):
        if entry in TIE_BREAKS:
            continue
        if entry.startswith("criterion:") and entry.split(":", 1)[1] in ids:
            continue
        raise RuleError(path, f"unknown tie-break {entry!r}; use lowest_price, earliest_submission or "
                              f"criterion:<id> with one of: {', '.join(ids)}", f"tie_break.{n}")


def _check_criterion(c: Criterion, rules: RuleSet, path: Path, key: str) -> None:
    if c.function not in FUNCTIONS:
        raise RuleError(path, f"unknown scoring function {c.function!r}; use one of: {', '.join(FUNCTIONS)}",
                        f"{key}.function")
    try:
        params = c.typed_params()
    except ValidationError as exc:
        inner = first_error(path, exc, RuleError)
        raise RuleError(path, inner.problem, f"{key}.params" + (f".{inner.key}" if inner.key else "")) from None
    # Which fields each function can read.
    if c.function == "panel":
        if c.field != "panel" or c.aggregate:
            raise RuleError(path, "a panel criterion is judged by evaluators: set field: panel", f"{key}.field")
    elif c.function == "share_of_value":
        if c.field != "items" or c.aggregate:
            raise RuleError(path, "share_of_value reads the items: set field: items and no aggregate", f"{key}.field")
        _check_condition(params.where, path, f"{key}.params.where", item_context=True, labels=rules.labels)
    elif c.function == "price_proportional":
        if c.field != "bid.total_price":
            raise RuleError(path, "price_proportional scores the bid's total price: set field: bid.total_price",
                            f"{key}.field")
    else:
        kind = _field_kind(c.field, path, f"{key}.field", item_context=False, aggregate=c.aggregate)
        numeric = kind in (Kind.DECIMAL, Kind.INTEGER)
        if c.function in ("linear", "steps", "relative") and not numeric:
            raise RuleError(path, f"{c.function} needs a numeric field; {c.field} is not one", f"{key}.field")
        if c.function == "yes_no" and kind is not Kind.YES_NO:
            raise RuleError(path, f"yes_no needs a Yes/No field; {c.field} is not one", f"{key}.field")
        if c.function == "lookup" and kind not in (Kind.TEXT, Kind.CHOICE, Kind.YES_NO_NA):
            raise RuleError(path, f"lookup needs a text field; {c.field} is not one", f"{key}.field")
    for name, score in _scores(params):
        if not Decimal(0) <= score <= rules.scale:
            raise RuleError(path, f"score {score} is outside the scale 0..{rules.scale}", f"{key}.params.{name}")
    if isinstance(params, StepsParams):
        directions = {s.at_least is not None for s in params.steps}
        if len(directions) > 1:
            raise RuleError(path, "steps mix at_least and at_most; a ladder goes one way", f"{key}.params.steps")


def _scores(params: Strict) -> list[tuple[str, Decimal]]:
    if isinstance(params, StepsParams):
        return [(f"steps.{i}.score", s.score) for i, s in enumerate(params.steps)] + [("otherwise", params.otherwise)]
    if isinstance(params, YesNoParams):
        return [("no", params.no)] + ([("yes", params.yes)] if params.yes is not None else [])
    if isinstance(params, LookupParams):
        return [(f"values.{k}", v) for k, v in params.values.items()] + [("otherwise", params.otherwise)]
    return []


def _field_kind(name: str, path: Path, key: str, *, item_context: bool, aggregate: str | None = None) -> Kind:
    """The kind of a referenced field; a RuleError when it does not exist or is used wrongly."""
    scope, _, field_name = name.partition(".")
    if name == "bid.total_price":
        if aggregate:
            raise RuleError(path, "bid.total_price is one number per bid: remove aggregate", key)
        return Kind.DECIMAL
    if scope == "supplier" and field_name in SUPPLIER_FIELDS:
        if aggregate:
            raise RuleError(path, f"{name} is one value per bid: remove aggregate", key)
        return SUPPLIER_FIELDS[field_name].kind
    if scope == "items" and field_name in ITEM_FIELDS:
        kind = ITEM_FIELDS[field_name].kind
        if not item_context:
            if aggregate is None:
                raise RuleError(path, f"{name} has one value per item: set aggregate to one of {', '.join(AGGREGATES)}",
                                key.rsplit(".", 1)[0] + ".aggregate")
            if kind not in (Kind.DECIMAL, Kind.INTEGER):
                raise RuleError(path, f"{name} is not numeric and cannot be aggregated", key)
        return kind
    known = ["bid.total_price"] + [f"supplier.{f}" for f in SUPPLIER_FIELDS] + [f"items.{f}" for f in ITEM_FIELDS]
    raise RuleError(path, f"unknown field {name!r}; fields are: {', '.join(known)}", key)


def _check_condition(cond: Condition, path: Path, key: str, *, item_context: bool,
                     labels: dict) -> None:
    if cond.all is not None or cond.any is not None:
        for n, sub in enumerate(cond.all or cond.any):
            _check_condition(sub, path, f"{key}.{'all' if cond.all is not None else 'any'}.{n}",
                             item_context=item_context, labels=labels)
        return
    if cond.label is not None:
        if not item_context:
            raise RuleError(path, "label conditions test items: use them under every_item or share_of_value", key)
        if cond.label not in labels:
            raise RuleError(path, f"no label requirement {cond.label!r} under labels "
                                  f"(there are: {', '.join(labels) or 'none'})", f"{key}.label")
        return
    if not item_context and cond.field.startswith("items."):
        raise RuleError(path, f"{cond.field} has one value per item: test it with every_item", f"{key}.field")
    kind = _field_kind(cond.field, path, f"{key}.field", item_context=item_context)
    if (cond.at_least is not None or cond.at_most is not None) and kind not in (Kind.DECIMAL, Kind.INTEGER):
        raise RuleError(path, f"at_least and at_most need a numeric field; {cond.field} is not one", key)


def _check_label_requirement(name: str, req: LabelRequirement, catalogue: Catalogue | None, path: Path) -> None:
    key = f"labels.{name}"
    scheme = catalogue.find(req.reference) if catalogue else None
    if scheme is None:
        raise RuleError(path, f"the label {req.reference!r} is not in the catalogue"
                              + (f" {catalogue.path}" if catalogue else ""), f"{key}.reference")
    unknown = [a for a in req.areas if a not in catalogue.areas]
    if unknown:
        raise RuleError(path, f"unknown requirement areas {', '.join(unknown)}; areas are: "
                              f"{', '.join(catalogue.areas)}", f"{key}.areas")
    if req.minimum_version and scheme.version_rank(req.minimum_version) is None:
        raise RuleError(path, f"{scheme.name} has no version {req.minimum_version!r} "
                              f"(versions: {', '.join(scheme.versions) or 'none'})", f"{key}.minimum_version")


def _check_method(rules: RuleSet, path: Path) -> None:
    method = rules.method.name
    stake = "money" if method == "value_for_money" else "weight"
    other = "weight" if stake == "money" else "money"
    for n, c in enumerate(rules.criteria):
        if getattr(c, stake) is None:
            raise RuleError(path, f"the {method} method needs a {stake} on every criterion", f"criteria.{n}.{stake}")
        if getattr(c, other) is not None:
            raise RuleError(path, f"the {method} method uses {stake}, not {other}", f"criteria.{n}.{other}")
        if method != "weighted_points" and c.field == "bid.total_price":
            raise RuleError(path, f"the {method} method sets the price against the quality criteria itself: "
                                  "remove the price criterion", f"criteria.{n}.field")
        if c.weight_range is not None:
            low, high = c.weight_range
            if stake != "weight" or not (0 <= low <= c.weight <= high <= HUNDRED):
                raise RuleError(path, "weight_range needs a weight and 0 <= low <= weight <= high <= 100",
                                f"criteria.{n}.weight_range")
    if stake == "weight":
        total = sum((c.weight for c in rules.criteria), Decimal(0))
        if total != HUNDRED:
            listing = ", ".join(f"{c.id} {c.weight}" for c in rules.criteria)
            raise RuleError(path, f"the weights of the criteria sum to {total}, not 100 ({listing})", "criteria")
