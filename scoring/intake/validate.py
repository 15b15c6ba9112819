"""Validation: value checks (Great Expectations) and cross-checks, collected, never raised."""

from __future__ import annotations

from scoring.facts import N_, fact
from scoring.intake.clarify import formal_fields, proportion
from scoring.intake.crosschecks import check_against_tender, check_duplicates
from scoring.intake.expectations import validate_many, validate_values
from scoring.issues import Issue, evaluation_failed, one_per_cell
from scoring.models import ReadResult, Tender


def validate_bid(read: ReadResult, tender: Tender, formal: set[tuple[str, str]] | None = None) -> ReadResult:
    """One bid on its own: the read issues plus value checks and checks against the tender, with formal
    defects as clarification requests (`formal`: see clarify.formal_fields; the template's by default)."""
    return proportion(_with(read, validate_values(read), tender), _formal(tender, formal))


def validate_tender(
    reads: list[ReadResult], tender: Tender, per_lot: bool = False, formal: set[tuple[str, str]] | None = None
) -> list[ReadResult]:
    """Every bid checked on its own (value checks in one run for all), then against each other."""
    return with_value_issues(reads, values_of(reads), tender, per_lot, formal)


def _formal(tender: Tender, formal: set[tuple[str, str]] | None) -> set[tuple[str, str]]:
    return formal_fields(tender, set()) if formal is None else formal


def values_of(reads: list[ReadResult]) -> dict[str, list[Issue]]:
    """The value checks' issues by file, in one run for all bids; if that run fails, bid by bid, and a bid
    whose checks fail gets `bid.evaluation_failed` while the others are checked as usual."""
    try:
        return validate_many(reads)
    except Exception:
        out: dict[str, list[Issue]] = {}
        for read in reads:
            try:
                out |= validate_many([read])
            except Exception:
                out[read.file] = [evaluation_failed(read.file, fact(N_("the value checks")))]
        return out


def with_value_issues(
    reads: list[ReadResult],
    values: dict[str, list[Issue]],
    tender: Tender,
    per_lot: bool = False,
    formal: set[tuple[str, str]] | None = None,
) -> list[ReadResult]:
    """The bids with their value checks' issues (by file, computed now or kept from an earlier run), the
    checks against the tender and the checks of the bids against each other, which are cheap and always run;
    then each error on a formal field becomes a warning and a clarification request."""
    checked = apply_duplicate_checks([_with(r, values.get(r.file, []), tender, per_lot) for r in reads])
    formal = _formal(tender, formal)
    return [proportion(r, formal) for r in checked]


def _with(read: ReadResult, value_issues: list[Issue], tender: Tender, per_lot: bool = False) -> ReadResult:
    try:
        against = check_against_tender(read, tender, per_lot)
    except Exception:
        against = [evaluation_failed(read.file, fact(N_("the checks against the tender")))]
    issues = read.issues + value_issues + against
    return read.model_copy(update={"issues": one_per_cell(issues)})


def apply_duplicate_checks(checked: list[ReadResult]) -> list[ReadResult]:
    extra = check_duplicates(checked)
    return [r.model_copy(update={"issues": one_per_cell(r.issues + extra.get(r.file, []))}) for r in checked]
