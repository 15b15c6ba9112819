"""Validation: value checks (Great Expectations) and cross-checks, collected, never raised."""

from __future__ import annotations

from scoring.crosschecks import check_against_tender, check_duplicates
from scoring.expectations import validate_values
from scoring.issues import one_per_cell
from scoring.models import ReadResult, Tender


def validate_bid(read: ReadResult, tender: Tender) -> ReadResult:
    """One bid on its own: the read issues plus value checks and checks against the tender."""
    issues = read.issues + validate_values(read) + check_against_tender(read, tender)
    return read.model_copy(update={"issues": one_per_cell(issues)})


def validate_tender(reads: list[ReadResult], tender: Tender) -> list[ReadResult]:
    """Every bid checked on its own, then against each other (one bid per tenderer)."""
    checked = [validate_bid(r, tender) for r in reads]
    return apply_duplicate_checks(checked)


def apply_duplicate_checks(checked: list[ReadResult]) -> list[ReadResult]:
    extra = check_duplicates(checked)
    return [r.model_copy(update={"issues": one_per_cell(r.issues + extra.get(r.file, []))}) for r in checked]
