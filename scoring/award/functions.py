"""Named scoring functions, conditions and aggregates: from bid fields to a score.

Every function returns the score on the rule set's scale with a short text of
the rule it applied, so each point in a report can be retraced by hand.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scoring.award.results import PanelOutcome
from scoring.claims.verify import normalise_model
from scoring.formatting import money, num
from scoring.models import Bid, Factory, Item
from scoring.rules.schema import (
    Condition,
    Criterion,
    DisclosureParams,
    LinearParams,
    LookupParams,
    MinMaxParams,
    PanelParams,
    PriceParams,
    RelativeParams,
    ShareParams,
    StepsParams,
    YesNoParams,
)

ZERO = Decimal(0)
RAW_PLACES = Decimal("0.0001")  # shares and means are rounded half-up to 4 places before scoring


# --- values -------------------------------------------------------------------


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


@dataclass(frozen=True)
class Context:
    """What conditions need beyond the bid: the models each label requirement is accepted for."""

    labels: dict[str, frozenset[str]] = field(default_factory=dict)  # requirement -> normalised models
    names: dict[str, str] = field(default_factory=dict)  # requirement -> the label's name, for explanations
    panel: dict[str, PanelOutcome] = field(default_factory=dict)  # judged criterion -> the panel's outcome
    deadline: date | None = None  # the bid deadline: how old an audit may be is counted back from it

    def with_panel(self, panel: dict[str, PanelOutcome]) -> Context:
        return replace(self, panel=panel)


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


@dataclass(frozen=True)
class Raw:
    value: Any  # what the criterion measured, None when not stated
    text: str  # how it reads in an explanation


def raw_value(c: Criterion, bid: Bid, ctx: Context) -> Raw:
    params = c.params
    if isinstance(params, ShareParams):
        return _share(params, bid, ctx)
    if isinstance(params, DisclosureParams):
        return disclosure(params, bid, ctx.deadline)
    if isinstance(params, PanelParams):
        outcome = ctx.panel.get(c.id)
        if outcome is None or outcome.consensus is None:
            return Raw(None, "no panel score yet")
        how = "moderated" if outcome.moderated else f"{outcome.method} of {len(outcome.scores)}"
        return Raw(
            outcome.consensus, f"panel {how} {num(outcome.consensus)} on {num(params.minimum)}..{num(params.maximum)}"
        )
    if c.field.startswith("items."):
        return _aggregate(c, bid)
    value = field_value(bid, c.field)
    if value is None:
        return Raw(None, "not stated")
    if c.field == "bid.total_price":
        return Raw(value, f"total price {money(value)}")
    if isinstance(value, bool):
        return Raw(value, "yes" if value else "no")
    if isinstance(value, Decimal):
        return Raw(value, f"{num(value)}{_unit(c)}")
    return Raw(value, repr(value))


def _unit(c: Criterion) -> str:
    return f" {c.unit}" if c.unit else ""


def _share(params: ShareParams, bid: Bid, ctx: Context) -> Raw:
    lines = list(zip((item.line_value for item in bid.items), holding(params.where, bid, ctx), strict=True))
    total = sum((v for v, _ in lines if v is not None), ZERO)
    if not lines or total == 0 or any(v is None for v, _ in lines):
        return Raw(None, "no priced items")
    met = sum((v for v, ok in lines if ok and v is not None), ZERO)
    share = (met / total).quantize(RAW_PLACES, rounding=ROUND_HALF_UP)
    return Raw(share, f"{num(share * 100)} % of line value {params.where.describe(ctx.names)}")


# --- supply-chain transparency ---------------------------------------------------


FINAL_ASSEMBLY = "final assembly"
COMPONENT = "component"


def complete(f: Factory) -> bool:
    """A disclosed factory: named, with its country, city and address."""
    return all((v or "").strip() for v in (f.name, f.country, f.city, f.address))


def disclosure(p: DisclosureParams, bid: Bid, deadline: date | None) -> Raw:
    """The share of the offered models (or of their line value) whose factories are disclosed, or of the
    disclosed factories with a recent social audit; the explanation names what is missing."""
    offered: dict[str, tuple[str, Decimal | None]] = {}  # normalised model -> (as written, weight)
    category: dict[str, str | None] = {}
    for item in bid.items:
        name = item.model or f"(no model, Items row {item.row})"
        key = normalise_model(name)
        weight = Decimal(1) if p.per == "model" else item.line_value
        shown, known = offered.get(key, (name, ZERO))
        offered[key] = (shown, None if known is None or weight is None else known + weight)
        category.setdefault(key, item.category)
    if not offered:
        return Raw(None, "no items")
    rows: dict[str, list[Factory]] = {k: [] for k in offered}  # the disclosed factories of each offered model
    elsewhere = []
    for f in bid.factories:
        if not complete(f):
            continue
        model = normalise_model(f.model or "")
        if model == "all":
            for found in rows.values():
                found.append(f)
        elif model in rows:
            rows[model].append(f)
        else:
            elsewhere.append(f.model or "")
    ignored = f"; rows for models not offered do not count ({', '.join(dict.fromkeys(elsewhere))})" if elsewhere else ""
    if p.measure == "audits":
        return _audits(p, rows, deadline, ignored)
    if any(w is None for _, w in offered.values()):
        return Raw(None, "no priced items")
    credit: dict[str, Decimal] = {}
    missing: list[str] = []
    fractions = []  # per model: components disclosed of those asked
    for key, (shown, _) in offered.items():
        if p.measure == "final_assembly":
            assembled = any(canonical(f.tier) == FINAL_ASSEMBLY for f in rows[key])
            credit[key] = Decimal(assembled)
            missing += [] if assembled else [shown]
            continue
        wanted = p.components_of(category[key])
        have = {canonical(f.component) for f in rows[key] if canonical(f.tier) == COMPONENT}
        lacking = [c for c in wanted if canonical(c) not in have]
        fractions.append(f"{shown} {len(wanted) - len(lacking)} of {len(wanted)}")
        if not wanted:
            credit[key] = Decimal(1)
        else:
            credit[key] = Decimal(not lacking) if p.together else Decimal(len(wanted) - len(lacking)) / len(wanted)
        missing += [f"{shown} ({', '.join(lacking)})"] if lacking else []
    total = sum((w or ZERO for _, w in offered.values()), ZERO)
    if total == 0:
        return Raw(None, "no priced items")
    share = (sum((credit[k] * (w or ZERO) for k, (_, w) in offered.items()), ZERO) / total).quantize(
        RAW_PLACES, rounding=ROUND_HALF_UP
    )
    if p.measure == "final_assembly":
        what = "final assembly factory"
    elif isinstance(p.components, list):
        what = f"{', '.join(p.components)} factories"
    else:
        what = "component factories (" + "; ".join(f"{k}: {', '.join(v)}" for k, v in p.components.items()) + ")"
    if p.per == "value":
        base = f"{num(share * 100)} % of line value" + (f" ({', '.join(fractions)})" if fractions else "")
    elif p.measure == "components" and not p.together:
        base = f"each model in proportion ({', '.join(fractions)})"
    else:
        base = f"{int(sum(credit.values(), ZERO))} of {len(offered)} models"
    gaps = f"; missing: {'; '.join(missing)}" if missing else ""
    return Raw(share, f"{what} disclosed for {base}{gaps}{ignored}")


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or earlier when negative (the month's last day when it
    has no such day): how audits are dated back from the deadline and contract dates counted forward."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _audits(p: DisclosureParams, rows: dict[str, list[Factory]], deadline: date | None, ignored: str) -> Raw:
    factories: dict[tuple, Factory] = {}
    for found in rows.values():
        for f in found:
            factories.setdefault((canonical(f.name), canonical(f.address)), f)
    if not factories:
        return Raw(ZERO, f"no factory disclosed for the offered models{ignored}")
    schemes = {canonical(s) for s in p.schemes}
    oldest = add_months(deadline, -p.max_age_months) if deadline else None
    audited, lacking = 0, []
    for f in factories.values():
        why = None
        if f.last_audit is None or not (f.audit_scheme or "").strip():
            why = "no audit stated"
        elif schemes and canonical(f.audit_scheme) not in schemes:
            why = f"{f.audit_scheme} is not a recognised scheme"
        elif oldest is not None and f.last_audit < oldest:
            why = f"audit of {f.last_audit.isoformat()} older than {p.max_age_months} months"
        elif deadline is not None and f.last_audit > deadline:
            why = f"audit of {f.last_audit.isoformat()} after the bid deadline"
        if why:
            lacking.append(f"{f.name} ({why})")
        else:
            audited += 1
    share = (Decimal(audited) / len(factories)).quantize(RAW_PLACES, rounding=ROUND_HALF_UP)
    under = ", ".join(p.schemes) if p.schemes else "a stated scheme"
    gaps = f"; not counted: {'; '.join(lacking)}" if lacking else ""
    return Raw(
        share,
        f"{audited} of {len(factories)} disclosed factories audited under {under} within "
        f"{p.max_age_months} months of the bid deadline{gaps}{ignored}",
    )


def _aggregate(c: Criterion, bid: Bid) -> Raw:
    name = c.field.split(".", 1)[1]
    pairs = [(item, getattr(item, name)) for item in bid.items]
    missing = [item.row for item, v in pairs if v is None]
    if not pairs or missing:
        rows = ", ".join(str(r) for r in missing)
        return Raw(None, f"not stated for every item (Items row {rows})" if missing else "no items")
    values = [v if type(v) is Decimal else Decimal(v) for _, v in pairs]
    how = (c.aggregate or "").replace("_", " ")
    if c.aggregate == "min":
        result = min(values)
    elif c.aggregate == "max":
        result = max(values)
    elif c.aggregate == "mean":
        result = sum(values, ZERO) / len(values)
    else:
        weights = [(item.quantity if c.aggregate == "quantity_weighted_mean" else item.line_value) for item, _ in pairs]
        known = [Decimal(w) for w in weights if w is not None]
        if len(known) < len(weights) or sum(known) == 0:
            return Raw(None, "items without quantity or price")
        result = sum((w * v for w, v in zip(known, values)), ZERO) / sum(known)
    result = result.quantize(RAW_PLACES, rounding=ROUND_HALF_UP).normalize()
    return Raw(result, f"{how} over items {num(result)}{_unit(c)}")


# --- scores -------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    score: Decimal  # unrounded, on the scale
    rule: str  # the rule applied, for the explanation


@dataclass(frozen=True)
class Peers:
    """What a relative criterion compares a value with: the lowest and the highest raw value among the
    competing bids. Taken once per criterion, so scoring every bid costs linear time, not quadratic."""

    low: Decimal | None = None
    high: Decimal | None = None

    @classmethod
    def of(cls, values: list[Any]) -> Peers:
        numbers = [Decimal(v) for v in values if v is not None]
        return cls(min(numbers), max(numbers)) if numbers else cls()


NO_PEERS = Peers()


def score_of(c: Criterion, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
    """Score one raw value; `peers` sums up the raw values of every bid competing on this criterion (needed
    by relative criteria only)."""
    params = c.params
    if raw is None:
        return Scored(ZERO, "nothing to score")
    if isinstance(params, LinearParams):
        return _linear(params, Decimal(raw), scale, c)
    if isinstance(params, StepsParams):
        return _steps(params, Decimal(raw), c)
    if isinstance(params, YesNoParams):
        yes = scale if params.yes is None else params.yes
        return Scored(yes if raw else params.no, f"yes → {num(yes)}, no → {num(params.no)}")
    if isinstance(params, LookupParams):
        table = {canonical(k): v for k, v in params.values.items()}
        listing = ", ".join(f"{k} → {num(v)}" for k, v in params.values.items())
        return Scored(table.get(canonical(raw), params.otherwise), f"{listing}, other → {num(params.otherwise)}")
    if isinstance(params, (ShareParams, DisclosureParams)):
        return Scored(Decimal(raw) * scale, f"share × {num(scale)}")
    if isinstance(params, PanelParams):
        span = params.maximum - params.minimum
        return Scored(
            (Decimal(raw) - params.minimum) / span * scale,
            f"(consensus − {num(params.minimum)}) / {num(span)} × {num(scale)}",
        )
    if isinstance(params, MinMaxParams):
        return _min_max(params.objective, Decimal(raw), scale, peers, c)
    if isinstance(params, (RelativeParams, PriceParams)):
        return _relative("min" if isinstance(params, PriceParams) else params.objective, Decimal(raw), scale, peers, c)
    raise AssertionError(type(params))


def _linear(p: LinearParams, x: Decimal, scale: Decimal, c: Criterion) -> Scored:
    share = (x - p.worst) / (p.best - p.worst)
    share = min(max(share, ZERO), Decimal(1))
    return Scored(share * scale, f"linear {num(p.worst)}{_unit(c)} → 0, {num(p.best)}{_unit(c)} → {num(scale)}")


def _steps(p: StepsParams, x: Decimal, c: Criterion) -> Scored:
    reached = [
        s.score
        for s in p.steps
        if (s.at_least is not None and x >= s.at_least) or (s.at_most is not None and x <= s.at_most)
    ]
    ladder = ", ".join(
        f"{'≥' if s.at_least is not None else '≤'}{num(s.bound)}{_unit(c)} → {num(s.score)}" for s in p.steps
    )
    return Scored(max(reached, default=p.otherwise), f"steps {ladder}, else {num(p.otherwise)}")


def _min_max(objective: str, x: Decimal, scale: Decimal, peers: Peers, c: Criterion) -> Scored:
    low, high = _bounds(peers, x)
    best, worst = (low, high) if objective == "min" else (high, low)
    shown = (lambda v: money(v)) if c.field == "bid.total_price" else (lambda v: f"{num(v)}{_unit(c)}")
    rule = f"min-max: best {shown(best)} → {num(scale)}, worst {shown(worst)} → 0"
    if best == worst:
        return Scored(scale, rule)
    return Scored((x - worst) / (best - worst) * scale, rule)


def _bounds(peers: Peers, x: Decimal) -> tuple[Decimal, Decimal]:
    # A value is always among its peers; a call without them compares it with itself.
    low = x if peers.low is None else peers.low
    high = x if peers.high is None else peers.high
    return low, high


def _relative(objective: str, x: Decimal, scale: Decimal, peers: Peers, c: Criterion) -> Scored:
    low, high = _bounds(peers, x)
    if objective == "max":
        best = high
        score = scale if best == 0 else x / best * scale
        return Scored(score, f"value / best {num(best)}{_unit(c)} × {num(scale)}")
    best = low
    if c.field == "bid.total_price":
        rule = f"lowest price {money(best)} / price × {num(scale)}"
    else:
        rule = f"best {num(best)}{_unit(c)} / value × {num(scale)}"
    if x == 0:
        return Scored(scale, rule)
    return Scored(best / x * scale, rule)
