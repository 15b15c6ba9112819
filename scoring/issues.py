"""Issues: every problem found in a bid, with a stable code a procurer can look up.

Validation never raises on bad bid data; it returns issues and the caller decides.
The catalogue below is the single list of codes: a code is never renamed once
released, so evaluators and auditors can refer to it across tenders.
"""

from __future__ import annotations

import logging
from enum import Enum

from pydantic import BaseModel, ConfigDict

from scoring.facts import N_, Fact, english, fact


class Severity(str, Enum):
    ERROR = "error"  # the bid is rejected
    WARNING = "warning"  # reported, the bid is still evaluated
    INFO = "info"

    @property
    def order(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


# code -> (severity, what it means; listed in docs/codes.md and the Issue codes sheet of evaluation.xlsx)
CODES: dict[str, tuple[Severity, str]] = {
    # the file itself
    "file.not_workbook": (Severity.ERROR, "The file is not a spreadsheet workbook (.xlsx, .ods or .xls)."),
    "file.macros": (Severity.ERROR, "The workbook contains macros; macro-enabled workbooks are not accepted."),
    "file.encrypted": (Severity.ERROR, "The workbook is encrypted or password-protected and cannot be read."),
    "file.legacy_format": (
        Severity.ERROR,
        "The file is in an old spreadsheet format that cannot be read; it must be returned as .xlsx or .ods.",
    ),
    "file.too_large": (
        Severity.ERROR,
        "The workbook unpacks to more data than a bid can plausibly hold; it was not opened.",
    ),
    "file.too_many_rows": (
        Severity.ERROR,
        "A sheet has more rows than the tender accepts (template.max_rows); the file was not read further.",
    ),
    "file.unreadable": (Severity.ERROR, "The workbook is damaged and could not be read."),
    "file.folder": (
        Severity.ERROR,
        "An entry of the bids folder is a folder, not a bid file; nothing inside it was evaluated.",
    ),
    "file.not_a_file": (Severity.ERROR, "An entry of the bids folder is not a file (a pipe, socket or device)."),
    "file.broken_link": (Severity.ERROR, "An entry of the bids folder is a link to a file that does not exist."),
    "file.outside_folder": (
        Severity.ERROR,
        "An entry of the bids folder is a link to a file outside the tender folder; it was refused unread.",
    ),
    # layout
    "sheet.missing": (Severity.ERROR, "A required sheet of the template is missing."),
    "sheet.extra": (Severity.INFO, "A sheet the template does not define was ignored."),
    "column.missing": (Severity.ERROR, "A required column of the template is missing."),
    "column.extra": (Severity.INFO, "A column the template does not define was ignored."),
    "field.unknown": (Severity.INFO, "A field on the Supplier sheet that the template does not define was ignored."),
    # cells
    "cell.formula_uncalculated": (
        Severity.ERROR,
        "A formula cell has no calculated value: the tenderer is asked to state the value (a clarification); "
        "the bid is not ranked before the answer when the evaluation reads the cell.",
    ),
    "cell.not_a_number": (Severity.ERROR, "The cell should hold a number."),
    "cell.not_a_whole_number": (Severity.ERROR, "The cell should hold a whole number."),
    "cell.not_a_date": (Severity.ERROR, "The cell should hold a date."),
    "cell.not_yes_no": (Severity.ERROR, "The cell should hold Yes or No."),
    "cell.separator_unexpected": (
        Severity.WARNING,
        "A number used a decimal separator other than the tender's locale; it was read as shown.",
    ),
    "cell.text_as_data": (Severity.INFO, "Text that begins like a formula was kept as plain text."),
    # values (Great Expectations suites)
    "field.missing": (Severity.ERROR, "A required value is empty."),
    "field.out_of_range": (Severity.ERROR, "The value is outside the allowed range."),
    "field.not_allowed": (Severity.ERROR, "The value is not one of the allowed values."),
    "field.bad_format": (Severity.ERROR, "The value does not have the required format."),
    "table.empty": (Severity.ERROR, "A sheet that must list at least one row is empty."),
    "table.duplicate_row": (Severity.ERROR, "The same item is listed more than once."),
    # the bid against the tender
    "bid.tender_mismatch": (Severity.ERROR, "The bid names another tender."),
    "bid.currency_mismatch": (Severity.ERROR, "The bid is priced in another currency than the tender's."),
    "bid.late": (Severity.ERROR, "The bid was submitted after the bid deadline."),
    "bid.withdrawn": (Severity.ERROR, "The opening record marks the submission as withdrawn by the tenderer."),
    "bid.receipt_unknown": (
        Severity.WARNING,
        "The file is not in the tender's opening record: its receipt cannot be established from the platform.",
    ),
    "bid.submitted_at_differs": (
        Severity.WARNING,
        "The bid's own Submitted at differs from the platform's receipt time, which counts.",
    ),
    "bid.superseded": (Severity.ERROR, "The same tenderer submitted a later bid, which replaces this one."),
    "bid.supersedes": (Severity.WARNING, "This bid replaces an earlier submission by the same tenderer."),
    "bid.duplicate_undecidable": (
        Severity.ERROR,
        "The same tenderer submitted several bids at the same time; the buyer must clarify which one stands.",
    ),
    "bid.identical_file": (
        Severity.WARNING,
        "The file has the same bytes as another file of the tender: the same file was submitted more than once.",
    ),
    "bid.identical_copy": (
        Severity.ERROR,
        "A byte-for-byte copy of another submission by the same tenderer: that offer is evaluated once, "
        "under the other file's name.",
    ),
    "bid.evaluation_failed": (
        Severity.ERROR,
        "The tool failed while checking or scoring this bid; not a defect of the bid. It is not ranked until "
        "it is evaluated by hand or the tool is corrected.",
    ),
    "items.unknown_item": (Severity.ERROR, "An offered item is not an item of the tender."),
    "items.missing_item": (Severity.ERROR, "An item the tender asks for is not offered."),
    "items.quantity_mismatch": (Severity.ERROR, "The offered quantity differs from the quantity the tender asks for."),
    "items.lot_mismatch": (Severity.ERROR, "The item is listed under another lot than the tender's."),
    "items.lot_unknown": (Severity.ERROR, "The item is offered in a lot the tender does not have."),
    "items.lot_invalid": (
        Severity.ERROR,
        "The item's lot cannot be read as a lot of the tender (it is not a short code such as 1, A or Lot 2).",
    ),
    "items.total_row": (Severity.INFO, "A totals row under the items was read as the bid's own total, not an item."),
    "items.total_differs": (
        Severity.WARNING,
        "The bid's own total differs from what its item lines add up to: the lines are evaluated, and the "
        "tenderer is asked to confirm them.",
    ),
    "factories.none_disclosed": (
        Severity.WARNING,
        "The rule set scores supply-chain transparency and the bid discloses no factory: those criteria score nothing.",
    ),
    "factories.two_lists": (
        Severity.WARNING,
        "The bid workbook has factory rows and a separate factory list was also sent: the separate list is read.",
    ),
    "factories.list_unreadable": (
        Severity.WARNING,
        "The bid's separate factory list could not be read; the Factories sheet of the bid workbook is read.",
    ),
    "claim.possible_misrepresentation": (
        Severity.WARNING,
        "A label claim looks like a misrepresentation (another company's certificate, or an identifier one "
        "character away from another holder's): for the committee to consider (Art. 57(4)(h)), with the evidence.",
    ),
    # clarifications (Art. 56(3)): clarifications.yaml
    "clarification.answered": (
        Severity.INFO,
        "The tenderer's answer to a clarification request was used; the original value is kept in the record.",
    ),
    "clarification.refused": (
        Severity.WARNING,
        "The tenderer's answer to a clarification was not used (it would change the offer, or it does not "
        "answer the request); the bid is evaluated as submitted.",
    ),
    # the evaluation of the bid (never the bidder's error: warnings)
    "price.abnormally_low": (
        Severity.WARNING,
        "The price is far below the others: ask the bidder to explain it (Art. 69); not an exclusion.",
    ),
    "panel.score_missing": (
        Severity.WARNING,
        "An evaluator has not scored the bid on a judged criterion; the consensus is formed without it.",
    ),
    "panel.not_a_score": (Severity.WARNING, "An evaluator's score is empty or not a number; it is not used."),
    "panel.out_of_range": (Severity.WARNING, "An evaluator's score is outside the criterion's range; it is not used."),
    "panel.comment_missing": (
        Severity.WARNING,
        "An evaluator's score has no comment where the rule set requires one; it is not used.",
    ),
    "panel.disagreement": (Severity.WARNING, "Evaluators' scores differ by more than the rule set allows."),
    "panel.moderation_missing": (
        Severity.WARNING,
        "A criterion to be moderated has no moderated score yet; the median is used meanwhile.",
    ),
    "panel.moderation_incomplete": (
        Severity.WARNING,
        "A moderated score lacks its reason or who set it; it is not used.",
    ),
}


class Issue(BaseModel):
    """One finding about one bid. `row` is the worksheet row (1-based) when known."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str  # in English: the fact worded (facts.english), as the ledger and evaluation.json keep it
    file: str = ""
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
    fact: Fact | None = None  # what was found, for the reports to word in each language
    item: Fact | None = None  # on an Items row: the item, in the tenderer's terms (code, quantity, category)

    def reworded(self, message: Fact, **update: object) -> Issue:
        """The issue saying something else (and with other fields changed, when given)."""
        return self.model_copy(update={"message": english(message), "fact": message, **update})

    def sort_key(self) -> tuple:
        return (self.sheet or "", self.row or 0, self.field or "", self.severity.order, self.code, self.message)


def issue(
    code: str,
    message: Fact,
    *,
    file: str = "",
    sheet: str | None = None,
    row: int | None = None,
    field: str | None = None,
    severity: Severity | None = None,
) -> Issue:
    """Build an issue from the catalogue; an unknown code is a programming error. The message is a fact:
    the reports word it in each language; `message` keeps it in English."""
    default_severity, _ = CODES[code]
    return Issue(
        code=code,
        severity=severity or default_severity,
        message=english(message),
        file=file,
        sheet=sheet,
        row=row,
        field=field,
        fact=message,
    )


def has_errors(issues: list[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def one_per_cell(issues: list[Issue]) -> list[Issue]:
    """Drop the issues that follow an error on the same cell, then sort.

    A cell that could not be parsed is also empty to the value checks that run
    after parsing; the parse error is the specific one, so what follows it on that
    cell (sheet, row, field) is noise. Warnings and infos shadow nothing.
    """
    failed: set[tuple] = set()
    kept: list[Issue] = []
    for i in issues:
        key = (i.sheet, i.row, i.field)
        if i.field is not None and key in failed:
            continue
        if i.field is not None and i.severity is Severity.ERROR:
            failed.add(key)
        kept.append(i)
    return sorted(kept, key=Issue.sort_key)


def evaluation_failed(file: str, stage: Fact) -> Issue:
    """`bid.evaluation_failed` for the bid whose `stage` (e.g. "the value checks") raised; call it in the
    `except` block. The traceback goes to the log for the maintainers; the issue says what it means for
    the bid, never the exception's text, which means nothing to a bidder and may name a server path."""
    logging.getLogger("tenderscore").exception("%s: %s failed", file, stage)
    return issue(
        "bid.evaluation_failed",
        fact(
            N_(
                "The tool failed during %(stage)s of this bid; this is not a defect of the bid. The bid is not "
                "ranked until it is evaluated by hand or the tool is corrected: do not award before then."
            ),
            stage=stage,
        ),
        file=file,
    )
