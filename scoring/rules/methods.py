"""Award methods: how criterion scores become a ranking. Each method is one class behind one interface.

A rule set names its method (`method: {name: value_for_money, direction: deduct}`); pydantic picks the
class by `name` when the rule set is loaded, so every later stage asks the method object and none
branches on its name. A new method is one more class here, added to `Method`.

weighted_points: points = score / scale × weight; highest total wins.
value_for_money: each criterion's score is worth money (score / scale × money), deducted from the price as
  a fictitious discount (or, `direction: add`, what is not earned is added); lowest comparison price wins.
price_quality_ratio: quality points (weighted, no price criterion) per `per` units of price; highest wins.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

from scoring.facts import N_, Fact, Money, Written, fact
from scoring.formatting import Figures, plain

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

RATIO_PLACES = Decimal("0.0001")


class AwardMethod(BaseModel):
    """The interface every award method implements."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str
    stake: ClassVar[Literal["weight", "money"]] = "weight"  # what each criterion carries
    price_from_bid: ClassVar[bool] = False  # the method sets the bid's price against quality itself
    higher_is_better: ClassVar[bool] = True  # the direction of the ranking value
    # How reports name the method, what it ranks on and the ranking value's column: English messages that the
    # reports translate (%(per)s and %(currency)s filled in there; scoring/reports/i18n.py extracts them).
    label: ClassVar[str]
    ranked_on: ClassVar[str]
    heading: ClassVar[str] = "Points"
    total_heading: ClassVar[str] = N_("Total points")  # the heading of the bids' totals
    points_kind: ClassVar[Literal["points", "money"]] = "points"  # the number format of points and totals
    ranking_is_total: ClassVar[bool] = True  # whether the ranking value is the total (no column of its own)
    sensitivity_note: ClassVar[str | None] = None  # why weight sensitivity is not assessed, when it is not
    stake_unit: ClassVar[str] = "%"  # what a criterion's stake is counted in
    letter_headings: ClassVar[tuple[str, str]] = (N_("Your points"), N_("Successful tender's points"))

    def stake_shown(self, stake: Decimal, currency: str, f: Figures) -> str:
        """A criterion's stake as a report shows it: its weight, or its money."""
        return f"{f.figure(stake)} %"

    def points_shown(self, points: Decimal, currency: str, f: Figures) -> str:
        """A criterion's points (or money) as letters show them."""
        return f.number(points, 2)

    def percent(self, stake: Decimal) -> Decimal | None:
        """The stake as a weight in percent, None when criteria carry money (OCDS, the weights' total)."""
        return stake

    def ranking_figure(self, ranking_value: Decimal | None, total: Decimal | None) -> Decimal | None:
        """What a report shows as the ranking value."""
        return ranking_value if ranking_value is not None else total

    def ranking_places(self, places: int) -> int:
        """The decimals of the ranking value, from the rule set's rounding."""
        return places

    def ranking_value(self, total: Decimal, price: Decimal | None, money_total: Decimal) -> Decimal | None:
        """What the rank is decided on, from the sum of the criteria's points (or money) and the bid's price.
        `money_total`: the money all criteria are worth at full score (value for money)."""
        return total

    def worth(self, stake: Decimal, points: Decimal) -> Fact:
        """The end of a criterion's explanation: what its score earned."""
        return fact(N_("× %(weight)s %% = %(points)s pts"), weight=stake, points=Written(points))

    def document(self) -> dict[str, Any]:
        """As evaluation.json shows it."""
        return {"name": self.name, "ranked_on": self.ranked_on}

    def setting(self) -> str | None:
        """The method's own parameter, in words, for the Rules sheet."""
        return None

    def sensitivity_factor(self, price: Decimal | None) -> Decimal:
        """How the weighted points of a bid turn into its ranking value (for weight sensitivity)."""
        return Decimal(1)

    def draw_values(self, points: NDArray[np.float64], prices: NDArray[np.float64]) -> NDArray[np.float64]:
        """The ranking values of Monte Carlo draws' weighted points, bids by draws (higher is better)."""
        return points


class WeightedPoints(AwardMethod):
    name: Literal["weighted_points"] = "weighted_points"
    label: ClassVar[str] = "weighted points"
    ranked_on: ClassVar[str] = "total points, highest first"


class ValueForMoney(AwardMethod):
    name: Literal["value_for_money"] = "value_for_money"
    direction: Literal["deduct", "add"] = "deduct"
    """deduct: the quality money comes off the price; add: what a bid misses of it is added."""
    stake: ClassVar[Literal["weight", "money"]] = "money"
    price_from_bid: ClassVar[bool] = True
    higher_is_better: ClassVar[bool] = False
    label: ClassVar[str] = "value for money"
    ranked_on: ClassVar[str] = "comparison price (price less the quality criteria's money value), lowest first"
    heading: ClassVar[str] = "Comparison price (%(currency)s)"
    total_heading: ClassVar[str] = N_("Total value (%(currency)s)")
    points_kind: ClassVar[Literal["points", "money"]] = "money"
    ranking_is_total: ClassVar[bool] = False
    sensitivity_note: ClassVar[str | None] = N_(
        "Weight sensitivity does not apply: under value for money the criteria carry money, not weights."
    )
    stake_unit: ClassVar[str] = "money"
    letter_headings: ClassVar[tuple[str, str]] = (N_("Your value"), N_("Successful tender's value"))

    def stake_shown(self, stake: Decimal, currency: str, f: Figures) -> str:
        return f.money(stake, currency)

    def points_shown(self, points: Decimal, currency: str, f: Figures) -> str:
        return f.money(points, currency)

    def percent(self, stake: Decimal) -> Decimal | None:
        return None

    def ranking_figure(self, ranking_value: Decimal | None, total: Decimal | None) -> Decimal | None:
        return ranking_value  # a comparison price; the total is money earned, not a price

    def ranking_places(self, places: int) -> int:
        return 2  # a price

    def ranking_value(self, total: Decimal, price: Decimal | None, money_total: Decimal) -> Decimal | None:
        if price is None:
            return None
        return price - total if self.direction == "deduct" else price + (money_total - total)

    def worth(self, stake: Decimal, points: Decimal) -> Fact:
        if self.direction == "deduct":
            return fact(N_("× %(money)s = %(points)s off the price"), money=Money(stake), points=Money(points))
        return fact(N_("× %(money)s = %(points)s of %(money)s earned"), money=Money(stake), points=Money(points))

    def document(self) -> dict[str, Any]:
        return {**super().document(), "direction": self.direction}

    def setting(self) -> str | None:
        return self.direction


class PriceQualityRatio(AwardMethod):
    name: Literal["price_quality_ratio"] = "price_quality_ratio"
    per: Decimal = Decimal(1000)
    """Quality points per this much of the price."""
    price_from_bid: ClassVar[bool] = True
    label: ClassVar[str] = "price-quality ratio"
    ranked_on: ClassVar[str] = "quality points per %(per)s of price, highest first"
    heading: ClassVar[str] = "Points per %(per)s %(currency)s"
    ranking_is_total: ClassVar[bool] = False

    def ranking_value(self, total: Decimal, price: Decimal | None, money_total: Decimal) -> Decimal | None:
        if not price:
            return None
        return (total / price * self.per).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)

    def document(self) -> dict[str, Any]:
        return {"name": self.name, "ranked_on": self.ranked_on % {"per": plain(self.per)}, "per": self.per}

    def setting(self) -> str | None:
        return f"per {self.per}"

    def sensitivity_factor(self, price: Decimal | None) -> Decimal:
        return self.per / price if price else Decimal(0)

    def draw_values(self, points: NDArray[np.float64], prices: NDArray[np.float64]) -> NDArray[np.float64]:
        import numpy as np

        priced = prices != 0
        return np.where(priced, points / np.where(priced, prices, 1.0), 0.0)


METHODS: dict[str, type[AwardMethod]] = {
    m.model_fields["name"].default: m for m in (WeightedPoints, ValueForMoney, PriceQualityRatio)
}


def _method_name(value: Any) -> str | None:
    if isinstance(value, AwardMethod):
        return value.name
    if isinstance(value, dict):
        return value.get("name", "weighted_points")
    return None


Method = Annotated[
    Annotated[WeightedPoints, Tag("weighted_points")]
    | Annotated[ValueForMoney, Tag("value_for_money")]
    | Annotated[PriceQualityRatio, Tag("price_quality_ratio")],
    Discriminator(
        _method_name,
        custom_error_type="unknown_method",
        custom_error_message="unknown award method; use one of: " + ", ".join(METHODS),
    ),
]
