"""evaluation.xlsx: ranking, breakdown, details, issues and rules, for evaluators and auditors, in the buyer's
language: every table with one heading per column, frozen, filtered and repeated on printed pages; money,
shares and points in number formats; long text wrapped; criteria by name; A4 landscape, one page wide."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from scoring.award.results import BidResult, Evaluation, Status
from scoring.facts import Fact
from scoring.formatting import PLAIN, plain
from scoring.issues import CODES
from scoring.reports.clarifications import answer_rows, request_rows, with_clarifications
from scoring.reports.committee import STATUSES, library_shown, ranking_heading, robustness_lines
from scoring.reports.evaluation_json import rules_path_shown
from scoring.reports.i18n import gettext
from scoring.reports.letters import VERDICTS
from scoring.reports.words import worded
from scoring.reports.xlsxout import Report, Sheet
from scoring.rules.schema import Criterion, RuleSet


def _raw(value: object, _) -> object:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def raw_kind(c: Criterion | None) -> str:
    """How a criterion's raw value is shown (its scoring function says): money, a share, or a measure."""
    return "number" if c is None else c.kernel.shown(c)


@dataclass(frozen=True)
class Book:
    """What every sheet of evaluation.xlsx needs: the evaluation, its language's words, its criteria by id."""

    evaluation: Evaluation
    language: str
    gettext: Callable[[str], str]
    word: Callable[[Fact | str], str]
    criteria: dict[str, Criterion]

    @classmethod
    def of(cls, evaluation: Evaluation, language: str) -> Book:
        criteria = {c.id: c for c in evaluation.rules.criteria}
        return cls(evaluation, language, gettext(language), worded(language), criteria)

    @property
    def rules(self) -> RuleSet:
        return self.evaluation.rules

    @property
    def currency(self) -> str:
        return self.evaluation.tender.currency

    @property
    def ranked(self) -> list[BidResult]:
        return [b for b in self.evaluation.bids if b.status is Status.RANKED]

    def name(self, cid: str, fallback: str) -> str:
        """A criterion's name in the book's language."""
        return self.criteria[cid].title(self.language) if cid in self.criteria else fallback


def write_xlsx(evaluation: Evaluation, path: Path, language: str | None = None) -> None:
    """evaluation.xlsx: one function per sheet (SHEETS), in the order the workbook shows them."""
    book = Book.of(evaluation, language or evaluation.tender.language)
    wb = Report(path)
    for sheet in SHEETS:
        sheet(book, wb)
    wb.close()


def ranking_sheet(book: Book, wb: Report) -> None:
    _, w, evaluation, currency = book.gettext, book.word, book.evaluation, book.currency
    method = book.rules.method
    ranking = wb.sheet(_("Ranking"))
    separate = not method.ranking_is_total  # the ranking value has a column of its own
    columns = [
        _("Rank"),
        _("Status"),
        _("Tender"),
        _("Tenderer"),
        _("Registration number"),
        _("File"),
        _("Total price (%(currency)s)") % {"currency": currency},
        _(method.total_heading) % {"currency": currency},
        *([ranking_heading(evaluation, book.language)] if separate else []),
        _("Reasons or tie-break"),
        _("File SHA-256"),
    ]
    ranking.header(columns)
    ranking.columns(
        ["integer", None, None, None, None, None, "money", method.points_kind] + ["points"] * separate + ["wrap", None]
    )
    for b in evaluation.bids:
        note = " ".join(w(r) for r in b.reasons) if b.reasons else (w(b.tie_break) if b.tie_break else "")
        ranking.append(
            [
                b.rank,
                _(STATUSES[b.status]),
                b.bid_id,
                b.supplier,
                b.registration_number,
                b.file,
                b.total_price,
                b.total,
                *([b.ranking_value] if separate else []),
                note,
                b.file_sha256,
            ],
        )
    ranking.widths([6, 16, 22, 34, 20, 24, 16, 12, *([16] if separate else []), 80, 66])


def breakdown_sheet(book: Book, wb: Report) -> None:
    _, rules = book.gettext, book.rules
    points = rules.method.points_kind
    breakdown = wb.sheet(_("Breakdown"))
    stake = lambda c: rules.method.stake_shown(c.stake(rules.method), book.currency, PLAIN)
    breakdown.header(
        [_("Rank"), _("Tender")] + [f"{c.title(book.language)} ({stake(c)})" for c in rules.criteria] + [_("Total")]
    )
    breakdown.columns(["integer", None] + [points] * len(rules.criteria) + [points])
    for b in book.ranked:
        breakdown.append([b.rank, b.bid_id] + [c.points for c in b.criteria] + [b.total])
    breakdown.widths([6, 22] + [16] * len(rules.criteria) + [10])


def details_sheet(book: Book, wb: Report) -> None:
    _, w = book.gettext, book.word
    details = wb.sheet(_("Details"))
    details.header(
        [
            _("Tender"),
            _("Criterion"),
            _("Name"),
            _("Weight (%) or money"),
            _("Raw value"),
            _("Score"),
            _("Points"),
            _("Explanation"),
            _("Status"),
        ],
    )
    details.columns([None, None, "wrap", "number", "number", "points", book.rules.method.points_kind, "wrap", None])
    for b in book.ranked:
        for c in b.criteria:
            kind = raw_kind(book.criteria.get(c.id))
            details.append(
                [
                    b.bid_id,
                    c.id,
                    book.name(c.id, c.name),
                    c.stake,
                    _raw(c.raw, _),
                    c.score,
                    c.points,
                    w(c.explanation),
                    c.status.value,
                ],
                kinds=[None, None, None, None, kind],
            )
        for k in b.knockouts:
            details.append(
                [b.bid_id, f"knock-out {k.id}", k.requirement, None, _("passed"), None, None, w(k.explanation)]
            )
    for b in book.evaluation.bids:
        if b.status is Status.EXCLUDED:
            for k in b.knockouts:
                details.append(
                    [
                        b.bid_id,
                        f"knock-out {k.id}",
                        k.requirement,
                        None,
                        _("passed") if k.passed else _("FAILED"),
                        None,
                        None,
                        w(k.explanation),
                    ],
                )
    details.widths([22, 18, 40, 12, 14, 8, 10, 110, 10])


def panel_sheet(book: Book, wb: Report) -> None:
    """Only when a judged criterion was scored."""
    _ = book.gettext
    panels = [(b, c, c.panel) for b in book.ranked for c in b.criteria if c.panel is not None]
    if not panels:
        return
    panel = wb.sheet(_("Panel"))
    panel.header(
        [
            _("Tender"),
            _("Criterion"),
            _("Evaluator"),
            _("Score"),
            _("Comment"),
            _("Consensus"),
            _("Method"),
            _("Moderated score"),
            _("Moderation reason"),
            _("Moderated by"),
            _("Spread"),
            _("Flagged"),
        ],
    )
    panel.columns([None, "wrap", None, "number", "wrap", "number", None, "number", "wrap", None, "number", None])
    for b, c, p in panels:
        for sc in p.scores:
            panel.append(
                [
                    b.bid_id,
                    book.name(c.id, c.name),
                    sc.evaluator,
                    sc.score,
                    sc.comment,
                    p.consensus,
                    p.method,
                    p.moderated.score if p.moderated else None,
                    p.moderated.reason if p.moderated else None,
                    p.moderated.by if p.moderated else None,
                    p.spread,
                    _("yes") if p.flagged else "",
                ],
            )
        for missing in p.missing:
            panel.append([b.bid_id, book.name(c.id, c.name), missing, None, _("no score"), p.consensus, p.method])
    for criterion, alpha in book.evaluation.agreement.items():
        panel.append(
            [_("Agreement"), book.name(criterion, criterion), _("Krippendorff's alpha (interval)"), alpha],
            kinds=[None, None, None, "number"],
        )
    panel.widths([22, 30, 20, 8, 60, 10, 10, 10, 50, 24, 8, 8])


def robustness_sheet(book: Book, wb: Report) -> None:
    _ = book.gettext
    robust = wb.sheet(_("Robustness"))
    robust.header([_("Finding")])
    robust.columns(["wrap"])
    for line in robustness_lines(book.evaluation, book.language):
        robust.append([line])
    robust.widths([140])


def sensitivity_sheet(book: Book, wb: Report) -> None:
    _, robustness = book.gettext, book.evaluation.robustness
    sensitivity = wb.sheet(_("Weight sensitivity"))
    sensitivity.header(
        [_("Criterion"), _("Weight (%)"), _("Winner changes at (%)"), _("New winner"), _("Searched (± pp)")]
    )
    sensitivity.columns(["wrap", "number", "number", None, "number"])
    for row in robustness.weight_sensitivity:
        sensitivity.append(
            [book.name(row.criterion, row.criterion), row.weight, row.flip_at, row.new_winner, row.searched_pp]
        )
    for bid, share in (robustness.win_shares or {}).items():
        sensitivity.append([_("Win share of %(bid)s") % {"bid": bid}, share], kinds=[None, "percent"])
    sensitivity.widths([50, 12, 20, 22, 14])


def claims_sheet(book: Book, wb: Report) -> None:
    _, w = book.gettext, book.word
    claims = wb.sheet(_("Claims"))
    claims.header(
        [
            _("Tender"),
            _("Row"),
            _("Label"),
            _("Version"),
            _("Certificate ID"),
            _("Covers"),
            _("Claimed as equivalent to"),
            _("Evidence"),
            _("Verdict"),
            _("Reason code"),
            _("Reason"),
            _("Register snapshot"),
            _("Valid until"),
            _("Contract term covered"),
            _("Follow-up"),
            _("Reviewed by"),
        ],
    )
    claims.columns(
        [None, "integer", None, None, None, "wrap", None, "wrap", None, None, "wrap", "wrap", None, "percent", "wrap"]
        + [None]
    )
    for b in book.evaluation.bids:
        for cl in b.claims:
            claims.append(
                [
                    b.bid_id,
                    cl.row,
                    cl.label,
                    cl.version,
                    cl.certificate_id,
                    "; ".join(cl.covers),
                    cl.equivalent_to,
                    cl.evidence,
                    _(VERDICTS[cl.verdict]),
                    cl.reason_code,
                    w(cl.reason),
                    cl.register_snapshot,
                    cl.valid_until,
                    cl.contract_coverage,
                    w(cl.follow_up) if cl.follow_up is not None else None,
                    cl.reviewed_by,
                ],
            )
    claims.widths([22, 6, 20, 14, 22, 30, 20, 22, 20, 30, 100, 44, 12, 10, 60, 30])


def issues_sheet(book: Book, wb: Report) -> None:
    _, w = book.gettext, book.word
    issues = wb.sheet(_("Issues"))
    issues.header([_("Tender"), _("File"), _("Severity"), _("Code"), _("Sheet"), _("Row"), _("Field"), _("Message")])
    issues.columns([None, None, None, None, None, "integer", None, "wrap"])
    for b in book.evaluation.bids:
        for i in b.issues:
            issues.append(
                [b.bid_id, b.file, _(i.severity.value), i.code, i.sheet, i.row, i.field, w(i.fact or i.message)]
            )
    issues.widths([22, 24, 10, 26, 14, 6, 30, 100])


def pending_sheet(book: Book, wb: Report) -> None:
    """Only when a decision is open."""
    _, w = book.gettext, book.word
    pending = book.evaluation.pending
    if not pending:
        return
    sheet = wb.sheet(_("Pending decisions"))
    sheet.header([_("Tender"), _("Kind"), _("Subject"), _("Decides"), _("Explanation")])
    sheet.columns([None, None, None, None, "wrap"])
    for decision in pending:
        sheet.append(
            [
                decision.bid_id,
                _(decision.kind),
                decision.subject,
                _("yes") if decision.relevant else _("no"),
                w(decision.explanation),
            ],
        )
    sheet.widths([22, 14, 30, 10, 120])


def clarifications_sheet(book: Book, wb: Report) -> None:
    """Only when a clarification was asked or answered."""
    _ = book.gettext
    asked = with_clarifications(book.evaluation)
    if not asked:
        return
    sheet = wb.sheet(_("Clarifications"))
    sheet.header(
        [
            _("Tender"),
            _("Kind"),
            _("Where"),
            _("Field"),
            _("What the tender holds"),
            _("What is expected"),
            _("Needed"),
        ]
    )
    sheet.columns([None, None, None, None, "wrap", "wrap", "wrap"])
    for b in asked:
        for row in request_rows(b):
            sheet.append([b.bid_id, _("request"), *row])
    for b in asked:
        for where, field, original, answer, received, by, outcome in answer_rows(b):
            sheet.append([b.bid_id, _("answer"), where, field, original, f"{answer} ({received}, {by})", outcome])
    sheet.widths([22, 9, 22, 30, 60, 40, 40])


def rules_sheet(book: Book, wb: Report) -> None:
    _, evaluation, rules = book.gettext, book.evaluation, book.rules
    ws: Sheet = wb.sheet(_("Rules"))
    ws.header([_("Setting"), _("Value")])
    ws.columns([None, "wrap"])
    documents_only = _("in the tender documents")  # a library entry the rule set states but does not check
    for key, value in (
        (_("Rule set"), rules.id),
        (_("Version"), rules.version),
        (_("Title"), rules.title),
        (_("File"), rules_path_shown(evaluation)),
        ("SHA-256", evaluation.rules_sha256),
        (_("Source"), rules.source),
        (_("Scale"), f"0..{rules.scale}"),
        (
            _("Rounding"),
            f"{rules.rounding.mode.replace('_', '-')}, {rules.rounding.places}; points = score / {rules.scale} × "
            "weight; total = Σ points",
        ),
        (_("Tie-break"), " → ".join(["total"] + rules.tie_break)),
        (_("Label catalogue"), evaluation.catalogue_version),
        *((_("Criteria library"), library_shown(u, _)) for u in evaluation.libraries),
        *(
            (f"{e.id} {e.version}", f"{e.rule or documents_only} ({e.sha256[:12]}…)")
            for u in evaluation.libraries
            for e in u.entries
        ),
        (_("Register snapshots"), "; ".join(evaluation.registers)),
        (_("Method"), f"{rules.method.name} {rules.method.setting() or ''}".strip()),
        ("tenderscore", evaluation.tool_version),
        *(
            [
                (
                    _("Ledger head"),
                    _(
                        "record %(record)s of this tender's chain, hash %(hash)s (tenderscore audit verify --head "
                        "checks it is still there)"
                    )
                    % {"record": evaluation.ledger_seq, "hash": evaluation.ledger_hash},
                )
            ]
            if evaluation.ledger_hash
            else []
        ),
    ):
        ws.append([key, value])
    ws.widths([30, 100])


def criteria_sheet(book: Book, wb: Report) -> None:
    _, rules = book.gettext, book.rules
    listed = wb.sheet(_("Criteria"))
    listed.header(
        [
            _("Criterion"),
            _("Name"),
            _("Group"),
            _("Weight (%) or money"),
            _("Field"),
            _("Aggregate"),
            _("Function"),
            _("Parameters"),
        ]
    )
    listed.columns([None, "wrap", "wrap", "number", None, None, None, "wrap"])
    for c in rules.criteria:
        params = json.dumps(plain(c.params.model_dump(by_alias=True, exclude_none=True)), ensure_ascii=False)
        listed.append(
            [c.id, c.title(book.language), c.group, c.stake(rules.method), c.field, c.aggregate, c.function, params]
        )
    weights = [rules.method.percent(c.stake(rules.method)) for c in rules.criteria]
    if None not in weights:  # weights in percent add up (checked on load to 100)
        listed.append([_("Total"), None, None, sum((w for w in weights if w is not None), Decimal(0))])
    listed.widths([20, 40, 28, 12, 30, 22, 18, 80])


def knockouts_sheet(book: Book, wb: Report) -> None:
    _ = book.gettext
    knockouts = wb.sheet(_("Knock-outs"))
    knockouts.header([_("Knock-out"), _("Requirement"), _("Test")])
    knockouts.columns([None, "wrap", "wrap"])
    for k in book.rules.knockouts:
        test = k.condition.describe() if k.check else f"every item: {k.condition.describe()}"
        knockouts.append([k.id, k.wording(book.language), test])
    knockouts.widths([20, 80, 60])


def label_requirements_sheet(book: Book, wb: Report) -> None:
    """Only when the rule set asks for labels."""
    _, rules = book.gettext, book.rules
    if not rules.labels:
        return
    labels = wb.sheet(_("Label requirements"))
    labels.header(
        [
            _("Label requirement"),
            _("Reference"),
            _("Minimum version"),
            _("Areas an equivalent must cover"),
            _("Expiry during contract"),
        ]
    )
    labels.columns([None, None, None, "wrap", None])
    for key, req in rules.labels.items():
        labels.append([key, req.reference, req.minimum_version, ", ".join(req.areas), req.expiry_during_contract])
    labels.widths([20, 24, 18, 80, 20])


def linter_sheet(book: Book, wb: Report) -> None:
    """Only when the criteria linter warned."""
    _ = book.gettext
    if not book.evaluation.rule_warnings:
        return
    warnings = wb.sheet(_("Linter warnings"))
    warnings.header([_("Code"), _("Rule"), _("Message")])
    warnings.columns([None, None, "wrap"])
    for w in book.evaluation.rule_warnings:
        warnings.append([w.code, w.rule, w.message])
    warnings.widths([24, 30, 100])


def issue_codes_sheet(book: Book, wb: Report) -> None:
    _ = book.gettext
    codes = wb.sheet(_("Issue codes"))
    codes.header([_("Code"), _("Severity"), _("Meaning")])
    codes.columns([None, None, "wrap"])
    for code, (severity, meaning) in CODES.items():
        codes.append([code, _(severity.value), _(meaning)])
    codes.widths([30, 10, 100])


SHEETS: tuple[Callable[[Book, Report], None], ...] = (
    ranking_sheet,
    breakdown_sheet,
    details_sheet,
    panel_sheet,
    robustness_sheet,
    sensitivity_sheet,
    claims_sheet,
    issues_sheet,
    pending_sheet,
    clarifications_sheet,
    rules_sheet,
    criteria_sheet,
    knockouts_sheet,
    label_requirements_sheet,
    linter_sheet,
    issue_codes_sheet,
)
