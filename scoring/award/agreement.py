"""Inter-rater agreement on judged criteria: Krippendorff's alpha, interval metric."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def krippendorff_alpha(units: list[list[Decimal]]) -> Decimal | None:
    """Inter-rater agreement (Krippendorff's alpha, interval metric): 1 is full agreement, 0 chance.

    `units` holds, per bid, the scores it received; bids with fewer than two scores are not pairable.
    """
    pairable = [[float(v) for v in u] for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    if n < 2:
        return None
    observed = (
        sum(
            sum((a - b) ** 2 for i, a in enumerate(u) for j, b in enumerate(u) if i != j) / (len(u) - 1)
            for u in pairable
        )
        / n
    )
    expected = sum((a - b) ** 2 for i, a in enumerate(values) for j, b in enumerate(values) if i != j) / (n * (n - 1))
    if expected == 0:
        return None if observed == 0 else Decimal(0)
    return Decimal(repr(1 - observed / expected)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
