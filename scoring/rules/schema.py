"""Rule sets: versioned YAML files in rules/, loaded into typed models and checked on load.

A rule file that is wrong stops the evaluation with a RuleError naming the file,
the key and the problem; nothing is scored under a rule set that does not hold
(weights not summing to 100, a field that does not exist, a bad parameter).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, model_validator
from pydantic import Field as PField

from scoring.rules.methods import AwardMethod, Method, WeightedPoints

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
    all: list[Condition] | None = None
    any: list[Condition] | None = None

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
        name = (self.field or "").split(".", 1)[-1].replace("_", " ")
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

    def fields(self) -> list[str]:
        """The fields this condition reads (`supplier.<f>`, `items.<f>`)."""
        nested = (self.all or []) + (self.any or [])
        return ([self.field] if self.field else []) + [f for c in nested for f in c.fields()]


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

    @property
    def bound(self) -> Decimal:
        bound = self.at_least if self.at_least is not None else self.at_most
        assert bound is not None, "checked on load: exactly one of at_least, at_most"
        return bound


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
    components: list[str] | dict[str, list[str]] = []  # for every model, or per item category ("*": the rest)
    together: bool = True
    per: Literal["model", "value"] = "model"
    schemes: list[str] = []
    max_age_months: int = PField(default=36, gt=0)

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
    "disclosure": DisclosureParams,
}
# Functions whose score depends on the other bids: withdrawing a bid can change the others' order.
RELATIVE_FUNCTIONS = ("relative", "price_proportional", "min_max")
AGGREGATES = ("min", "max", "mean", "quantity_weighted_mean", "value_weighted_mean")


# --- the rule set ------------------------------------------------------------


class CriterionBase(Strict):
    """What every criterion declares; each scoring function adds its `function` tag and typed `params`."""

    id: str
    name: str
    names: dict[str, str] = {}  # the name in other languages (nl, fr, de): letters and reports use them
    group: str | None = None  # for reports: criteria that share a heading (e.g. life extension)
    weight: Decimal | None = PField(default=None, gt=0)  # weighted_points, price_quality_ratio
    money: Decimal | None = PField(default=None, gt=0)  # value_for_money: what a full score is worth
    weight_range: tuple[Decimal, Decimal] | None = None  # for the Monte Carlo robustness check
    field: str  # supplier.<f>, items.<f> (with aggregate), items (share_of_value), bid.total_price, panel, factories
    aggregate: Literal["min", "max", "mean", "quantity_weighted_mean", "value_weighted_mean"] | None = None
    unit: str = ""
    function: str
    params: Strict

    def title(self, language: str) -> str:
        """The criterion's name in a language, its `name` when the rule set gives none."""
        return self.names.get(language, self.name)

    def stake(self, method: AwardMethod) -> Decimal:
        """What the criterion carries under the method: its weight (%), or its money."""
        stake = self.money if method.stake == "money" else self.weight
        assert stake is not None, "checked on load: every criterion carries the method's stake"
        return stake

    @property
    def relative(self) -> bool:
        """Whether the score depends on the other bids (withdrawing a bid can change the others' order)."""
        return self.function in RELATIVE_FUNCTIONS

    @property
    def labels(self) -> list[str]:
        """The label requirements the criterion's condition refers to."""
        return self.params.where.labels() if isinstance(self.params, ShareParams) else []


class LinearCriterion(CriterionBase):
    function: Literal["linear"]
    params: LinearParams


class StepsCriterion(CriterionBase):
    function: Literal["steps"]
    params: StepsParams


class YesNoCriterion(CriterionBase):
    function: Literal["yes_no"]
    params: YesNoParams = YesNoParams()


class LookupCriterion(CriterionBase):
    function: Literal["lookup"]
    params: LookupParams


class RelativeCriterion(CriterionBase):
    function: Literal["relative"]
    params: RelativeParams


class PriceCriterion(CriterionBase):
    function: Literal["price_proportional"]
    params: PriceParams = PriceParams()


class MinMaxCriterion(CriterionBase):
    function: Literal["min_max"]
    params: MinMaxParams


class ShareCriterion(CriterionBase):
    function: Literal["share_of_value"]
    params: ShareParams


class PanelCriterion(CriterionBase):
    function: Literal["panel"]
    params: PanelParams = PanelParams()


class DisclosureCriterion(CriterionBase):
    function: Literal["disclosure"]
    params: DisclosureParams


def _function_of(value: Any) -> str | None:
    return (
        value.function
        if isinstance(value, CriterionBase)
        else value.get("function")
        if isinstance(value, dict)
        else None
    )


Criterion = Annotated[
    Annotated[LinearCriterion, Tag("linear")]
    | Annotated[StepsCriterion, Tag("steps")]
    | Annotated[YesNoCriterion, Tag("yes_no")]
    | Annotated[LookupCriterion, Tag("lookup")]
    | Annotated[RelativeCriterion, Tag("relative")]
    | Annotated[PriceCriterion, Tag("price_proportional")]
    | Annotated[MinMaxCriterion, Tag("min_max")]
    | Annotated[ShareCriterion, Tag("share_of_value")]
    | Annotated[PanelCriterion, Tag("panel")]
    | Annotated[DisclosureCriterion, Tag("disclosure")],
    Discriminator(_function_of, custom_error_type="unknown_function", custom_error_message="unknown scoring function"),
]


class Knockout(Strict):
    """A requirement every bid must meet: `check` on the bid, or `every_item` on each item."""

    id: str
    requirement: str
    requirements: dict[str, str] = {}  # the requirement in other languages (nl, fr, de)
    check: Condition | None = None
    every_item: Condition | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.check is None) == (self.every_item is None):
            raise ValueError("a knock-out needs exactly one of: check, every_item")
        return self

    def wording(self, language: str) -> str:
        return self.requirements.get(language, self.requirement)

    @property
    def condition(self) -> Condition:
        """The test, on the bid (`check`) or on each item (`every_item`)."""
        condition = self.check or self.every_item
        assert condition is not None, "checked on load: exactly one of check, every_item"
        return condition


class Rounding(Strict):
    """Scores and points are rounded to `places` decimals; total = sum of rounded points."""

    places: int = PField(default=2, ge=0, le=6)
    mode: Literal["half_up", "half_even", "down"] = "half_up"

    def quantize(self, value: Decimal) -> Decimal:
        mode = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}[self.mode]
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=mode)


TIE_BREAKS = ("lowest_price", "earliest_submission")


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


class Remedy(Strict):
    """A lapse the supplier must remedy within so many days of it (a contract condition, Art. 70)."""

    remedy_within_days: int = PField(gt=0)


OnLapse = Literal["notify"] | Remedy  # notify: the buyer is told and asks the supplier; no deadline


class FollowUp(Strict):
    """What the contract asks after award, for the follow-up of the winning bid's commitments."""

    notice_days: int = PField(default=60, ge=0)  # an item is due soon this many days before its date
    renewal_evidence_days: int = PField(default=30, ge=0)  # renewal evidence is due this long before an expiry
    disclosure_months: int = PField(default=12, gt=0)  # the factory list is disclosed again this often
    dialogue_months: int = PField(default=12, gt=0)  # Electronics Watch dialogue is reviewed this often
    on_lapse: OnLapse = "notify"  # what a lapse means under the contract, for every commitment ...
    on_lapse_of: dict[
        Literal["certificate", "factories", "ew_dialogue", "warranty", "spare_parts", "security_updates", "take_back"],
        OnLapse,
    ] = {}  # ... or per kind of commitment

    def lapse_of(self, kind: str) -> OnLapse:
        return self.on_lapse_of.get(kind, self.on_lapse)  # type: ignore[call-overload]


class RuleSet(Strict):
    id: str
    version: str
    title: str
    source: str = ""  # where the criteria come from
    method: Method = WeightedPoints()
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
    follow_up: FollowUp = FollowUp()

    def fields_read(self) -> set[str]:
        """Every bid field a criterion or knock-out reads (`supplier.<f>`, `items.<f>`): a defect in one
        of them goes to the substance of the offer, whatever the template declares."""
        read = {c.field for c in self.criteria}
        read |= {f for c in self.criteria if isinstance(c.params, ShareParams) for f in c.params.where.fields()}
        read |= {f for k in self.knockouts for f in k.condition.fields()}
        if any(c.field == "items" or c.field == "bid.total_price" for c in self.criteria):
            read |= {"items.quantity", "items.unit_price"}
        if self.scores_transparency:
            read |= {"items.model", "items.quantity", "items.unit_price"}
        return read

    @property
    def scores_transparency(self) -> bool:
        """Whether a criterion scores the disclosed factories."""
        return any(isinstance(c.params, DisclosureParams) for c in self.criteria)
