"""What pydantic cannot see on one key: references, parameters per function, weights.

A rule file that is wrong stops the evaluation with a RuleError naming the file, the key and the problem."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from scoring.errors import Problem, RuleError
from scoring.intake.template import ITEM_FIELDS, SUPPLIER_FIELDS, Kind
from scoring.rules.catalogue import Catalogue
from scoring.rules.schema import (
    AGGREGATES,
    HUNDRED,
    TIE_BREAKS,
    Condition,
    Criterion,
    DisclosureCriterion,
    LabelRequirement,
    LookupParams,
    PanelCriterion,
    RuleSet,
    ShareCriterion,
    StepsParams,
    Strict,
    YesNoParams,
)


def check_rules(rules: RuleSet, path: Path, catalogue: Catalogue | None = None) -> None:
    """What pydantic cannot see on one key: references, parameters per function, weights. Raises one
    RuleError with a problem for each label requirement, criterion, knock-out and tie-break that is wrong."""
    problems: list[Problem] = []

    def collect(check: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        try:
            check(*args, **kwargs)
        except RuleError as error:
            problems.extend(error.problems)

    for name, requirement in rules.labels.items():
        collect(_check_label_requirement, name, requirement, catalogue, path)
    ids = [c.id for c in rules.criteria]
    for n, c in enumerate(rules.criteria):
        key = f"criteria.{n}"
        if ids.count(c.id) > 1 and ids.index(c.id) != n:
            problems.append(Problem(str(path), f"criterion id {c.id!r} is used twice", f"{key}.id"))
        collect(_check_criterion, c, rules, path, key)
    collect(_check_method, rules, path)
    knockout_ids = [k.id for k in rules.knockouts]
    for n, k in enumerate(rules.knockouts):
        key = f"knockouts.{n}"
        if knockout_ids.count(k.id) > 1 and knockout_ids.index(k.id) != n:
            problems.append(Problem(str(path), f"knock-out id {k.id!r} is used twice", f"{key}.id"))
        if k.check is not None:
            collect(_check_condition, k.check, path, f"{key}.check", item_context=False, labels=rules.labels)
        else:
            collect(_check_condition, k.condition, path, f"{key}.every_item", item_context=True, labels=rules.labels)
    for n, entry in enumerate(rules.tie_break):
        if entry in TIE_BREAKS:
            continue
        if entry.startswith("criterion:") and entry.split(":", 1)[1] in ids:
            continue
        problems.append(
            Problem(
                str(path),
                f"unknown tie-break {entry!r}; use lowest_price, earliest_submission or "
                f"criterion:<id> with one of: {', '.join(ids)}",
                f"tie_break.{n}",
            )
        )
    if problems:
        raise RuleError.of(problems)


def _check_criterion(c: Criterion, rules: RuleSet, path: Path, key: str) -> None:
    params = c.params
    # Which fields each function can read.
    if isinstance(c, PanelCriterion):
        if c.field != "panel" or c.aggregate:
            raise RuleError(path, "a panel criterion is judged by evaluators: set field: panel", f"{key}.field")
    elif isinstance(c, ShareCriterion):
        if c.field != "items" or c.aggregate:
            raise RuleError(path, "share_of_value reads the items: set field: items and no aggregate", f"{key}.field")
        _check_condition(c.params.where, path, f"{key}.params.where", item_context=True, labels=rules.labels)
    elif isinstance(c, DisclosureCriterion):
        if c.field != "factories" or c.aggregate:
            raise RuleError(
                path, "disclosure scores the disclosed factories: set field: factories and no aggregate", f"{key}.field"
            )
    elif c.function == "price_proportional":
        if c.field != "bid.total_price":
            raise RuleError(
                path, "price_proportional scores the bid's total price: set field: bid.total_price", f"{key}.field"
            )
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
                raise RuleError(
                    path,
                    f"{name} has one value per item: set aggregate to one of {', '.join(AGGREGATES)}",
                    key.rsplit(".", 1)[0] + ".aggregate",
                )
            if kind not in (Kind.DECIMAL, Kind.INTEGER):
                raise RuleError(path, f"{name} is not numeric and cannot be aggregated", key)
        return kind
    known = ["bid.total_price"] + [f"supplier.{f}" for f in SUPPLIER_FIELDS] + [f"items.{f}" for f in ITEM_FIELDS]
    raise RuleError(path, f"unknown field {name!r}; fields are: {', '.join(known)}", key)


def _check_condition(cond: Condition, path: Path, key: str, *, item_context: bool, labels: dict) -> None:
    if cond.all is not None or cond.any is not None:
        for n, sub in enumerate(cond.all or cond.any or []):
            _check_condition(
                sub,
                path,
                f"{key}.{'all' if cond.all is not None else 'any'}.{n}",
                item_context=item_context,
                labels=labels,
            )
        return
    if cond.label is not None:
        if not item_context:
            raise RuleError(path, "label conditions test items: use them under every_item or share_of_value", key)
        if cond.label not in labels:
            raise RuleError(
                path,
                f"no label requirement {cond.label!r} under labels (there are: {', '.join(labels) or 'none'})",
                f"{key}.label",
            )
        return
    assert cond.field is not None, "a condition without label, all or any names a field (checked on load)"
    if not item_context and cond.field.startswith("items."):
        raise RuleError(path, f"{cond.field} has one value per item: test it with every_item", f"{key}.field")
    kind = _field_kind(cond.field, path, f"{key}.field", item_context=item_context)
    if (cond.at_least is not None or cond.at_most is not None) and kind not in (Kind.DECIMAL, Kind.INTEGER):
        raise RuleError(path, f"at_least and at_most need a numeric field; {cond.field} is not one", key)


def _check_label_requirement(name: str, req: LabelRequirement, catalogue: Catalogue | None, path: Path) -> None:
    key = f"labels.{name}"
    scheme = catalogue.find(req.reference) if catalogue else None
    if scheme is None or catalogue is None:
        raise RuleError(
            path,
            f"the label {req.reference!r} is not in the catalogue" + (f" {catalogue.path}" if catalogue else ""),
            f"{key}.reference",
        )
    unknown = [a for a in req.areas if a not in catalogue.areas]
    if unknown:
        raise RuleError(
            path,
            f"unknown requirement areas {', '.join(unknown)}; areas are: {', '.join(catalogue.areas)}",
            f"{key}.areas",
        )
    if req.minimum_version and scheme.version_rank(req.minimum_version) is None:
        raise RuleError(
            path,
            f"{scheme.name} has no version {req.minimum_version!r} (versions: {', '.join(scheme.versions) or 'none'})",
            f"{key}.minimum_version",
        )


def _check_method(rules: RuleSet, path: Path) -> None:
    method = rules.method.name
    stake = rules.method.stake
    other = "weight" if stake == "money" else "money"
    for n, c in enumerate(rules.criteria):
        if getattr(c, stake) is None:
            raise RuleError(path, f"the {method} method needs a {stake} on every criterion", f"criteria.{n}.{stake}")
        if getattr(c, other) is not None:
            raise RuleError(path, f"the {method} method uses {stake}, not {other}", f"criteria.{n}.{other}")
        if rules.method.price_from_bid and c.field == "bid.total_price":
            raise RuleError(
                path,
                f"the {method} method sets the price against the quality criteria itself: remove the price criterion",
                f"criteria.{n}.field",
            )
        if c.weight_range is not None:
            low, high = c.weight_range
            if c.weight is None or not (0 <= low <= c.weight <= high <= HUNDRED):
                raise RuleError(
                    path,
                    "weight_range needs a weight and 0 <= low <= weight <= high <= 100",
                    f"criteria.{n}.weight_range",
                )
    if stake == "weight":
        total = sum((c.weight or Decimal(0) for c in rules.criteria), Decimal(0))
        if total != HUNDRED:
            listing = ", ".join(f"{c.id} {c.weight}" for c in rules.criteria)
            raise RuleError(path, f"the weights of the criteria sum to {total}, not 100 ({listing})", "criteria")
