"""Evaluating lots separately: each lot is its own competition, on the items of that lot.

A bid enters the evaluation of every lot it offers items for. A file that could
not be read, or that offers no item at all, enters every lot's evaluation as
rejected, so it appears in each report with its reasons.
"""

from __future__ import annotations

from scoring.intake.crosschecks import lot_of
from scoring.models import Item, LabelClaim, ReadResult, Tender
from scoring.names import normalise_model


def lot_ids(tender: Tender, checked: list[ReadResult]) -> list[str]:
    """The tender's lots; when it declares none, the lot codes the bids name (never one that is no code)."""
    if tender.declared_lots:
        return list(tender.declared_lots)
    return sorted({lot for r in checked if r.bid for i in r.bid.items if i.lot and (lot := lot_of(i.lot, tender))})


def split_by_lot(checked: list[ReadResult], tender: Tender) -> dict[str, list[ReadResult]]:
    """lot -> the bids as they stand in that lot (items of other lots left out). A bid that names no lot of
    the tender enters every lot, with the issues that say why."""
    out: dict[str, list[ReadResult]] = {lot: [] for lot in lot_ids(tender, checked)}
    for read in checked:
        of = {i.row: lot_of(i.lot, tender) if i.lot else None for i in read.bid.items} if read.bid else {}
        lots = {lot for lot in of.values() if lot in out}
        for lot in out:
            if read.bid is None or not lots:
                out[lot].append(read)
            elif lot in lots:
                items = [i for i in read.bid.items if of[i.row] == lot]
                # A fault in another lot's offer does not count against this one; one in a line that is in no
                # lot of the tender does, in every lot.
                elsewhere = {i.row for i in read.bid.items if of[i.row] != lot and of[i.row] in out}
                issues = [i for i in read.issues if not (i.sheet == "Items" and i.row in elsewhere)]
                labels, aside = _claims_of_lot(
                    read.bid.labels, items, [i for i in read.bid.items if i.row in elsewhere]
                )
                bid = read.bid.model_copy(update={"items": items, "labels": labels})
                out[lot].append(read.model_copy(update={"bid": bid, "issues": issues, "other_lots_claims": aside}))
    return out


def lot_tender(tender: Tender, lot: str) -> Tender:
    return tender.model_copy(update={"items": [i for i in tender.items if i.lot == lot]})


def _claims_of_lot(
    labels: list[LabelClaim], here: list[Item], there: list[Item]
) -> tuple[list[LabelClaim], tuple[str, ...]]:
    """The label claims that concern this lot's offer, and the references of those set aside: a claim whose
    models are all offered in other lots only is not a verdict in this one."""
    models_here = {normalise_model(i.model) for i in here if i.model}
    models_there = {normalise_model(i.model) for i in there if i.model} - models_here
    kept, aside = [], []
    for claim in labels:
        covered = {normalise_model(m) for m in claim.covers or []}
        if covered and not covered & models_here and covered <= models_there:
            aside += [r for r in (claim.certificate_id, claim.evidence) if r]
        else:
            kept.append(claim)
    return kept, tuple(aside)
