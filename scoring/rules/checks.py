"""What pydantic cannot see on one key: references, parameters per function, weights.

A rule file that is wrong stops the evaluation with a RuleError naming the file, the key and the problem."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from scoring.errors import Problem, RuleError
from scoring.rules.catalogue import Catalogue
from scoring.rules.conditions import Condition, Wrong, condition_problems
from scoring.rules.schema import HUNDRED, TIE_BREAKS, Criterion, LabelRequirement, RuleSet


def check_rules(rules: RuleSet, path: Path, catalogue: Catalogue | None = None) -> None:  # noqa: C901
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
    """The criterion's scoring function checks the field it reads and its parameters; every score its
    parameters give lies on the scale."""
    problems = [Problem(str(path), wrong.problem, f"{key}.{wrong.key}") for wrong in _wrongs(c, rules)]
    for name, score in c.kernel.scores(c.params):
        if not Decimal(0) <= score <= rules.scale:
            problems.append(
                Problem(str(path), f"score {score} is outside the scale 0..{rules.scale}", f"{key}.params.{name}")
            )
    if problems:
        raise RuleError.of(problems)


def _wrongs(c: Criterion, rules: RuleSet) -> list[Wrong]:
    try:
        return list(c.kernel.check(c, rules))
    except Wrong as wrong:  # a field that does not exist stops the function's other checks
        return [wrong]


def _check_condition(cond: Condition, path: Path, key: str, *, item_context: bool, labels: dict) -> None:
    problems = condition_problems(cond, key, item_context=item_context, labels=labels)
    if problems:
        raise RuleError.of(Problem(str(path), problem, at) for at, problem in problems)


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
