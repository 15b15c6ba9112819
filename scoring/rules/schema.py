"""Rule sets: versioned YAML files in rules/, loaded into typed models and checked on load.

A rule file that is wrong stops the evaluation with a RuleError naming the file,
the key and the problem; nothing is scored under a rule set that does not hold
(weights not summing to 100, a field that does not exist, a bad parameter).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import Field as PField
from pydantic import SerializeAsAny, ValidationError, create_model, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from scoring.rules.conditions import AGGREGATES, Condition, Strict
from scoring.rules.functions import FUNCTIONS, ScoringFunction
from scoring.rules.methods import AwardMethod, Method, WeightedPoints

__all__ = ["AGGREGATES", "FUNCTIONS", "Condition", "Criterion", "CriterionBase", "RuleSet", "Strict"]

HUNDRED = Decimal(100)


# --- the rule set ------------------------------------------------------------


class CriterionBase(Strict):
    """What every criterion declares; each scoring function adds its `function` tag and typed `params`
    (`criterion_model`), and its kernel (`rules/functions.py`) gives it meaning."""

    id: str
    """The criterion's identifier, unique in the rule set (reviews, panel sheets and reports refer to it)."""
    name: str
    """The criterion's name, as reports and letters show it."""
    names: dict[str, str] = {}
    """The name in other languages (nl, fr, de): letters and reports in those languages use it."""
    description: str | None = None
    """How it is scored, as the tender documents state it (the award notice's BT-540); a library entry's text."""
    descriptions: dict[str, str] = {}
    """The description in other languages (nl, fr, de)."""
    group: str | None = None
    """A heading the criterion shares with others in reports (e.g. life extension)."""
    weight: Decimal | None = PField(default=None, gt=0)
    """Its weight in percent (weighted_points, price_quality_ratio); the weights sum to 100."""
    money: Decimal | None = PField(default=None, gt=0)
    """Under value_for_money: what a full score is worth, in the tender's currency."""
    weight_range: tuple[Decimal, Decimal] | None = None
    """The lowest and highest defensible weight: the Monte Carlo robustness check draws weights in it."""
    field: str
    """What it reads: supplier.<f>, items.<f> (with an aggregate), items, bid.total_price, panel or factories."""
    aggregate: Literal["min", "max", "mean", "quantity_weighted_mean", "value_weighted_mean"] | None = None
    """How an items.<field> becomes one value for the bid."""
    unit: str = ""
    """The raw value's unit as reports show it (e.g. months, %, kWh)."""
    units: dict[str, str] = {}
    """The unit in other languages, when it is not one every report words (y, %, kWh/y: rules/units.py)."""
    function: str
    """The scoring function (tenderscore check-rules lists them)."""
    params: Any = None
    """The scoring function's parameters."""

    @property
    def kernel(self) -> ScoringFunction:
        """The scoring function this criterion uses."""
        return FUNCTIONS[self.function]

    def title(self, language: str) -> str:
        """The criterion's name in a language, its `name` when the rule set gives none."""
        return self.names.get(language, self.name)

    def described(self, language: str) -> str | None:
        """The description in a language: its `description` only for English, none when not worded in it."""
        return self.descriptions.get(language) or (self.description if language == "en" else None)

    def stake(self, method: AwardMethod) -> Decimal:
        """What the criterion carries under the method: its weight (%), or its money."""
        stake = self.money if method.stake == "money" else self.weight
        assert stake is not None, "checked on load: every criterion carries the method's stake"
        return stake

    @property
    def relative(self) -> bool:
        """Whether the score depends on the other bids (withdrawing a bid can change the others' order)."""
        return self.kernel.relative

    @property
    def labels(self) -> list[str]:
        """The label requirements the criterion refers to."""
        return self.kernel.labels(self)


Criterion = CriterionBase  # a criterion of any scoring function (its class is made per function)
_MODELS: dict[str, type[CriterionBase]] = {}


def criterion_model(kernel: ScoringFunction) -> type[CriterionBase]:
    """The criterion class of a scoring function: `function` fixed to its name, `params` typed by it."""
    known = _MODELS.get(kernel.name)
    if known is not None and known.model_fields["params"].annotation is kernel.Params:
        return known
    default = kernel.Params() if kernel.params_optional else ...
    model = create_model(
        _title(kernel.name),
        __base__=CriterionBase,
        __module__=__name__,
        function=(Literal[kernel.name], ...),  # type: ignore[arg-type]  # one literal per registered name
        params=(kernel.Params, default),
    )
    _MODELS[kernel.name] = model
    return model


def _title(name: str) -> str:
    return "".join(part.title() for part in name.split("_")) + "Criterion"


def __getattr__(name: str) -> Any:
    """A criterion class by its name (PriceProportionalCriterion): what pickle looks up, so that a rule set
    or an evaluation can cross to another process (the workspace computes evaluations in one)."""
    kernel = next((k for k in FUNCTIONS.values() if _title(k.name) == name), None)
    if kernel is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return criterion_model(kernel)


def criteria_of(entries: Any) -> tuple[list[Any], list[InitErrorDetails]]:
    """Each entry as the criterion of its scoring function, and the errors of those that are not one: the
    registry decides, so a function registered at any time is read like the others."""
    out, errors = [], []
    for n, entry in enumerate(entries):
        if isinstance(entry, CriterionBase):
            out.append(entry)
            continue
        function = entry.get("function") if isinstance(entry, dict) else None
        kernel = FUNCTIONS.get(function) if isinstance(function, str) else None
        if kernel is None:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError(
                        "unknown_function",
                        "unknown scoring function; use one of: {functions}",
                        {"functions": ", ".join(FUNCTIONS)},
                    ),
                    loc=(n, "function") if isinstance(entry, dict) else (n,),
                    input=function if isinstance(entry, dict) else entry,
                )
            )
            continue
        try:
            out.append(criterion_model(kernel).model_validate(entry))
        except ValidationError as exc:
            errors += [
                InitErrorDetails(type=e["type"], loc=(n, *e["loc"]), input=e.get("input"), ctx=e.get("ctx", {}))
                if "ctx" in e
                else InitErrorDetails(type=e["type"], loc=(n, *e["loc"]), input=e.get("input"))
                for e in exc.errors()
            ]
    return out, errors


class Knockout(Strict):
    """A requirement every bid must meet: `check` on the bid, or `every_item` on each item."""

    id: str
    """The requirement's identifier."""
    requirement: str
    """The requirement in words, as the bidder is told it when the bid fails it."""
    requirements: dict[str, str] = {}
    """The requirement in other languages (nl, fr, de)."""
    check: Condition | None = None
    """A condition on the bid."""
    every_item: Condition | None = None
    """A condition every item of the bid must meet."""

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
    """Decimal places of scores and points."""
    mode: Literal["half_up", "half_even", "down"] = "half_up"
    """How they are rounded; the total is the sum of the rounded points."""

    def quantize(self, value: Decimal) -> Decimal:
        mode = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}[self.mode]
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=mode)


TIE_BREAKS = ("lowest_price", "earliest_submission")


class AbnormallyLow(Strict):
    """When a price asks for an explanation (Art. 69): never an exclusion by itself."""

    below_mean_of_others_pct: Decimal | None = None
    """Ask for an explanation when a price is this many percent below the mean of the others."""
    below_next_pct: Decimal | None = None
    """Ask for an explanation when a price is this many percent below the next lowest."""


class Robustness(Strict):
    weight_change_pp: Decimal = Decimal(20)
    """How far weight sensitivity looks, in percentage points."""
    draws: int = PField(default=2000, ge=10, le=200000)
    """Monte Carlo draws over the declared weight ranges."""
    seed: int = 20261122
    """The draws' seed: the same seed, the same figures."""


class LabelRequirement(Strict):
    """A label the tender asks for, and what an equivalent must also cover (Art. 43(1))."""

    reference: str
    """The label's name in the catalogue."""
    minimum_version: str | None = None
    """The lowest version or level accepted (e.g. Generation 9, Silver)."""
    areas: list[str] = PField(min_length=1)
    """The requirement areas the label stands for in this tender: what an equivalent must cover (Art. 43(1))."""
    expiry_during_contract: Literal["warn", "reject"] = "warn"
    """What a certificate expiring during the contract means: a warning, or the claim rejected."""


class Remedy(Strict):
    """A lapse the supplier must remedy within so many days of it (a contract condition, Art. 70)."""

    remedy_within_days: int = PField(gt=0)
    """Days the supplier has to remedy a lapse."""


OnLapse = Literal["notify"] | Remedy  # notify: the buyer is told and asks the supplier; no deadline


class FollowUp(Strict):
    """What the contract asks after award, for the follow-up of the winning bid's commitments."""

    notice_days: int = PField(default=60, ge=0)
    """An item is due soon this many days before its date."""
    renewal_evidence_days: int = PField(default=30, ge=0)
    """Renewal evidence is due this many days before a certificate expires."""
    disclosure_months: int = PField(default=12, gt=0)
    """The factory list is disclosed again this often."""
    dialogue_months: int = PField(default=12, gt=0)
    """Electronics Watch dialogue is reviewed this often."""
    on_lapse: OnLapse = "notify"
    """What a lapse means under the contract, for every commitment: notify, or a remedy within so many days."""
    on_lapse_of: dict[
        Literal["certificate", "factories", "ew_dialogue", "warranty", "spare_parts", "security_updates", "take_back"],
        OnLapse,
    ] = {}
    """What a lapse means for one kind of commitment, where it differs from on_lapse."""

    def lapse_of(self, kind: str) -> OnLapse:
        return self.on_lapse_of.get(kind, self.on_lapse)  # type: ignore[call-overload]


class RuleSet(Strict):
    """A tenderscore rule set: the award method, the knock-out requirements and the weighted criteria a
    tender's bids are scored on (docs/rules.md)."""

    id: str
    """The rule set's identifier (tender.yaml's rules: pins it with its version)."""
    version: str
    """Its version: a changed rule set is a new version."""
    title: str
    """Its title, as reports show it."""
    source: str = ""
    """Where the criteria come from (e.g. a criteria library, a policy decision)."""
    method: Method = WeightedPoints()
    """The award method: weighted_points (default), value_for_money or price_quality_ratio."""
    lots: Literal["combined", "separate"] = "combined"
    """combined: every lot ranked together; separate: each lot ranked on its own."""
    scale: Decimal = PField(default=Decimal(10), gt=0)
    """Criterion scores run from 0 to this."""
    rounding: Rounding = Rounding()
    """How scores and points are rounded."""
    catalogue: str = "labels.yaml"
    """The label catalogue, relative to the rule file."""
    registers: str = "registers"
    """The register snapshots folder, relative to the rule file."""
    labels: dict[str, LabelRequirement] = {}
    """The labels the tender asks for, by an identifier criteria and knock-outs use."""
    knockouts: list[Knockout] = []
    """Requirements every bid must meet; a bid failing one is excluded."""
    criteria: list[SerializeAsAny[CriterionBase]] = PField(min_length=1)
    """The award criteria: each reads a field of the bid and scores it with a scoring function."""
    tie_break: list[str] = ["lowest_price", "earliest_submission"]
    """How a tie on the ranking value is decided, in order: lowest_price, earliest_submission."""
    abnormally_low: AbnormallyLow = AbnormallyLow()
    """When a price asks for an explanation (Art. 69): never an exclusion by itself."""
    robustness: Robustness = Robustness()
    """How the robustness of the ranking is assessed."""
    follow_up: FollowUp = FollowUp()
    """What the contract asks after award, for the follow-up of the winning bid's commitments."""

    @model_validator(mode="wrap")
    @classmethod
    def _criteria_by_function(cls, data: Any, handler: Any) -> Any:
        """Each criterion read as the criterion of its scoring function (see `criteria_of`); every problem of
        the rule set is reported, the criteria's and the others'."""
        if not isinstance(data, dict) or not isinstance(data.get("criteria"), list):
            return handler(data)
        criteria, errors = criteria_of(data["criteria"])
        errors = [{**e, "loc": ("criteria", *e["loc"])} for e in errors]
        try:
            result = handler({**data, "criteria": criteria})
        except ValidationError as exc:
            if not errors:
                raise
            more = [e for e in exc.errors() if not (errors and e["loc"] == ("criteria",) and e["type"] == "too_short")]
            errors += [_detail(e) for e in more]
            raise ValidationError.from_exception_data(cls.__name__, errors) from None
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return result

    def fields_read(self) -> set[str]:
        """Every bid field a criterion or knock-out reads (`supplier.<f>`, `items.<f>`): a defect in one
        of them goes to the substance of the offer, whatever the template declares."""
        read = {f for c in self.criteria for f in c.kernel.fields(c)}
        read |= {f for k in self.knockouts for f in k.condition.fields()}
        if any(c.field == "items" or c.field == "bid.total_price" for c in self.criteria):
            read |= {"items.quantity", "items.unit_price"}
        return read

    @property
    def scores_transparency(self) -> bool:
        """Whether a criterion scores the disclosed factories."""
        return any(c.kernel.transparency for c in self.criteria)


def _detail(e: Any) -> InitErrorDetails:
    detail = InitErrorDetails(type=e["type"], loc=tuple(e["loc"]), input=e.get("input"))
    if "ctx" in e:
        detail["ctx"] = e["ctx"]
    return detail
