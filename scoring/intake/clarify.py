"""Clarifications (Art. 56(3) of Directive 2014/24/EU): a formal slip is asked about, not rejected.

The template declares, field by field, whether a defect goes to the substance of the offer or is formal
(`template.Field.formal`); a tender moves fields either way in its mapping (`template.formal`,
`template.substantive`), and a field the rule set reads is always substantive. After validation,
`proportion()` turns each error on a formal field into a warning and a clarification request; an error on
a substantive field rejects the bid as before. A formula without its calculated value is a request on any
field: the formula is part of the offer, only its result is missing; on a substantive field the bid cannot
be ranked before the answer (`blocking`).

The tenderer's answers go in `clarifications.yaml` beside `tender.yaml`, one entry per answered cell:

    answers:
      - bid: 02-officeline             # the file's name or stem
        field: Contact email           # the heading, as in the tender's template
        sheet: Supplier                # optional for the Supplier sheet; table sheets also need `row`
        value: sales@officeline.example
        received_on: 2026-10-20
        by: J. Peeters, procurement

`apply_answers()` uses an answer before validation, so the answered value is checked like any other; the
original is kept beside it (`ReadResult.clarified`, in every report and in the ledger's record of the
run). An answer on a substantive field is refused with its reason: a clarification may not change the
price or the offered products, which would be a new offer; only a formula's value is taken on such a field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field as PField
from pydantic import field_validator

from scoring.dates import Day
from scoring.errors import TenderError
from scoring.facts import N_, Fact, Unprefixed, fact
from scoring.intake.folder import CLARIFICATIONS_FILE, Files
from scoring.intake.ingest import CellReader
from scoring.intake.template import SHEETS, SUPPLIER, Field, Kind, Sheet, normalise_heading
from scoring.intake.tender import BidFile
from scoring.issues import Issue, Severity, issue, one_per_cell
from scoring.models import ClarificationRequest, Clarified, Frozen, ReadResult, Tender
from scoring.yamlio import load_yaml, read_input

# Issues on a formal field that a clarification can settle; the others (a duplicate row, an unknown item)
# are about the offer whatever the field.
CLARIFIABLE = {
    "cell.formula_uncalculated",
    "cell.not_a_number",
    "cell.not_a_whole_number",
    "cell.not_a_date",
    "cell.not_yes_no",
    "field.missing",
    "field.bad_format",
    "field.out_of_range",
    "field.not_allowed",
    "column.missing",
}
# Fields an answer may never change, whatever a tender declares: the price and the offered products.
PRICE_AND_PRODUCTS = {"lot", "item", "category", "brand", "model", "quantity", "unit_price"}


class Answer(Frozen):
    bid: str
    field: str
    sheet: str = SUPPLIER.name
    row: int | None = PField(default=None, gt=0)
    value: Any = None
    received_on: Day
    by: str = PField(min_length=1)

    @field_validator("bid", "field", "sheet", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value).strip() if isinstance(value, (int, float)) else value

    @field_validator("value", mode="before")
    @classmethod
    def _one_value(cls, value: Any) -> Any:
        """An answer is what a cell would hold (a list only for a field that lists, e.g. Covers)."""
        if isinstance(value, dict) or isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            raise ValueError("an answer is one value, as the cell it answers would hold it")
        return value


class Answers(Frozen):
    answers: list[Answer] = []


def load_answers(folder: Path, files: Files | None = None) -> list[Answer]:
    """The answers recorded for the tender, in file order; none without the file. Raises TenderError."""
    path = folder / CLARIFICATIONS_FILE
    if not path.is_file():
        return []
    doc = load_yaml(path, TenderError, data=read_input(path, TenderError, files))
    return doc.validate(Answers, TenderError).answers


# --- which fields are formal -----------------------------------------------------------------------------


def formal_fields(tender: Tender, read_by_rules: set[str]) -> set[tuple[str, str]]:
    """(standard sheet, field name) of every field whose defects are formal in this tender."""
    out = set()
    mapping = tender.template
    for sheet in SHEETS:
        moved_in = {normalise_heading(h) for h in mapping.formal.get(sheet.name, [])}
        moved_out = {normalise_heading(h) for h in mapping.substantive.get(sheet.name, [])}
        scope = "supplier" if sheet is SUPPLIER else sheet.name.lower()
        for f in sheet.fields:
            names = {normalise_heading(f.heading), normalise_heading(f.name)}
            # With the platform's opening record, a bid's own Submitted at decides nothing: it is formal.
            recorded = tender.received is not None and (sheet.name, f.name) == (SUPPLIER.name, "submitted_at")
            formal = (f.formal or recorded or names & moved_in) and not names & moved_out
            offer = sheet is not SUPPLIER and f.name in PRICE_AND_PRODUCTS  # never formal, whatever is declared
            if formal and not offer and f"{scope}.{f.name}" not in read_by_rules:
                out.add((sheet.name, f.name))
    return out


KIND_ASKED = {
    Kind.TEXT: N_("a value"),
    Kind.LIST: N_("one or more values, separated by ';'"),
    Kind.INTEGER: N_("a whole number"),
    Kind.DECIMAL: N_("a number"),
    Kind.DATE: N_("a date"),
    Kind.DATETIME: N_("a date and time"),
    Kind.YES_NO: N_("Yes or No"),
    Kind.YES_NO_NA: N_("Yes, No or n/a"),
    Kind.CHOICE: N_("a value"),
}


def expected(f: Field) -> Fact:
    """What the template asks for in a field, in the bidder's words."""
    if f.pattern_hint:
        return fact(f.pattern_hint)
    if f.codelist == "countries":
        return fact(N_("an ISO 3166-1 alpha-2 country code (e.g. BE, DE, CN)"))
    if f.choices:
        return fact(N_("one of: %(choices)s"), choices=", ".join(f.choices))
    return fact(KIND_ASKED[f.kind])


# --- requests --------------------------------------------------------------------------------------------


def proportion(read: ReadResult, formal: set[tuple[str, str]]) -> ReadResult:
    """The bid's issues with every error on a formal field turned into a warning and a clarification
    request, and a request for each formula without its value (blocking on a substantive field) and each
    total that differs from the lines."""
    if read.bid is None:
        return read
    issues: list[Issue] = []
    requests: list[ClarificationRequest] = []
    for i in read.issues:
        located = _field_of(read, i)
        if located is None or i.code not in CLARIFIABLE and i.code != "items.total_differs":
            issues.append(i)
            continue
        sheet, f = located
        is_formal = (sheet.name, f.name) in formal
        if i.code == "items.total_differs":
            requests.append(_request(read, i, sheet, f, fact(N_("the bid's own total to equal the sum of its lines"))))
        elif is_formal and i.severity is Severity.ERROR:
            requests.append(_request(read, i, sheet, f, expected(f)))
            said = N_(
                "%(message)s A formal defect: the tenderer is asked to clarify it (Art. 56(3)); the bid is not "
                "rejected for it."
            )
            i = i.reworded(fact(said, message=i.fact or i.message), severity=Severity.WARNING)
        elif i.code == "cell.formula_uncalculated":
            wanted = fact(N_("the value the formula calculates"))
            requests.append(_request(read, i, sheet, f, wanted, blocking=not is_formal))
        issues.append(i)
    return read.model_copy(update={"issues": one_per_cell(issues), "requests": requests})


def _field_of(read: ReadResult, i: Issue) -> tuple[Sheet, Field] | None:
    """The template field an issue is about (issues name it by the bid's own heading)."""
    if i.sheet is None or i.field is None:
        return None
    sheet = next((s for s in SHEETS if s.name == i.sheet), None)
    if sheet is None:
        return None
    headings = read.headings.get(sheet.name, {})
    wanted = normalise_heading(i.field)
    for f in sheet.fields:
        if wanted in (normalise_heading(headings.get(f.name, f.heading)), normalise_heading(f.heading)):
            return sheet, f
    return None


def _request(
    read: ReadResult, i: Issue, sheet: Sheet, f: Field, wanted: Fact, blocking: bool = False
) -> ClarificationRequest:
    column = read.columns.get(sheet.name, {}).get(f.name)
    found = fact("%(found)s", found=Unprefixed(i.fact or i.message, f"{i.field}: "))
    return ClarificationRequest(
        sheet=read.titles.get(sheet.name, sheet.name),
        row=i.row,
        field=i.field or f.heading,
        cell=f"{column}{i.row}" if column and i.row else None,
        found=found,
        expected=wanted,
        code=i.code,
        blocking=blocking,
    )


# --- answers ---------------------------------------------------------------------------------------------


def check_answers(answers: list[Answer], entries: list[BidFile], folder: Path, files: Files | None = None) -> None:
    """Every answer names a bid file of the tender (by name or bid id); raises TenderError naming each
    entry that does not."""
    names = {f.name for f in entries} | {f.bid_id for f in entries}
    wrong = [n for n, answer in enumerate(answers) if answer.bid not in names]
    if wrong:
        path = folder / CLARIFICATIONS_FILE
        doc = load_yaml(path, TenderError, data=read_input(path, TenderError, files))
        raise TenderError.of(
            doc.problem(f"bid {answers[n].bid!r} is not a file in bids/", f"answers.{n}.bid") for n in wrong
        )


def apply_answers(
    reads: list[ReadResult], answers: list[Answer], tender: Tender, formal: set[tuple[str, str]]
) -> list[ReadResult]:
    """The bids with each answer used, or refused with its reason (`clarification.refused`)."""
    if not answers:
        return reads
    by_name = {r.file: r for r in reads} | {r.bid_id or Path(r.file).stem: r for r in reads}
    reader = CellReader(tender)
    changed: dict[str, ReadResult] = {}
    for answer in answers:
        read = by_name.get(answer.bid)
        if read is None or read.bid is None:
            continue  # check_answers names the unknown ones; a file that could not be read has nothing to answer
        read = changed.get(read.file, read)
        located = _answered_field(read, answer, tender)
        if isinstance(located, Fact):
            changed[read.file] = _refused(read, answer, located)
            continue
        changed[read.file] = _answer(read, answer, *located, reader, formal)
    return [changed.get(r.file, r) for r in reads]


def _refused(read: ReadResult, answer: Answer, reason: Fact) -> ReadResult:
    """An answer that names no cell of the bid."""
    refused = issue(
        "clarification.refused",
        fact(
            N_("The answer received on %(received)s for %(field)s was not used: %(reason)s."),
            received=answer.received_on,
            field=repr(answer.field),
            reason=reason,
        ),
        file=read.file,
    )
    record = Clarified(
        sheet=answer.sheet,
        row=answer.row,
        field=answer.field,
        original="",
        answer=_shown(answer.value),
        received_on=answer.received_on,
        by=answer.by,
        used=False,
        reason=reason,
    )
    return read.model_copy(
        update={"issues": one_per_cell([*read.issues, refused]), "clarified": [*read.clarified, record]}
    )


def _answered_field(read: ReadResult, answer: Answer, tender: Tender) -> tuple[Sheet, Field] | Fact:
    wanted = normalise_heading(answer.sheet)
    sheet = next(
        (
            s
            for s in SHEETS
            if wanted in (normalise_heading(s.name), normalise_heading(tender.template.sheets.get(s.name, s.name)))
        ),
        None,
    )
    if sheet is None:
        return fact(N_("the template has no sheet %(sheet)s"), sheet=repr(answer.sheet))
    headings = read.headings.get(sheet.name, {})
    name = normalise_heading(answer.field)
    f = next(
        (
            f
            for f in sheet.fields
            if name in {normalise_heading(headings.get(f.name, f.heading)), normalise_heading(f.heading), f.name}
        ),
        None,
    )
    if f is None:
        return fact(
            N_("the sheet %(sheet)s has no field %(field)s"), sheet=repr(answer.sheet), field=repr(answer.field)
        )
    if not sheet.key_value:
        rows = {r.row for r in _rows_of(read, sheet)}
        if answer.row is None:
            return fact(N_("an answer on the sheet %(sheet)s needs the row it answers"), sheet=repr(answer.sheet))
        if answer.row not in rows:
            return fact(
                N_("row %(row)s of the sheet %(sheet)s holds no line of the bid"),
                row=answer.row,
                sheet=repr(answer.sheet),
            )
    return sheet, f


def _rows_of(read: ReadResult, sheet: Sheet) -> list[Any]:
    bid = read.opened
    rows: dict[str, list[Any]] = {"Items": bid.items, "Labels": bid.labels, "Factories": bid.factories}
    return rows[sheet.name]


def _answer(
    read: ReadResult,
    answer: Answer,
    sheet: Sheet,
    f: Field,
    reader: CellReader,
    formal: set[tuple[str, str]],
) -> ReadResult:
    bid = read.opened
    heading = read.headings.get(sheet.name, {}).get(f.name, f.heading)
    row = answer.row if not sheet.key_value else read.supplier_rows.get(f.name)
    on_cell = [i for i in read.issues if i.sheet == sheet.name and i.field == heading and i.row == row]
    if sheet.key_value:  # a field missing from the Supplier sheet altogether has no row
        on_cell += [i for i in read.issues if i.sheet == sheet.name and i.field == heading and i.row is None]
    formula = any(i.code == "cell.formula_uncalculated" for i in on_cell)
    current = getattr(bid.supplier, f.name) if sheet.key_value else getattr(_row(read, sheet, row), f.name)
    shown_before = _shown(current) if not formula else fact(N_("a formula without a calculated value"))
    record = dict(
        sheet=read.titles.get(sheet.name, sheet.name),
        row=row,
        field=heading,
        original=shown_before,
        answer=_shown(answer.value),
        received_on=answer.received_on,
        by=answer.by,
    )
    where: dict[str, Any] = dict(file=read.file, sheet=sheet.name, row=row, field=heading)
    reason: Fact | None = None
    if not formula and (sheet.name, f.name) not in formal:
        reason = fact(
            N_(
                "a clarification may not change the price or the offered products: that would be a new offer "
                "(Art. 56(3) of Directive 2014/24/EU)"
            )
            if sheet is not SUPPLIER and f.name in PRICE_AND_PRODUCTS
            else N_(
                "the field goes to the substance of the offer, which a clarification may not change "
                "(Art. 56(3) of Directive 2014/24/EU)"
            )
        )
    parsed = reader.parse(f, answer.value)
    if not reason and (parsed.error or parsed.value is None):
        reason = fact(N_("the answer is not %(expected)s"), expected=expected(f))
    if reason:
        refused = issue(
            "clarification.refused",
            fact(
                N_(
                    "%(heading)s: the answer %(answer)s received on %(received)s was not used: %(reason)s. The bid "
                    "is evaluated as submitted."
                ),
                heading=heading,
                answer=_shown(answer.value),
                received=answer.received_on,
                reason=reason,
            ),
            **where,
        )
        return read.model_copy(
            update={
                "issues": one_per_cell([*read.issues, refused]),
                "clarified": [*read.clarified, Clarified(**record, used=False, reason=reason)],
            }
        )
    if sheet.key_value:
        bid = bid.model_copy(update={"supplier": bid.supplier.model_copy(update={f.name: parsed.value})})
    else:
        rows = [r.model_copy(update={f.name: parsed.value}) if r.row == row else r for r in _rows_of(read, sheet)]
        bid = bid.model_copy(update={sheet.name.lower(): rows})
    answered = issue(
        "clarification.answered",
        fact(
            N_(
                "%(heading)s: %(before)s was clarified as %(answer)s (received on %(received)s, recorded by "
                "%(by)s); the original is kept in the record."
            ),
            heading=heading,
            before=shown_before,
            answer=_shown(answer.value),
            received=answer.received_on,
            by=answer.by,
        ),
        **where,
    )
    kept = [i for i in read.issues if i not in on_cell]
    return read.model_copy(
        update={
            "bid": bid,
            "issues": one_per_cell([*kept, answered]),
            "clarified": [*read.clarified, Clarified(**record, used=True)],
        }
    )


def _row(read: ReadResult, sheet: Sheet, row: int | None) -> Any:
    return next(r for r in _rows_of(read, sheet) if r.row == row)


def _shown(value: Any) -> Any:
    """A value as the answer or the bid gave it: quoted text, a figure, a date; "empty" in words."""
    if value is None or isinstance(value, str) and not value.strip():
        return fact(N_("empty"))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)
