"""Which label claims cover an offered item.

Claims are taken as the bidder states them: label, covered models, validity on
the bid deadline. Checking them against issuer registers and deciding
equivalence is a separate step that narrows this to accepted claims.
"""

from __future__ import annotations

import re
from datetime import date

from scoring.models import Bid, Item, LabelClaim


def normalise_model(name: str) -> str:
    """'ThinkPad T14 Gen 5' and 'thinkpad-t14 gen5' name the same model."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def normalise_label(name: str) -> str:
    return " ".join(name.casefold().split())


def claim_covers(claim: LabelClaim, item: Item) -> bool:
    if item.model is None or not claim.covers:
        return False
    model = normalise_model(item.model)
    return any(normalise_model(c) == model for c in claim.covers)


def valid_on(claim: LabelClaim, day: date) -> bool:
    if claim.valid_until is None or claim.valid_until < day:
        return False
    return claim.valid_from is None or claim.valid_from <= day


def covering_claims(bid: Bid, item: Item, labels: list[str], day: date) -> list[LabelClaim]:
    wanted = {normalise_label(name) for name in labels}
    return [c for c in bid.labels
            if c.label and normalise_label(c.label) in wanted and claim_covers(c, item) and valid_on(c, day)]
