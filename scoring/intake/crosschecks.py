"""Checks of a bid against the tender and the other bids, which GX does not express well."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from scoring.facts import N_, Fact, Money, fact
from scoring.intake.receipts import submission_time
from scoring.issues import Issue, issue
from scoring.models import Item, ReadResult, Tender


def check_against_tender(read: ReadResult, tender: Tender, per_lot: bool = False) -> list[Issue]:
    """`per_lot`: bids may offer some lots only, but every item of each lot they offer."""
    bid = read.bid
    if bid is None:
        return []
    s, name = bid.supplier, bid.file
    rows = read.supplier_rows
    out: list[Issue] = []
    if s.tender_reference is not None and s.tender_reference.strip().casefold() != tender.id.casefold():
        out.append(
            issue(
                "bid.tender_mismatch",
                fact(
                    N_("The bid is for tender '%(named)s', not '%(tender)s'."),
                    named=s.tender_reference,
                    tender=tender.id,
                ),
                file=name,
                sheet="Supplier",
                row=rows.get("tender_reference"),
                field="Tender reference",
            )
        )
    if s.currency is not None and s.currency.upper() != tender.currency.upper():
        out.append(
            issue(
                "bid.currency_mismatch",
                fact(
                    N_("Prices are in %(currency)s; this tender is priced in %(tender_currency)s."),
                    currency=s.currency,
                    tender_currency=tender.currency,
                ),
                file=name,
                sheet="Supplier",
                row=rows.get("currency"),
                field="Currency",
            )
        )
    out.extend(_check_receipt(read, tender))
    out.extend(_check_lots(read, tender))
    if tender.items:
        out.extend(_check_items(read, tender, per_lot))
    out.extend(_check_stated_total(read))
    return out


def _check_stated_total(read: ReadResult) -> list[Issue]:
    """A totals row under the items is the bidder's own total: compared with what the lines add up to,
    never used as the price and never an item."""
    bid = read.opened
    if bid.stated_total_row is None:
        return []
    where: dict[str, Any] = dict(file=bid.file, sheet="Items", row=bid.stated_total_row)
    computed = bid.total_price
    if bid.stated_total is None or computed is None:
        return [
            issue(
                "items.total_row",
                fact(
                    N_(
                        "Row %(row)s is read as the bid's own totals row, not as an item; it holds no total in the "
                        "price column."
                    )
                    if bid.stated_total is None
                    else N_("Row %(row)s is read as the bid's own totals row, not as an item."),
                    row=bid.stated_total_row,
                ),
                **where,
            )
        ]
    if bid.stated_total == computed:
        return [
            issue(
                "items.total_row",
                fact(
                    N_(
                        "Row %(row)s is read as the bid's own total (%(total)s), not as an item; it matches the item "
                        "lines."
                    ),
                    row=bid.stated_total_row,
                    total=Money(computed),
                ),
                **where,
            )
        ]
    return [
        issue(
            "items.total_differs",
            fact(
                N_(
                    "The bid's own total on row %(row)s is %(stated)s, but its item lines add up to %(total)s. The "
                    "item lines are evaluated; ask the tenderer to confirm them (a clarification, Art. 56(3))."
                ),
                row=bid.stated_total_row,
                stated=Money(bid.stated_total),
                total=Money(computed),
            ),
            **where,
        )
    ]


# A lot as bidders write it when the tender declares none: a short code (1, A, 2b, Lot 3), never a path.
LOT_CODE = re.compile(r"\w[\w .\-]{0,49}")


def _check_lots(read: ReadResult, tender: Tender) -> list[Issue]:
    """Each item's lot: one the tender declares (`lots:` without `items:`; with items, their lots are checked
    item by item), or, when it declares none, a short code: a lot is never invented from a path or a text."""
    bid = read.opened
    heading = read.headings.get("Items", {}).get("lot", "Lot")
    declared = {_key(lot) for lot in tender.declared_lots}
    out = []
    for item in bid.items:
        if item.lot is None:
            continue
        where: dict[str, Any] = dict(file=bid.file, sheet="Items", row=item.row, field=heading)
        if declared and not tender.items and _key(item.lot) not in declared:
            lots = ", ".join(tender.declared_lots)
            said = fact(N_("Lot %(lot)s is not a lot of this tender (%(lots)s)."), lot=repr(item.lot), lots=lots)
            out.append(issue("items.lot_unknown", said, **where))
        elif not declared and not LOT_CODE.fullmatch(item.lot):
            out.append(
                issue(
                    "items.lot_invalid",
                    fact(
                        N_("%(heading)s: %(lot)s is not a lot code (a short code such as 1, A or Lot 2)."),
                        heading=heading,
                        lot=repr(item.lot[:60]),
                    ),
                    **where,
                )
            )
    return out


def lot_of(text: str, tender: Tender) -> str | None:
    """The lot an item's Lot cell names: the tender's own spelling of a declared lot, the code itself when
    the tender declares none and it is one, else None (no lot of this tender)."""
    declared = {_key(lot): lot for lot in tender.declared_lots}
    if declared:
        return declared.get(_key(text))
    return text.strip() if LOT_CODE.fullmatch(text) else None


def _check_items(read: ReadResult, tender: Tender, per_lot: bool) -> list[Issue]:
    bid = read.opened
    heading = read.headings.get("Items", {})
    asked = {_key(t.item): t for t in tender.items}
    offered = set()
    out = []
    for item in bid.items:
        if item.item is None:
            continue  # reported as missing by the value checks
        wanted = asked.get(_key(item.item))
        where: dict[str, Any] = dict(file=bid.file, sheet="Items", row=item.row)
        if wanted is None:
            out.append(
                issue(
                    "items.unknown_item",
                    fact(N_("Item '%(item)s' is not an item of this tender."), item=item.item),
                    field=heading.get("item", "Item"),
                    **where,
                )
            )
            continue
        offered.add(_key(item.item))
        if item.lot is not None and _key(item.lot) != _key(wanted.lot):
            out.append(
                issue(
                    "items.lot_mismatch",
                    fact(
                        N_("Item '%(item)s' belongs to lot %(lot)s, not %(offered)s."),
                        item=item.item,
                        lot=wanted.lot,
                        offered=item.lot,
                    ),
                    field=heading.get("lot", "Lot"),
                    **where,
                )
            )
        if wanted.quantity is not None and item.quantity is not None and item.quantity != wanted.quantity:
            out.append(
                issue(
                    "items.quantity_mismatch",
                    fact(
                        N_("Item '%(item)s': %(offered)s offered, the tender asks for %(asked)s."),
                        item=item.item,
                        offered=item.quantity,
                        asked=wanted.quantity,
                    ),
                    field=heading.get("quantity", "Quantity"),
                    **where,
                )
            )
    lots_offered = {_key(asked[k].lot) for k in offered}
    for key, wanted in asked.items():
        if per_lot and _key(wanted.lot) not in lots_offered:
            continue  # a lot this bid does not bid for
        if key not in offered:
            label = (
                fact(N_("'%(item)s' (%(description)s)"), item=wanted.item, description=wanted.description)
                if wanted.description
                else fact(N_("'%(item)s'"), item=wanted.item)
            )
            out.append(
                issue(
                    "items.missing_item",
                    fact(N_("Item %(item)s of lot %(lot)s is not offered."), item=label, lot=wanted.lot),
                    file=bid.file,
                    sheet="Items",
                )
            )
    return out


def _key(text: str) -> str:
    return str(text).strip().casefold()


def registration_key(number: str) -> str:
    """BE 0123.456.789 and be0123456789 are the same tenderer."""
    return re.sub(r"[\s.\-/]", "", number).casefold()


def _check_receipt(read: ReadResult, tender: Tender) -> list[Issue]:
    """Withdrawn, late, or not in the opening record; and a bid's own time that the record contradicts."""
    s, name, row = read.opened.supplier, read.file, read.supplier_rows.get("submitted_at")
    own: dict[str, Any] = dict(file=name, sheet="Supplier", row=row, field="Submitted at")
    if read.withdrawn:
        return [
            issue(
                "bid.withdrawn",
                fact(
                    N_(
                        "The opening record (%(record)s) marks %(file)s as withdrawn by the tenderer; it is not "
                        "evaluated."
                    ),
                    record=tender.received,
                    file=name,
                ),
                file=name,
            )
        ]
    out = []
    if read.received_at is not None:
        if read.received_at > tender.bid_deadline:
            out.append(
                issue(
                    "bid.late",
                    fact(
                        N_(
                            "Received at %(received)s (opening record %(record)s), after the bid deadline %(deadline)s."
                        ),
                        received=read.received_at,
                        record=tender.received,
                        deadline=tender.bid_deadline,
                    ),
                    file=name,
                )
            )
        stated = s.submitted_at
        if (
            stated is not None
            and abs((stated - read.received_at).total_seconds()) > tender.received_tolerance_minutes * 60
        ):
            out.append(
                issue(
                    "bid.submitted_at_differs",
                    fact(
                        N_(
                            "The bid says it was submitted at %(stated)s; the platform received it at %(received)s "
                            "(opening record %(record)s). The platform's time counts."
                        ),
                        stated=stated,
                        received=read.received_at,
                        record=tender.received,
                    ),
                    **own,
                )
            )
        return out
    if read.unrecorded:
        out.append(
            issue(
                "bid.receipt_unknown",
                fact(
                    N_(
                        "%(file)s is not in the opening record (%(record)s): its own Submitted at is used; check how "
                        "it was received."
                    ),
                    file=name,
                    record=tender.received,
                ),
                file=name,
            )
        )
    if s.submitted_at is not None and s.submitted_at > tender.bid_deadline:
        out.append(
            issue(
                "bid.late",
                fact(
                    N_("Submitted at %(stated)s, after the bid deadline %(deadline)s."),
                    stated=s.submitted_at,
                    deadline=tender.bid_deadline,
                ),
                **own,
            )
        )
    return out


SUPERSEDED = {  # (the platform's receipt time, this one's time known): the message
    (True, True): N_(
        "Replaced by %(kept)s from the same tenderer (%(number)s), received %(latest)s, after this one (%(when)s)."
    ),
    (True, False): N_("Replaced by %(kept)s from the same tenderer (%(number)s), received %(latest)s."),
    (False, True): N_(
        "Replaced by %(kept)s from the same tenderer (%(number)s), submitted %(latest)s, after this one (%(when)s)."
    ),
    (False, False): N_("Replaced by %(kept)s from the same tenderer (%(number)s), submitted %(latest)s."),
}


def check_duplicates(reads: list[ReadResult]) -> dict[str, list[Issue]]:
    """One bid per tenderer: the later submission replaces the earlier ones; and files that are byte for
    byte the same are named as such.

    Returns extra issues by file. Submissions at the same latest time cannot be ordered, and file order
    must never decide, so all of those are rejected; unless they are copies of one file (the same offer,
    uploaded twice): then the offer is evaluated once, under the first of their names, which changes
    nothing in it.
    """
    out: dict[str, list[Issue]] = defaultdict(list)
    for file, issues in identical_files(reads).items():
        out[file].extend(issues)
    groups: dict[str, list[ReadResult]] = defaultdict(list)
    for read in reads:  # a withdrawn submission neither stands nor replaces another
        if read.bid and read.bid.supplier.registration_number and not read.withdrawn:
            groups[registration_key(read.bid.supplier.registration_number)].append(read)
    for group in groups.values():
        if len(group) < 2:
            continue
        number = group[0].opened.supplier.registration_number
        times = {r.file: submission_time(r) for r in group}
        timed = [r for r in group if times[r.file] is not None]
        latest = max((t for t in times.values() if t is not None), default=None)
        winners = [r for r in timed if times[r.file] == latest]
        files = ", ".join(sorted(r.file for r in group))
        copies = sorted(r.file for r in winners)
        if len(winners) > 1 and len({r.file_sha256 for r in winners}) == 1:
            winners = [r for r in winners if r.file == copies[0]]
            for file in copies[1:]:
                out[file].append(
                    issue(
                        "bid.identical_copy",
                        fact(
                            N_(
                                "A copy, byte for byte, of %(kept)s from the same tenderer (%(number)s); the offer is "
                                "evaluated once, as %(kept)s."
                            ),
                            kept=winners[0].file,
                            number=number,
                        ),
                        file=file,
                        sheet="Supplier",
                    )
                )
        if len(winners) != 1:
            for r in winners or group:
                out[r.file].append(
                    issue(
                        "bid.duplicate_undecidable",
                        fact(
                            N_(
                                "Tenderer %(number)s submitted %(files)s at the same time; the buyer must clarify "
                                "which bid stands."
                            ),
                            number=number,
                            files=files,
                        ),
                        file=r.file,
                        sheet="Supplier",
                    )
                )
            continue
        kept = winners[0]
        assert latest is not None  # the kept bid's time
        for r in sorted(group, key=lambda r: r.file):
            if r.file in copies:  # the kept bid and its identical copies
                continue
            when = times[r.file]
            out[r.file].append(
                issue(
                    "bid.superseded",
                    fact(
                        SUPERSEDED[(kept.received_at is not None, when is not None)],
                        kept=kept.file,
                        number=number,
                        latest=latest,
                        when=when,
                    ),
                    file=r.file,
                    sheet="Supplier",
                )
            )
            out[kept.file].append(
                issue(
                    "bid.supersedes",
                    fact(
                        N_("Replaces the earlier submission %(file)s from the same tenderer (%(number)s)."),
                        file=r.file,
                        number=number,
                    ),
                    file=kept.file,
                    sheet="Supplier",
                )
            )
    return out


def identical_files(reads: list[ReadResult]) -> dict[str, list[Issue]]:
    """`bid.identical_file` on each of several files with the same bytes, whatever they hold (a readable
    bid or a damaged file): each still comes out under its own name."""
    by_bytes: dict[str, list[str]] = defaultdict(list)
    for read in reads:
        by_bytes[read.file_sha256].append(read.file)
    out: dict[str, list[Issue]] = {}
    for files in by_bytes.values():
        for file in files if len(files) > 1 else ():
            others = ", ".join(sorted(f for f in files if f != file))
            out[file] = [
                issue(
                    "bid.identical_file",
                    fact(
                        N_("%(file)s has the same bytes as %(others)s: the same file was submitted more than once."),
                        file=file,
                        others=others,
                    ),
                    file=file,
                )
            ]
    return out


def items_named(reads: list[ReadResult]) -> list[ReadResult]:
    """Each issue on an Items row names the item in the tenderer's terms: its code, quantity and category
    ("NB-14 (200 × notebook)"), so a letter says which line of the offer it is about."""
    out = []
    for r in reads:
        rows = {i.row: i for i in (r.bid.items if r.bid else []) if i.row is not None}
        if not rows or not any(i.sheet == "Items" and i.row in rows for i in r.issues):
            out.append(r)
            continue
        issues = [
            i.model_copy(update={"item": _line(rows[i.row])}) if i.sheet == "Items" and i.row in rows else i
            for i in r.issues
        ]
        out.append(r.model_copy(update={"issues": issues}))
    return out


def _line(item: Item) -> Fact:
    if item.quantity is not None and item.category:
        return fact(
            "%(item)s (%(quantity)s × %(category)s)", item=item.item, quantity=item.quantity, category=item.category
        )
    return fact("%(item)s", item=item.item)
