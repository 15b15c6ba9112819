"""Review decisions: a person's verdict on a claim the pipeline could not decide.

Kept in `reviews.yaml` next to tender.yaml. A decision names the bid and the
claim (its certificate ID or evidence reference, as written in the bid), says
accept or reject, who decided, when and why. It resolves a `needs_review`
claim on the next run; a decision that matches no pending claim is reported,
never silently applied elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scoring.dates import Day
from scoring.errors import TenderError
from scoring.intake.folder import REVIEWS_FILE, Files
from scoring.yamlio import load_yaml, read_input

__all__ = ["REVIEWS_FILE", "ReviewDecision", "Reviews", "load_reviews"]


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bid: str  # bid id: the workbook's file name without extension
    claim: str  # the certificate ID or evidence reference as written in the bid
    decision: Literal["accept", "reject"]
    by: str = Field(min_length=1)
    at: Day
    reason: str = Field(min_length=1)

    def key(self) -> tuple[str, str]:
        return (self.bid, claim_key(self.claim))


def claim_key(reference: str) -> str:
    return " ".join(reference.split()).casefold()


class Reviews(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decisions: list[ReviewDecision] = []

    def find(self, bid_id: str, *references: str | None) -> ReviewDecision | None:
        wanted = {(bid_id, claim_key(r)) for r in references if r}
        return next((d for d in self.decisions if d.key() in wanted), None)


def load_reviews(tender_folder: Path | str, files: Files | None = None) -> Reviews:
    path = Path(tender_folder) / REVIEWS_FILE
    if not path.is_file():
        return Reviews()
    doc = load_yaml(path, TenderError, data=read_input(path, TenderError, files))
    reviews = doc.validate(Reviews, TenderError)
    keys = [d.key() for d in reviews.decisions]
    twice = [
        doc.problem(f"a second decision on claim {key[1]!r} of bid {key[0]}; keep one", f"decisions.{n}")
        for n, key in enumerate(keys)
        if keys.index(key) != n
    ]
    if twice:
        raise TenderError.of(twice)
    return reviews
