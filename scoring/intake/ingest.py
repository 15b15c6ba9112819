"""Read one bid file into a typed Bid plus the issues found while reading it."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scoring.facts import N_, Listing, Lowered, fact
from scoring.intake.folder import Files, read_bytes
from scoring.intake.parse import (
    Locale,
    Parsed,
    Words,
    parse_choice,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_list,
    parse_text,
    parse_yes_no,
)
from scoring.intake.template import FACTORIES, ITEMS, LABELS, SUPPLIER, Field, Kind
from scoring.intake.tender import BROKEN_LINK, FOLDER, NOT_A_FILE, OUTSIDE, TOO_LARGE, BidFile, entry_of
from scoring.intake.workbook import LINE_TOTAL, RawSheet, column_letters, read_workbook, refuse_reason, unreadable
from scoring.issues import CODES, Issue, issue
from scoring.models import Bid, Factory, Item, LabelClaim, ReadResult, Supplier, Tender


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


class CellReader:
    """Parses cells per the tender's locale, yes/no words and time zone."""

    def __init__(self, tender: Tender):
        self.locale = Locale.from_tag(tender.locale, tender.decimal_separator)
        mapping = tender.template
        self.words = Words().extended(mapping.yes_words, mapping.no_words, mapping.not_applicable_words)
        self.zone = ZoneInfo(tender.timezone)

    def parse(self, f: Field, raw: Any) -> Parsed:
        match f.kind:
            case Kind.TEXT:
                return parse_text(raw)
            case Kind.LIST:
                return parse_list(raw)
            case Kind.CHOICE:
                return parse_choice(raw)
            case Kind.INTEGER:
                return parse_integer(raw, self.locale)
            case Kind.DECIMAL:
                return parse_decimal(raw, self.locale)
            case Kind.DATE:
                return parse_date(raw, self.locale)
            case Kind.DATETIME:
                return parse_datetime(raw, self.locale, self.zone)
            case Kind.YES_NO:
                parsed = parse_yes_no(raw, self.words)
                return Parsed(parsed.value == "yes", note=parsed.note) if parsed.value else parsed
            case Kind.YES_NO_NA:
                return parse_yes_no(raw, self.words, allow_na=True)
        raise AssertionError(f.kind)


def read_bid(entry: Path | BidFile, tender: Tender, files: Files | None = None) -> ReadResult:
    """Read one entry of the tender's bids/ folder; never raises on bad content.

    An entry that is not a regular file inside the tender folder (a folder, a FIFO, a link to nothing or
    outside) is refused with its code and never opened. Whatever goes wrong while reading a file (a
    library's exception included) becomes an issue on that file, in the bidder's words, and the other files
    are read as usual.
    """
    entry = entry_of(entry, tender)
    name = entry.name
    if not entry.readable:
        return ReadResult(
            file=name, file_sha256=entry_sha256(entry), bid=None, bid_id=entry.bid_id, issues=[refused_entry(entry)]
        )
    data = files.take(entry.path) if files is not None else entry.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        return _read_bid(data, tender, name, digest, entry.bid_id, files)
    except Exception:
        return ReadResult(file=name, file_sha256=digest, bid=None, bid_id=entry.bid_id, issues=[unreadable(name)])


def entry_sha256(entry: BidFile, files: Files | None = None) -> str:
    """What an entry's content is, as the ledger and the identical-file check compare it: a file's SHA-256;
    for an entry that is not read, a hash of its name and what it is (never of bytes behind it, and never
    the same as another entry's)."""
    if entry.readable:
        return files.sha256(entry.path) if files is not None else sha256_of(entry.path)
    return hashlib.sha256(
        f"{entry.refused}\0{entry.name}\0{entry.detail}".encode("utf-8", "surrogateescape")
    ).hexdigest()


REFUSED = {
    FOLDER: N_(
        "%(file)s is a folder, not a bid file (%(detail)s); a bid is one workbook directly in bids/, and nothing "
        "inside the folder was evaluated."
    ),
    NOT_A_FILE: N_("%(file)s is not a file (a pipe, socket or device); it was not read."),
    BROKEN_LINK: N_("%(file)s is a link to a file that does not exist; it was not read."),
    OUTSIDE: N_("%(file)s is a link to a file outside the tender folder; it was refused unread."),
    TOO_LARGE: N_("%(file)s is larger (%(detail)s) than any bid workbook; it was not opened."),
}


def refused_entry(entry: BidFile) -> Issue:
    assert entry.refused is not None, "called for refused entries"
    return issue(entry.refused, fact(REFUSED[entry.refused], file=entry.name, detail=entry.detail), file=entry.name)


def _read_bid(data: bytes, tender: Tender, name: str, digest: str, bid_id: str, files: Files | None) -> ReadResult:
    refused = refuse_reason(data, name)
    if refused:
        return ReadResult(file=name, file_sha256=digest, bid=None, bid_id=bid_id, issues=[refused])
    raw = read_workbook(data, tender.template, name=name)
    if not raw.sheets and raw.issues and all(i.code.startswith("file.") for i in raw.issues):
        return ReadResult(file=name, file_sha256=digest, bid=None, bid_id=bid_id, issues=raw.issues)
    reader = CellReader(tender)
    issues = list(raw.issues)
    rows = {}
    for sheet in (SUPPLIER, ITEMS, LABELS, FACTORIES):
        sheet_raw = raw.sheets.get(sheet.name)
        rows[sheet.name] = _typed_rows(name, sheet_raw, reader, issues) if sheet_raw else []
    titles = {s.name: tender.template.sheets.get(s.name, s.name) for s in (SUPPLIER, ITEMS, LABELS, FACTORIES)}
    titles |= {sheet: raw_sheet.title for sheet, raw_sheet in raw.sheets.items()}
    listed = tender.factory_list(name)
    if listed is not None:
        list_rows, list_sheet, title = _factory_list(listed, tender, reader, name, issues, files)
        if list_sheet is not None:
            if rows[FACTORIES.name]:
                issues.append(
                    issue(
                        "factories.two_lists",
                        fact(
                            N_("The workbook's own factory rows are set aside: the factory list %(list)s is read."),
                            list=title,
                        ),
                        file=name,
                        sheet=FACTORIES.name,
                    )
                )
            issues = [i for i in issues if not (i.code == "sheet.missing" and i.sheet == FACTORIES.name)]
            rows[FACTORIES.name] = list_rows
            raw.sheets[FACTORIES.name] = list_sheet
            titles[FACTORIES.name] = title
    supplier, supplier_rows = {}, {}
    for row in rows[SUPPLIER.name]:
        for key, value in row.items():
            if key != "row":
                supplier[key], supplier_rows[key] = value, row["row"]
    bid = Bid(
        bid_id=bid_id,
        file=name,
        file_sha256=digest,
        supplier=Supplier(**supplier),
        items=[Item(**r) for r in rows[ITEMS.name]],
        labels=[LabelClaim(**r) for r in rows[LABELS.name]],
        factories=[Factory(**r) for r in rows[FACTORIES.name]],
    )
    stated, stated_row = _stated_total(raw.sheets.get(ITEMS.name), reader)
    if stated_row is not None:
        bid = bid.model_copy(update={"stated_total": stated, "stated_total_row": stated_row})
    headings = {sheet: raw_sheet.display for sheet, raw_sheet in raw.sheets.items()}
    columns = {s: {f: column_letters(c) for f, c in r.columns.items()} for s, r in raw.sheets.items()}
    return ReadResult(
        file=name,
        file_sha256=digest,
        bid=bid,
        bid_id=bid_id,
        issues=issues,
        headings=headings,
        supplier_rows=supplier_rows,
        # the sheets' names in this workbook (a missing sheet by the name the tender's template gives it); the
        # factories by their list's file when they came in one
        titles=titles,
        columns=columns,
    )


def _factory_list(
    path: Path, tender: Tender, reader: CellReader, name: str, issues: list[Issue], files: Files | None
) -> tuple[list[dict], RawSheet | None, str]:
    """The rows of a bid's separate factory list, its sheet, and how reports name it; a list that cannot be
    read is reported (the workbook's own Factories sheet is read instead) and never stops the bid."""
    forms = tender.template.factory_lists
    assert forms is not None, "called only when the tender takes factory lists"
    shown = f"{forms.folder}/{path.name}"
    mapping = tender.template.model_copy(
        update={
            "sheets": {FACTORIES.name: forms.sheet},
            "headings": {FACTORIES.name: forms.headings},
            "header_rows": {FACTORIES.name: forms.header_row} if forms.header_row else {},
        }
    )
    data = read_bytes(path, files)
    refused = refuse_reason(data, path.name)
    raw = None if refused else read_workbook(data, mapping, (FACTORIES,), name=path.name)
    sheet = raw.sheets.get(FACTORIES.name) if raw else None
    found = [refused] if refused else [] if raw is None else raw.issues
    if sheet is None:
        why = Listing(tuple(i.fact for i in found), " ") if found else fact(N_("it holds no sheet"))
        issues.append(
            issue(
                "factories.list_unreadable",
                fact(
                    N_(
                        "The factory list %(list)s could not be read (%(why)s); the workbook's own Factories sheet is "
                        "read."
                    ),
                    list=shown,
                    why=why,
                ),
                file=name,
                sheet=FACTORIES.name,
            )
        )
        return [], None, shown
    list_issues: list[Issue] = []
    rows = _typed_rows(name, sheet, reader, list_issues)
    for i in found + list_issues:
        issues.append(i.model_copy(update={"file": name, "sheet": FACTORIES.name}))
    title = shown if not sheet.title or sheet.title == path.name else f"{shown}, sheet {sheet.title}"
    return rows, sheet, title


def _stated_total(items: RawSheet | None, reader: CellReader) -> tuple[Decimal | None, int | None]:
    """The bidder's own total from the first totals row under the items: the value in its own line total
    column when it has one, else in its price column (None when that holds no number), and the row."""
    if items is None or not items.totals:
        return None, None
    row = items.totals[0]
    price = next(f for f in ITEMS.fields if f.name == "unit_price")
    column = LINE_TOTAL if LINE_TOTAL in row.cells else "unit_price"
    parsed = reader.parse(price, row.cells.get(column))
    return (parsed.value if parsed.ok else None), row.row


def _typed_rows(name: str, raw: RawSheet, reader: CellReader, issues: list[Issue]) -> list[dict]:
    fields = {f.name: f for f in raw.sheet.fields}
    # A catalogue repeats most of its values (brand, lot, yes/no, years): each distinct value of a column is
    # typed once. Parsed values are never changed in place, so they can be shared.
    known: dict[tuple[str, type, Any], Parsed] = {}
    out = []
    for raw_row in raw.rows:
        typed: dict[str, Any] = {"row": raw_row.row}
        for field_name, value in raw_row.cells.items():
            if raw.uncalculated and (raw_row.row, field_name) in raw.uncalculated:
                heading = raw.display[field_name]
                column, formula = raw.uncalculated[(raw_row.row, field_name)]
                cell = f"{column_letters(column)}{raw_row.row}"
                written = fact(N_("the formula %(formula)s"), formula=formula) if formula else fact(N_("the formula"))
                issues.append(
                    issue(
                        "cell.formula_uncalculated",
                        fact(
                            N_(
                                "%(heading)s: %(formula)s in cell %(cell)s has no calculated value; the tenderer is "
                                "asked to state the value it calculates (a clarification)."
                            ),
                            heading=heading,
                            formula=written,
                            cell=cell,
                        ),
                        file=name,
                        sheet=raw.sheet.name,
                        row=raw_row.row,
                        field=heading,
                    )
                )
                typed[field_name] = None
                continue
            key = (field_name, type(value), value)
            parsed = known.get(key)
            if parsed is None:
                parsed = known[key] = reader.parse(fields[field_name], value)
            if parsed.error or parsed.warning:
                heading = raw.display[field_name]
                where: dict[str, Any] = dict(file=name, sheet=raw.sheet.name, row=raw_row.row, field=heading)
                if parsed.error:
                    issues.append(
                        issue(
                            parsed.error,
                            fact(
                                N_("%(heading)s: %(meaning)s (%(note)s)."),
                                heading=heading,
                                meaning=_describe(parsed.error),
                                note=parsed.note,
                            ),
                            **where,
                        )
                    )
                    typed[field_name] = None
                    continue
                if parsed.warning:
                    said = (
                        fact(N_("%(heading)s: %(meaning)s (%(note)s)"), note=parsed.note)
                        if parsed.note
                        else fact(N_("%(heading)s: %(meaning)s"))
                    )
                    said.values.update(heading=heading, meaning=_describe(parsed.warning))
                    issues.append(issue(parsed.warning, said, **where))
            typed[field_name] = parsed.value
        out.append(typed)
    return out


def _describe(code: str) -> Lowered:
    """An issue code's meaning, as a phrase inside a message."""
    return Lowered(fact(CODES[code][1]))
