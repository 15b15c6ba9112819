"""Scoring functions as kernels behind one contract: from a bid's fields to a score, every step a fact.

A scoring function is one class (`ScoringFunction`) holding its typed parameters (`Params`), the checks of a
criterion that uses it against the field it reads (`check`), its raw value (`raw`: what it measured, with the
words of it), its score on the rule set's scale (`score`: with the rule it applied), how reports show its raw
value (`shown`), and whether its score depends on the other bids (`relative`). `register()` adds one; the
rule schema's criteria, the function list of `check-rules`, the checks and every report are built from
`FUNCTIONS`, so a new function is a change in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import Field as PField
from pydantic import model_validator

from scoring.dates import add_months
from scoring.facts import N_, Fact, Listing, Money, Quantity, english, fact
from scoring.intake.template import Kind
from scoring.models import Bid, Factory
from scoring.names import normalise_model
from scoring.rules.conditions import (
    Condition,
    Context,
    Strict,
    Wrong,
    canonical,
    condition_problems,
    field_kind,
    field_value,
    holding,
)

if TYPE_CHECKING:
    from scoring.rules.schema import CriterionBase, RuleSet

ZERO = Decimal(0)
RAW_PLACES = Decimal("0.0001")  # shares and means are rounded half-up to 4 places before scoring
AGGREGATE_WORDS = {
    "min": N_("min"),
    "max": N_("max"),
    "mean": N_("mean"),
    "quantity_weighted_mean": N_("quantity weighted mean"),
    "value_weighted_mean": N_("value weighted mean"),
}
Shown = Literal["money", "percent", "number"]


@dataclass(frozen=True)
class Raw:
    value: Any  # what the criterion measured, None when not stated
    fact: Fact  # how it reads in an explanation

    @property
    def text(self) -> str:
        return english(self.fact)


@dataclass(frozen=True)
class Scored:
    score: Decimal  # unrounded, on the scale
    rule: Fact  # the rule applied, for the explanation

    @property
    def text(self) -> str:
        return english(self.rule)


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


# --- the contract --------------------------------------------------------------------------------------------


class ScoringFunction:
    """What every scoring function is. Subclasses set `name` and `Params` and implement `score`; most read one
    field through `raw` as it is (`FieldFunction`)."""

    name: ClassVar[str]
    Params: ClassVar[type[Strict]]
    params_optional: ClassVar[bool] = False  # a criterion may leave `params` out (all have defaults)
    relative: ClassVar[bool] = False  # the score depends on the other bids: withdrawing one can change it
    judged: ClassVar[bool] = False  # evaluators judge it (panel sheets), no field of the bid
    transparency: ClassVar[bool] = False  # it scores the disclosed factories
    summary: ClassVar[str] = ""  # what it does, for check-rules and the rule language's documentation

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        """The problems of a criterion using this function: the field it reads, its parameters."""
        yield from ()

    def raw(self, c: CriterionBase, bid: Bid, ctx: Context) -> Raw:
        raise NotImplementedError

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        raise NotImplementedError

    def shown(self, c: CriterionBase) -> Shown:
        """How reports show its raw value."""
        return "money" if c.field == "bid.total_price" else "number"

    def scores(self, params: Any) -> list[tuple[str, Decimal]]:
        """The scores its parameters give (key below `params`, score): each must lie on the scale."""
        return []

    def labels(self, c: CriterionBase) -> list[str]:
        """The label requirements it refers to."""
        return []

    def fields(self, c: CriterionBase) -> set[str]:
        """The bid fields it reads: a defect in one goes to the substance of the offer."""
        return {c.field}


FUNCTIONS: dict[str, ScoringFunction] = {}


K = TypeVar("K", bound=type[ScoringFunction])


def register(kernel: K) -> K:
    """Make a scoring function available to rule sets by its name (the rule schema reads the registry); as a
    class decorator."""
    FUNCTIONS[kernel.name] = kernel()
    return kernel


# --- reading a field -----------------------------------------------------------------------------------------


def unit_of(c: CriterionBase, value: Decimal) -> Quantity:
    return Quantity(value, c.unit)


class FieldFunction(ScoringFunction):
    """A function of one field of the bid (or an aggregate of its items' values)."""

    kinds: ClassVar[tuple[Kind, ...] | None] = None  # the field kinds it takes; None: any
    needs: ClassVar[str] = ""  # what kind of field, in the problem's words

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        kind = field_kind(c.field, item_context=False, aggregate=c.aggregate)
        if self.kinds is not None and kind not in self.kinds:
            yield Wrong("field", f"{self.name} needs {self.needs} field; {c.field} is not one")

    def raw(self, c: CriterionBase, bid: Bid, ctx: Context) -> Raw:
        if c.field.startswith("items."):
            return _aggregate(c, bid)
        value = field_value(bid, c.field)
        if value is None:
            return Raw(None, fact(N_("not stated")))
        if c.field == "bid.total_price":
            return Raw(value, fact(N_("total price %(price)s"), price=Money(value)))
        if isinstance(value, bool):
            return Raw(value, fact(N_("yes")) if value else fact(N_("no")))
        if isinstance(value, Decimal):
            return Raw(value, fact("%(value)s", value=unit_of(c, value)))
        return Raw(value, fact("%(value)s", value=repr(value)))


NUMERIC = (Kind.DECIMAL, Kind.INTEGER)


def _aggregate(c: CriterionBase, bid: Bid) -> Raw:
    name = c.field.split(".", 1)[1]
    pairs = [(item, getattr(item, name)) for item in bid.items]
    missing = [item.row for item, v in pairs if v is None]
    if not pairs or missing:
        if missing:
            rows = ", ".join(str(r) for r in missing)
            return Raw(None, fact(N_("not stated for every item (Items row %(rows)s)"), rows=rows))
        return Raw(None, fact(N_("no items")))
    values = [v if type(v) is Decimal else Decimal(v) for _, v in pairs]
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
            return Raw(None, fact(N_("items without quantity or price")))
        result = sum((w * v for w, v in zip(known, values)), ZERO) / sum(known)
    result = result.quantize(RAW_PLACES, rounding=ROUND_HALF_UP).normalize()
    how = fact(AGGREGATE_WORDS[c.aggregate or "mean"])
    return Raw(result, fact(N_("%(how)s over items %(value)s"), how=how, value=unit_of(c, result)))


def _bounds(peers: Peers, x: Decimal) -> tuple[Decimal, Decimal]:
    # A value is always among its peers; a call without them compares it with itself.
    low = x if peers.low is None else peers.low
    high = x if peers.high is None else peers.high
    return low, high


def _shown(c: CriterionBase, value: Decimal) -> Any:
    return Money(value) if c.field == "bid.total_price" else unit_of(c, value)


# --- the functions -------------------------------------------------------------------------------------------


class LinearParams(Strict):
    """0 points at `worst`, full score at `best`, straight line between, clamped outside."""

    worst: Decimal
    """The value that scores 0."""
    best: Decimal
    """The value that scores the full scale (below worst when lower is better)."""

    @model_validator(mode="after")
    def _distinct(self):
        if self.worst == self.best:
            raise ValueError("worst and best must differ")
        return self


@register
class Linear(FieldFunction):
    name = "linear"
    Params = LinearParams
    kinds, needs = NUMERIC, "a numeric"
    summary = "0 at worst, the full scale at best, straight between, clamped; best < worst for lower-is-better"

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        p: LinearParams = c.params
        share = (Decimal(raw) - p.worst) / (p.best - p.worst)
        share = min(max(share, ZERO), Decimal(1))
        rule = fact(
            N_("linear %(worst)s → 0, %(best)s → %(scale)s"),
            worst=unit_of(c, p.worst),
            best=unit_of(c, p.best),
            scale=scale,
        )
        return Scored(share * scale, rule)


class Step(Strict):
    at_least: Decimal | None = None
    """The step is reached at this value or above."""
    at_most: Decimal | None = None
    """The step is reached at this value or below."""
    score: Decimal
    """What reaching the step scores."""

    @model_validator(mode="after")
    def _one_bound(self):
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a step needs exactly one of at_least, at_most")
        return self

    @property
    def bound(self) -> Decimal:
        bound = self.at_least if self.at_least is not None else self.at_most
        assert bound is not None, "checked on load: exactly one of at_least, at_most"
        return bound


class StepsParams(Strict):
    """The highest score among the steps the value reaches; `otherwise` when none."""

    steps: list[Step] = PField(min_length=1)
    """The ladder: all at_least, or all at_most."""
    otherwise: Decimal = ZERO
    """The score when no step is reached."""


@register
class Steps(FieldFunction):
    name = "steps"
    Params = StepsParams
    kinds, needs = NUMERIC, "a numeric"
    summary = "the highest score among the steps reached (all at_least, or all at_most), else otherwise"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        yield from super().check(c, rules)
        if len({s.at_least is not None for s in c.params.steps}) > 1:
            yield Wrong("params.steps", "steps mix at_least and at_most; a ladder goes one way")

    def scores(self, params: Any) -> list[tuple[str, Decimal]]:
        return [(f"steps.{i}.score", s.score) for i, s in enumerate(params.steps)] + [("otherwise", params.otherwise)]

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        p: StepsParams = c.params
        x = Decimal(raw)
        reached = [
            s.score
            for s in p.steps
            if (s.at_least is not None and x >= s.at_least) or (s.at_most is not None and x <= s.at_most)
        ]
        ladder = Listing(
            tuple(
                fact(
                    "≥%(bound)s → %(score)s" if s.at_least is not None else "≤%(bound)s → %(score)s",
                    bound=unit_of(c, s.bound),
                    score=s.score,
                )
                for s in p.steps
            )
        )
        rule = fact(N_("steps %(ladder)s, else %(otherwise)s"), ladder=ladder, otherwise=p.otherwise)
        return Scored(max(reached, default=p.otherwise), rule)


class YesNoParams(Strict):
    yes: Decimal | None = None
    """The score of yes (the full scale when left out)."""
    no: Decimal = ZERO
    """The score of no."""


@register
class YesNo(FieldFunction):
    name = "yes_no"
    Params = YesNoParams
    params_optional = True
    kinds, needs = (Kind.YES_NO,), "a Yes/No"
    summary = "yes (default: the full scale) or no (default 0), on a Yes/No field"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        kind = field_kind(c.field, item_context=False, aggregate=c.aggregate)
        if kind is not Kind.YES_NO:
            yield Wrong("field", f"yes_no needs a Yes/No field; {c.field} is not one")

    def scores(self, params: Any) -> list[tuple[str, Decimal]]:
        return [("no", params.no)] + ([("yes", params.yes)] if params.yes is not None else [])

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        p: YesNoParams = c.params
        yes = scale if p.yes is None else p.yes
        return Scored(yes if raw else p.no, fact(N_("yes → %(yes)s, no → %(no)s"), yes=yes, no=p.no))


class LookupParams(Strict):
    """A score per text value (compared case-insensitively), `otherwise` for the rest."""

    values: dict[str, Decimal] = PField(min_length=1)
    """The score of each text value."""
    otherwise: Decimal = ZERO
    """The score of any other value."""


@register
class Lookup(FieldFunction):
    name = "lookup"
    Params = LookupParams
    kinds, needs = (Kind.TEXT, Kind.CHOICE, Kind.YES_NO_NA), "a text"
    summary = "a score per text value (compared case-insensitively), otherwise for the rest"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        kind = field_kind(c.field, item_context=False, aggregate=c.aggregate)
        if kind not in self.kinds:
            yield Wrong("field", f"lookup needs a text field; {c.field} is not one")

    def scores(self, params: Any) -> list[tuple[str, Decimal]]:
        return [(f"values.{k}", v) for k, v in params.values.items()] + [("otherwise", params.otherwise)]

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        p: LookupParams = c.params
        table = {canonical(k): v for k, v in p.values.items()}
        listing = Listing(tuple(fact("%(value)s → %(score)s", value=k, score=v) for k, v in p.values.items()))
        rule = fact(N_("%(values)s, other → %(otherwise)s"), values=listing, otherwise=p.otherwise)
        return Scored(table.get(canonical(raw), p.otherwise), rule)


class RelativeParams(Strict):
    """Proportional to the best bid: value / best (max) or best / value (min)."""

    objective: Literal["min", "max"]
    """Whether the lowest (min) or the highest (max) value is best."""


def _relative(objective: str, x: Decimal, scale: Decimal, peers: Peers, c: CriterionBase) -> Scored:
    low, high = _bounds(peers, x)
    if objective == "max":
        best = high
        score = scale if best == 0 else x / best * scale
        return Scored(score, fact(N_("value / best %(best)s × %(scale)s"), best=unit_of(c, best), scale=scale))
    best = low
    if c.field == "bid.total_price":
        rule = fact(N_("lowest price %(best)s / price × %(scale)s"), best=Money(best), scale=scale)
    else:
        rule = fact(N_("best %(best)s / value × %(scale)s"), best=unit_of(c, best), scale=scale)
    if x == 0:
        return Scored(scale, rule)
    return Scored(best / x * scale, rule)


@register
class Relative(FieldFunction):
    name = "relative"
    Params = RelativeParams
    kinds, needs = NUMERIC, "a numeric"
    relative = True
    summary = "value / best × scale (max) or best / value × scale (min), best among the competing bids"

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        return _relative(c.params.objective, Decimal(raw), scale, peers, c)


class PriceParams(Strict):
    """lowest price / price × scale."""


@register
class PriceProportional(FieldFunction):
    name = "price_proportional"
    Params = PriceParams
    params_optional = True
    relative = True
    summary = "lowest price / price × scale, lowest among the bids not rejected or excluded"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        if c.field != "bid.total_price":
            yield Wrong("field", "price_proportional scores the bid's total price: set field: bid.total_price")
        else:
            yield from super().check(c, rules)

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        return _relative("min", Decimal(raw), scale, peers, c)


class MinMaxParams(Strict):
    """Full score for the best competing bid, 0 for the worst, straight between (min-max over the bids)."""

    objective: Literal["min", "max"]
    """Whether the lowest (min) or the highest (max) value is best."""


@register
class MinMax(FieldFunction):
    name = "min_max"
    Params = MinMaxParams
    kinds, needs = NUMERIC, "a numeric"
    relative = True
    summary = "the full scale for the best competing bid, 0 for the worst, straight between"

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        x = Decimal(raw)
        low, high = _bounds(peers, x)
        best, worst = (low, high) if c.params.objective == "min" else (high, low)
        rule = fact(
            N_("min-max: best %(best)s → %(scale)s, worst %(worst)s → 0"),
            best=_shown(c, best),
            worst=_shown(c, worst),
            scale=scale,
        )
        if best == worst:
            return Scored(scale, rule)
        return Scored((x - worst) / (best - worst) * scale, rule)


class ShareParams(Strict):
    """The share of the bid's line value (quantity × unit price) on items meeting `where`."""

    where: Condition
    """The condition an item must meet for its line value to count."""


@register
class ShareOfValue(ScoringFunction):
    name = "share_of_value"
    Params = ShareParams
    summary = "the scale × the share of line value (quantity × unit price) on items meeting `where`"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        if c.field != "items" or c.aggregate:
            yield Wrong("field", "share_of_value reads the items: set field: items and no aggregate")
        for key, problem in condition_problems(c.params.where, "params.where", item_context=True, labels=rules.labels):
            yield Wrong(key, problem)

    def shown(self, c: CriterionBase) -> Shown:
        return "percent"

    def labels(self, c: CriterionBase) -> list[str]:
        return c.params.where.labels()

    def fields(self, c: CriterionBase) -> set[str]:
        return {"items", *c.params.where.fields()}

    def raw(self, c: CriterionBase, bid: Bid, ctx: Context) -> Raw:
        where: Condition = c.params.where
        lines = list(zip((item.line_value for item in bid.items), holding(where, bid, ctx), strict=True))
        total = sum((v for v, _ in lines if v is not None), ZERO)
        if not lines or total == 0 or any(v is None for v, _ in lines):
            return Raw(None, fact(N_("no priced items")))
        met = sum((v for v, ok in lines if ok and v is not None), ZERO)
        share = (met / total).quantize(RAW_PLACES, rounding=ROUND_HALF_UP)
        return Raw(
            share,
            fact(
                N_("%(share)s %% of line value %(condition)s"), share=share * 100, condition=where.describe(ctx.names)
            ),
        )

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        return Scored(Decimal(raw) * scale, fact(N_("share × %(scale)s"), scale=scale))


class PanelParams(Strict):
    """A judged criterion: evaluators score each bid on `minimum`..`maximum` in their score sheets."""

    minimum: Decimal = ZERO
    """The lowest score an evaluator may give."""
    maximum: Decimal = Decimal(5)
    """The highest score an evaluator may give."""
    consensus: Literal["mean", "median", "moderated"] = "mean"
    """How the evaluators' scores become one: mean, median, or moderated by the chair."""
    max_spread: Decimal | None = None
    """Flag a bid when evaluators differ by more than this."""
    comment_required: bool = False
    """Whether every score needs a comment."""
    evaluators: list[str] = []
    """Who must score; a missing score is an issue, never a zero."""

    @model_validator(mode="after")
    def _range(self):
        if self.maximum <= self.minimum:
            raise ValueError("maximum must be above minimum")
        return self


CONSENSUS_WORDS = {"mean": N_("mean"), "median": N_("median"), "moderated": N_("moderated")}


@register
class Panel(ScoringFunction):
    name = "panel"
    Params = PanelParams
    params_optional = True
    judged = True
    summary = "evaluators score on minimum..maximum in panel/ score sheets; (consensus − minimum) / span × scale"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        if c.field != "panel" or c.aggregate:
            yield Wrong("field", "a panel criterion is judged by evaluators: set field: panel")

    def fields(self, c: CriterionBase) -> set[str]:
        return set()

    def raw(self, c: CriterionBase, bid: Bid, ctx: Context) -> Raw:
        p: PanelParams = c.params
        outcome = ctx.panel.get(c.id)
        if outcome is None or outcome.consensus is None:
            return Raw(None, fact(N_("no panel score yet")))
        if outcome.moderated:
            how = fact(N_("moderated"))
        else:
            how = fact(
                N_("%(method)s of %(count)s"), method=fact(CONSENSUS_WORDS[outcome.method]), count=len(outcome.scores)
            )
        return Raw(
            outcome.consensus,
            fact(
                N_("panel %(how)s %(consensus)s on %(minimum)s..%(maximum)s"),
                how=how,
                consensus=outcome.consensus,
                minimum=p.minimum,
                maximum=p.maximum,
            ),
        )

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        p: PanelParams = c.params
        span = p.maximum - p.minimum
        return Scored(
            (Decimal(raw) - p.minimum) / span * scale,
            fact(N_("(consensus − %(minimum)s) / %(span)s × %(scale)s"), minimum=p.minimum, span=span, scale=scale),
        )


class DisclosureParams(Strict):
    """Supply-chain transparency, from the factories the bid discloses (its Factories sheet or factory list).

    A factory counts as disclosed when its row names the factory, country, city and address, for an offered
    model (or `all`); rows for models not offered do not count.
    - `final_assembly`: the share of offered models whose final assembly factory is disclosed;
    - `components`: the share whose factories are disclosed for the listed components, every one of them
      (`together: true`) or each on its own (`together: false`: each model-component pair counts); the
      components may be listed per item category (`{notebook: [battery, display], monitor: [display]}`);
    - `audits`: the share of the disclosed factories with a social audit under one of `schemes` (any stated
      scheme when empty) dated at most `max_age_months` before the bid deadline.
    `per: value` weighs models by their line value instead of counting them (final_assembly, components)."""

    measure: Literal["final_assembly", "components", "audits"]
    """What is measured: final_assembly, components or audits."""
    components: list[str] | dict[str, list[str]] = []
    """The components whose factories count, for every model or per item category ('*': the rest)."""
    together: bool = True
    """True: a model counts with all its components disclosed; false: each model-component pair counts."""
    per: Literal["model", "value"] = "model"
    """Count models (model) or weigh them by their line value (value)."""
    schemes: list[str] = []
    """The social audit schemes that count (any stated scheme when empty)."""
    max_age_months: int = PField(default=36, gt=0)
    """How old an audit may be at the bid deadline."""

    def components_of(self, category: str | None) -> list[str]:
        """The components whose factories a model of this category must disclose."""
        if isinstance(self.components, list):
            return self.components
        wanted = {k.casefold(): v for k, v in self.components.items()}
        return wanted.get((category or "").casefold(), wanted.get("*", []))

    @model_validator(mode="after")
    def _components(self):
        if self.measure == "components" and not self.components:
            raise ValueError("the components measure needs the components it asks for, e.g. [display, battery]")
        if self.measure == "audits" and self.per == "value":
            raise ValueError("audits are counted per factory: remove per")
        return self


@register
class Disclosure(ScoringFunction):
    name = "disclosure"
    Params = DisclosureParams
    transparency = True
    summary = "the scale × the share of offered models whose factories are disclosed, or of audited factories"

    def check(self, c: CriterionBase, rules: RuleSet) -> Iterator[Wrong]:
        if c.field != "factories" or c.aggregate:
            yield Wrong("field", "disclosure scores the disclosed factories: set field: factories and no aggregate")

    def shown(self, c: CriterionBase) -> Shown:
        return "percent"

    def fields(self, c: CriterionBase) -> set[str]:
        return {"factories", "items.model", "items.quantity", "items.unit_price"}

    def raw(self, c: CriterionBase, bid: Bid, ctx: Context) -> Raw:
        return disclosure(c.params, bid, ctx.deadline)

    def score(self, c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
        if raw is None:
            return Scored(ZERO, fact(N_("nothing to score")))
        return Scored(Decimal(raw) * scale, fact(N_("share × %(scale)s"), scale=scale))


# --- supply-chain transparency ---------------------------------------------------------------------------------


FINAL_ASSEMBLY = "final assembly"
COMPONENT = "component"


def complete(f: Factory) -> bool:
    """A disclosed factory: named, with its country, city and address."""
    return all((v or "").strip() for v in (f.name, f.country, f.city, f.address))


def disclosure(p: DisclosureParams, bid: Bid, deadline: date | None) -> Raw:  # noqa: C901
    """The share of the offered models (or of their line value) whose factories are disclosed, or of the
    disclosed factories with a recent social audit; the explanation names what is missing."""
    offered: dict[str, tuple[str | Fact, Decimal | None]] = {}  # normalised model -> (as written, weight)
    category: dict[str, str | None] = {}
    for item in bid.items:
        shown: str | Fact = item.model or fact(N_("(no model, Items row %(row)s)"), row=item.row)
        key = normalise_model(item.model or f"(no model, Items row {item.row})")
        weight = Decimal(1) if p.per == "model" else item.line_value
        first, known = offered.get(key, (shown, ZERO))
        offered[key] = (first, None if known is None or weight is None else known + weight)
        category.setdefault(key, item.category)
    if not offered:
        return Raw(None, fact(N_("no items")))
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
    ignored = (
        fact(N_("; rows for models not offered do not count (%(models)s)"), models=", ".join(dict.fromkeys(elsewhere)))
        if elsewhere
        else ""
    )
    if p.measure == "audits":
        return _audits(p, rows, deadline, ignored)
    if any(w is None for _, w in offered.values()):
        return Raw(None, fact(N_("no priced items")))
    credit: dict[str, Decimal] = {}
    missing: list[Any] = []
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
        fractions.append(
            fact(
                N_("%(model)s %(have)s of %(wanted)s"), model=shown, have=len(wanted) - len(lacking), wanted=len(wanted)
            )
        )
        if not wanted:
            credit[key] = Decimal(1)
        else:
            credit[key] = Decimal(not lacking) if p.together else Decimal(len(wanted) - len(lacking)) / len(wanted)
        missing += [fact("%(model)s (%(components)s)", model=shown, components=", ".join(lacking))] if lacking else []
    total = sum((w or ZERO for _, w in offered.values()), ZERO)
    if total == 0:
        return Raw(None, fact(N_("no priced items")))
    share = (sum((credit[k] * (w or ZERO) for k, (_, w) in offered.items()), ZERO) / total).quantize(
        RAW_PLACES, rounding=ROUND_HALF_UP
    )
    what: Fact
    if p.measure == "final_assembly":
        what = fact(N_("final assembly factory"))
    elif isinstance(p.components, list):
        what = fact(N_("%(components)s factories"), components=", ".join(p.components))
    else:
        listed = "; ".join(f"{k}: {', '.join(v)}" for k, v in p.components.items())
        what = fact(N_("component factories (%(components)s)"), components=listed)
    base: Fact
    if p.per == "value":
        base = (
            fact(
                N_("%(share)s %% of line value (%(fractions)s)"), share=share * 100, fractions=Listing(tuple(fractions))
            )
            if fractions
            else fact(N_("%(share)s %% of line value"), share=share * 100)
        )
    elif p.measure == "components" and not p.together:
        base = fact(N_("each model in proportion (%(fractions)s)"), fractions=Listing(tuple(fractions)))
    else:
        base = fact(
            N_("%(credited)s of %(models)s models"), credited=int(sum(credit.values(), ZERO)), models=len(offered)
        )
    gaps = fact(N_("; missing: %(missing)s"), missing=Listing(tuple(missing), "; ")) if missing else ""
    return Raw(
        share,
        fact(
            N_("%(what)s disclosed for %(base)s%(gaps)s%(ignored)s"), what=what, base=base, gaps=gaps, ignored=ignored
        ),
    )


def _audits(p: DisclosureParams, rows: dict[str, list[Factory]], deadline: date | None, ignored: Any) -> Raw:
    factories: dict[tuple, Factory] = {}
    for found in rows.values():
        for f in found:
            factories.setdefault((canonical(f.name), canonical(f.address)), f)
    if not factories:
        return Raw(ZERO, fact(N_("no factory disclosed for the offered models%(ignored)s"), ignored=ignored))
    schemes = {canonical(s) for s in p.schemes}
    oldest = add_months(deadline, -p.max_age_months) if deadline else None
    audited, lacking = 0, []
    for f in factories.values():
        why = None
        if f.last_audit is None or not (f.audit_scheme or "").strip():
            why = fact(N_("no audit stated"))
        elif schemes and canonical(f.audit_scheme) not in schemes:
            why = fact(N_("%(scheme)s is not a recognised scheme"), scheme=f.audit_scheme)
        elif oldest is not None and f.last_audit < oldest:
            why = fact(N_("audit of %(date)s older than %(months)s months"), date=f.last_audit, months=p.max_age_months)
        elif deadline is not None and f.last_audit > deadline:
            why = fact(N_("audit of %(date)s after the bid deadline"), date=f.last_audit)
        if why:
            lacking.append(fact("%(factory)s (%(why)s)", factory=f.name or "", why=why))
        else:
            audited += 1
    share = (Decimal(audited) / len(factories)).quantize(RAW_PLACES, rounding=ROUND_HALF_UP)
    under = ", ".join(p.schemes) if p.schemes else fact(N_("a stated scheme"))
    gaps = fact(N_("; not counted: %(factories)s"), factories=Listing(tuple(lacking), "; ")) if lacking else ""
    return Raw(
        share,
        fact(
            N_(
                "%(audited)s of %(factories)s disclosed factories audited under %(schemes)s within %(months)s months "
                "of the bid deadline%(gaps)s%(ignored)s"
            ),
            audited=audited,
            factories=len(factories),
            schemes=under,
            months=p.max_age_months,
            gaps=gaps,
            ignored=ignored,
        ),
    )


# --- what the award stage calls --------------------------------------------------------------------------------


def raw_value(c: CriterionBase, bid: Bid, ctx: Context) -> Raw:
    return c.kernel.raw(c, bid, ctx)


def score_of(c: CriterionBase, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
    """Score one raw value; `peers` sums up the raw values of every bid competing on this criterion (needed
    by relative criteria only)."""
    return c.kernel.score(c, raw, scale, peers)
