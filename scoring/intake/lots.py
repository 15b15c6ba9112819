"""Evaluating lots separately: each lot is its own competition, on the items of that lot.

A bid enters the evaluation of every lot it offers items for. A file that could
not be read, or that offers no item at all, enters every lot's evaluation as
rejected, so it appears in each report with its reasons.
"""

from __future__ import annotations

from scoring.models import ReadResult, Tender


def lot_ids(tender: Tender, checked: list[ReadResult]) -> list[str]:
    if tender.items:
        return sorted({i.lot for i in tender.items})
    return sorted({i.lot for r in checked if r.bid for i in r.bid.items if i.lot})


def split_by_lot(checked: list[ReadResult], tender: Tender) -> dict[str, list[ReadResult]]:
    """lot -> the bids as they stand in that lot (items of other lots left out)."""
    out: dict[str, list[ReadResult]] = {lot: [] for lot in lot_ids(tender, checked)}
    for read in checked:
        lots = {i.lot for i in read.bid.items if i.lot} if read.bid else set()
        for lot in out:
            if read.bid is None or not lots:
                out[lot].append(read)
            elif lot in lots:
                items = [i for i in read.bid.items if i.lot == lot]
                # A fault in another lot's offer does not count against this one.
                elsewhere = {i.row for i in read.bid.items if i.lot != lot}
                issues = [i for i in read.issues if not (i.sheet == "Items" and i.row in elsewhere)]
                out[lot].append(
                    read.model_copy(update={"bid": read.bid.model_copy(update={"items": items}), "issues": issues})
                )
    return out


def lot_tender(tender: Tender, lot: str) -> Tender:
    return tender.model_copy(update={"items": [i for i in tender.items if i.lot == lot]})
