"""The committee report: what summary.md and report.html say, in the buyer's language.

One view (CommitteeView), built here from the evaluation, for both templates (templates/summary.md.j2 and
templates/report.html.j2): the procedure and the committee with its declarations, the opening record, the
compliance and scoring results, the robustness findings, the pending decisions and whether the award depends
on them, and the signature lines. Figures are formatted per locale (Babel); bidder text stays text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from scoring.award.results import BidResult, Evaluation, Moderation, PendingDecision, RunKind, Status
from scoring.facts import Fact
from scoring.intake.clarify import CLARIFICATIONS_FILE
from scoring.issues import Issue
from scoring.models import Tender
from scoring.reports.clarifications import FOLDER as CLARIFICATIONS
from scoring.reports.clarifications import answer_rows, not_sent, request_rows, with_clarifications
from scoring.reports.evaluation_json import LedgerHead, Queued, ledger_head, review_queue, rules_path_shown
from scoring.reports.i18n import N_, Formats, gettext
from scoring.reports.letters import PROCEDURES, VERDICTS, text
from scoring.reports.words import word
from scoring.rules.library import LibraryUse
from scoring.rules.lint import RuleWarning
from scoring.rules.schema import RuleSet

STATUSES = {
    Status.RANKED: N_("ranked"),
    Status.EXCLUDED: N_("non-compliant"),
    Status.REJECTED: N_("rejected"),
    Status.AWAITING_CLARIFICATION: N_("awaiting clarification"),
}
SEVERITIES = (N_("error"), N_("warning"), N_("info"))
KINDS = {"claim": N_("claim"), "clarification": N_("clarification")}  # of a pending decision
ROLES = {"chair": N_("chair"), "member": N_("member"), "secretary": N_("secretary"), "expert": N_("expert")}


def _per(evaluation: Evaluation, language: str) -> str:
    """A ratio method's `per`, as the heading and the ranked-on sentence show it."""
    per = getattr(evaluation.rules.method, "per", None)
    return Formats(language).number(per, 0) if per is not None else ""


def ranking_heading(evaluation: Evaluation, language: str = "en") -> str:
    """The heading of the ranking value's column, as the method words it, in the language."""
    values = {"currency": evaluation.tender.currency, "per": _per(evaluation, language)}
    return gettext(language)(evaluation.rules.method.heading) % values


def ranking_shown(evaluation: Evaluation, b: BidResult, language: str = "en") -> str:
    f = Formats(language, evaluation.tender.locale)
    method = evaluation.rules.method
    value = method.ranking_figure(b.ranking_value, b.total)
    return f.number(value, method.ranking_places(evaluation.rules.rounding.places)) if value is not None else "–"


def robustness_lines(evaluation: Evaluation, language: str = "en") -> list[str]:
    """The robustness findings as sentences."""
    _ = gettext(language)
    f = Formats(language, evaluation.tender.locale)
    names = {c.id: c.title(language) for c in evaluation.rules.criteria}
    r = evaluation.robustness
    lines = []
    for w in r.weight_sensitivity:
        values = {"criterion": names.get(w.criterion, w.criterion), "weight": f.figure(w.weight)}
        if w.flip_at is None:
            lines.append(
                _(
                    "Weight of %(criterion)s (%(weight)s %%): no change of winner within ±%(pp)s percentage points "
                    "(others rescaled)."
                )
                % {**values, "pp": f.figure(w.searched_pp)}
            )
        else:
            lines.append(
                _(
                    "Weight of %(criterion)s (%(weight)s %%): the winner changes to %(bid)s at %(at)s %% (others "
                    "rescaled proportionally)."
                )
                % {**values, "bid": w.new_winner, "at": f.figure(w.flip_at)}
            )
    if evaluation.rules.method.sensitivity_note:
        lines.append(_(evaluation.rules.method.sensitivity_note))
    for rev in r.rank_reversals:
        pairs = "; ".join(_("%(a)s now below %(b)s") % {"a": a, "b": b} for a, b in rev.changed_pairs)
        line = _("Rank reversal: without %(bid)s, %(pairs)s.") % {"bid": rev.removed, "pairs": pairs}
        if rev.cause:
            line += " " + _("Cause: scores relative to the other bids (%(criteria)s).") % {
                "criteria": rev.cause.split(": ", 1)[-1]
            }
        lines.append(line)
    if not r.rank_reversals:
        lines.append(_("No rank reversal: withdrawing any non-winning bid leaves the order of the others unchanged."))
    shares = r.win_shares
    if shares:
        listing = ", ".join(f"{b} {f.percent(v)}" for b, v in shares.items() if v)
        lines.append(
            _("Over the declared weight ranges (%(draws)s draws, seed %(seed)s), the winner is: %(listing)s.")
            % {
                "draws": evaluation.rules.robustness.draws,
                "seed": evaluation.rules.robustness.seed,
                "listing": listing,
            }
        )
    return lines


def pending_text(p: PendingDecision, language: str, f: Formats) -> str:
    """Whether the award or a rank depends on a pending decision, in words."""
    _ = gettext(language)
    if p.kind == "clarification":
        if p.changes_winner is None:
            return _(
                "%(bid)s cannot be ranked before it answers on %(field)s: the answer may change the ranking, and "
                "the award waits for it."
            ) % {"bid": p.bid_id, "field": p.subject}
        return _("%(field)s of %(bid)s is a formal defect: the answer changes no score.") % {
            "bid": p.bid_id,
            "field": p.subject,
        }
    if p.total_if_accepted is None:
        return _("%(bid)s is not ranked for other reasons: the decision on claim %(claim)s changes no rank.") % {
            "bid": p.bid_id,
            "claim": p.subject,
        }
    values = {
        "claim": p.subject,
        "bid": p.bid_id,
        "total": f.number(p.total_if_accepted, 2),
        "now": f.number(p.total_now, 2),
        "rank": p.rank_if_accepted,
        "rank_now": p.rank_now,
        "winner": p.winner_now,
        "other": p.winner_if_accepted,
    }
    head = (
        _(
            "Accepting claim %(claim)s of %(bid)s would bring its total to %(total)s (now %(now)s), rank %(rank)s (now "
            "%(rank_now)s)"
        )
        % values
    )
    if p.changes_winner:
        return head + _(
            ": the winner would be %(other)s instead of %(winner)s; the award depends on this decision."
        ) % (values)
    if p.changes_ranks:
        return head + _("; %(winner)s stays first, but ranks below it change.") % values
    return head + _(": %(winner)s stays first; the award does not depend on this decision.") % values


# --- the view both templates render ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    declared_on: str | None
    conflict: Any
    note: str | None
    signed_on: str | None = None


@dataclass(frozen=True)
class MeetingRow:
    on: str
    attended: str
    subject: str


@dataclass(frozen=True)
class CheckRow:
    """A ranked tender's exclusion grounds and selection criteria, as the committee recorded them."""

    bid: BidResult
    exclusion: str
    selection: str
    by: str
    on: str
    note: str


@dataclass(frozen=True)
class ExaminationRow:
    bid: BidResult
    outcome: str
    asked_on: str
    decided_on: str
    note: str


@dataclass(frozen=True)
class Standstill:
    ends: str | None
    signing: str | None
    days: int
    provision: str


@dataclass(frozen=True)
class Opened:
    """A bid in the opening record."""

    file: str
    supplier: str | None
    received: str | None
    from_record: bool
    withdrawn: bool
    status: str
    tenderer: str | None = None  # as the opening record names it


@dataclass(frozen=True)
class MethodWords:
    label: str
    ranked_on: str
    heading: str


@dataclass(frozen=True)
class RankedRow:
    rank: int | None
    bid: BidResult
    price: str
    value: str
    note: Fact | str


@dataclass(frozen=True)
class BidRow:
    bid: BidResult
    price: str
    value: str
    status: str
    note: Fact | str


@dataclass(frozen=True)
class Group:
    title: str
    bids: list[BidResult]


@dataclass(frozen=True)
class Column:
    """A criterion as a column of the breakdown."""

    id: str
    name: str
    stake: str


@dataclass(frozen=True)
class Points:
    shown: str
    explanation: Fact


@dataclass(frozen=True)
class BreakdownRow:
    bid: BidResult
    points: list[Points]
    total: str


@dataclass(frozen=True)
class PanelRow:
    bid: BidResult
    criterion: str
    scores: str
    consensus: str
    moderated: Moderation | None
    flagged: bool
    spread: str
    missing: str


@dataclass(frozen=True)
class ClaimRow:
    bid_id: str
    label: str
    reference: str
    verdict: str
    verdict_code: str
    code: str
    reason: Fact


@dataclass(frozen=True)
class PendingRow:
    relevant: bool
    kind: str
    bid_id: str
    subject: str
    text: str


def library_shown(use: LibraryUse, _: Any) -> str:
    """A criteria library as reports name it: its id and version, how many of its entries the rule set used,
    and its hash."""
    return _("%(library)s %(version)s: %(count)s entries used (SHA-256 %(sha)s)") % {
        "library": use.id,
        "version": use.version,
        "count": len(use.entries),
        "sha": use.sha256,
    }


@dataclass(frozen=True)
class CommitteeView:
    """What summary.md and report.html both say, worded and formatted in one language: each template only
    lays it out (templates/summary.md.j2, templates/report.html.j2)."""

    lang: str
    tender: Tender
    lot: str | None
    deadline: str
    contract_start: str
    contract_end: str
    receipt: Fact | None
    rules: RuleSet
    rules_path: str
    rules_sha256: str
    libraries: list[str]  # the criteria libraries the rule set was built from, worded
    tool_version: str
    scenario: bool
    official: bool
    run_id: str | None
    previous_run_id: str | None
    ledger_head: LedgerHead | None
    procedure: str
    notice: str | None
    estimated_value: str | None
    committee: list[Member]
    counts: dict[Status, int]
    received: int
    opening: list[Opened]
    method: MethodWords
    ranking: list[RankedRow]
    all_bids: list[BidRow]
    groups: list[Group]
    ties: list[BidResult]
    warnings: list[Fact]
    rule_warnings: list[RuleWarning]
    requests: list[tuple[BidResult, Any]]
    answers: list[tuple[BidResult, Any]]
    criteria: list[Column]
    breakdown: list[BreakdownRow]
    diff: dict | None
    robustness: list[str]
    panels: list[PanelRow]
    agreement: list[tuple[str, str]]
    claims: list[ClaimRow]
    pending: list[PendingRow]
    queue: list[Queued]
    issues: list[tuple[BidResult, Issue]]
    bid_warnings: list[tuple[BidResult, Issue]]
    draft: bool
    title: str = ""
    report_on: str | None = None
    meetings: list[MeetingRow] = field(default_factory=list)
    checks: list[CheckRow] = field(default_factory=list)
    examinations: list[ExaminationRow] = field(default_factory=list)
    proposal: dict[str, Any] | None = None
    standstill: Standstill | None = None
    not_sent: list[BidResult] = field(default_factory=list)
    clarifications_folder: str = CLARIFICATIONS
    clarifications_file: str = CLARIFICATIONS_FILE

    def context(self) -> dict[str, Any]:
        """The view as the templates' names (and Status, to count by)."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"Status": Status}


def committee_view(evaluation: Evaluation, diff: dict | None, language: str) -> CommitteeView:
    _ = gettext(language)
    t = evaluation.tender
    f = Formats(language, t.locale)
    ranked = sorted((b for b in evaluation.bids if b.status is Status.RANKED), key=lambda b: b.rank or 0)
    asked = with_clarifications(evaluation)
    return CommitteeView(
        lang=language,
        tender=t,
        lot=evaluation.lot,
        deadline=f.moment(t.bid_deadline),
        contract_start=f.date(t.contract_start),
        contract_end=f.date(t.contract_end),
        receipt=evaluation.receipt,
        rules=evaluation.rules,
        rules_path=rules_path_shown(evaluation),
        rules_sha256=evaluation.rules_sha256,
        libraries=[library_shown(u, _) for u in evaluation.libraries],
        tool_version=evaluation.tool_version,
        scenario=evaluation.kind is RunKind.SCENARIO,
        official=evaluation.kind is RunKind.OFFICIAL,
        run_id=evaluation.run_id,
        previous_run_id=evaluation.previous_run_id,
        ledger_head=ledger_head(evaluation) if evaluation.ledger_hash else None,
        procedure=_(PROCEDURES[t.procedure.type]),
        notice=t.procedure.notice,
        estimated_value=f.money(t.procedure.estimated_value, t.currency) if t.procedure.estimated_value else None,
        committee=_members(t, _, f),
        counts={s: sum(1 for b in evaluation.bids if b.status is s) for s in Status},
        received=len(evaluation.bids),
        opening=_opening(evaluation, _, f),
        method=MethodWords(
            label=_(evaluation.rules.method.label),
            ranked_on=_(evaluation.rules.method.ranked_on) % {"per": _per(evaluation, language)},
            heading=ranking_heading(evaluation, language),
        ),
        ranking=[
            RankedRow(b.rank, b, f.number(b.total_price, 2), ranking_shown(evaluation, b, language), b.tie_break or "")
            for b in ranked
        ],
        all_bids=_all_bids(evaluation, language, f),
        groups=_groups(evaluation, _),
        ties=[b for b in ranked if b.tie_break],
        warnings=evaluation.warnings,
        rule_warnings=evaluation.rule_warnings,
        requests=[(b, row) for b in asked for row in request_rows(b)],
        answers=[(b, row) for b in asked for row in answer_rows(b)],
        criteria=_columns(evaluation, ranked, language, f),
        breakdown=[
            BreakdownRow(
                b,
                [Points(f.number(c.points, evaluation.rules.rounding.places), c.explanation) for c in b.criteria],
                f.number(b.total, evaluation.rules.rounding.places),
            )
            for b in ranked
        ],
        diff=diff,
        robustness=robustness_lines(evaluation, language),
        panels=_panels(evaluation, ranked, language, f),
        agreement=[(k, f.number(v, 3) if v is not None else "–") for k, v in evaluation.agreement.items()],
        claims=[
            ClaimRow(
                b.bid_id,
                c.label or "",
                c.certificate_id or c.evidence or "",
                _(VERDICTS[c.verdict]),
                c.verdict.value,
                c.reason_code,
                c.reason,
            )
            for b in evaluation.bids
            for c in b.claims
        ],
        pending=[
            PendingRow(p.relevant, _(KINDS[p.kind]), p.bid_id, p.subject, pending_text(p, language, f))
            for p in evaluation.pending
        ],
        queue=review_queue(evaluation),
        issues=[(b, i) for b in evaluation.bids for i in b.issues],
        bid_warnings=[(b, i) for b in evaluation.bids for i in b.issues if i.severity.value == "warning"],
        draft=evaluation.draft or bool(_open(evaluation, language)),
        title=t.title_in(language) or t.title,
        report_on=f.date(t.proceedings.report_on) if t.proceedings.report_on else None,
        meetings=[MeetingRow(f.date(m.held_on), ", ".join(m.attended), m.subject) for m in t.proceedings.meetings],
        checks=_checks(evaluation, ranked, _, f),
        examinations=_examinations(evaluation, _, f),
        proposal={
            "to": text(t.proceedings.proposal.to, evaluation, language),
            "on": f.date(t.proceedings.proposal.made_on) if t.proceedings.proposal.made_on else None,
            "winner": ranked[0] if ranked else None,
        }
        if t.proceedings.proposal
        else None,
        standstill=_standstill(evaluation, language, f),
        not_sent=not_sent(evaluation),
    )


def _open(evaluation: Evaluation, language: str) -> list[Any]:
    from scoring.award.readiness import open_items

    return open_items(evaluation, language)


CHECK_WORDS = {"passed": N_("verified: no ground applies"), "failed": N_("not met"), "pending": N_("being verified")}
SELECTION_WORDS = {"passed": N_("met"), "failed": N_("not met"), "pending": N_("being verified")}
OUTCOMES = {
    "pending": N_("explanation awaited"),
    "accepted": N_("explanation accepted"),
    "rejected": N_("explanation not accepted: excluded (Art. 69(3))"),
}


def _checks(evaluation: Evaluation, ranked: list[BidResult], _: Any, f: Formats) -> list[CheckRow]:
    """The exclusion grounds and selection criteria of every ranked tender (Art. 57, 58; the ESPD)."""
    rows = []
    for b in ranked:
        c = evaluation.tender.proceedings.check_of(b.bid_id)
        if c is None:
            rows.append(CheckRow(b, _("not recorded"), _("not recorded"), "", "", ""))
        else:
            rows.append(
                CheckRow(
                    b, _(CHECK_WORDS[c.exclusion]), _(SELECTION_WORDS[c.selection]), c.by, f.date(c.checked_on), c.note
                )
            )
    return rows


def _examinations(evaluation: Evaluation, _: Any, f: Formats) -> list[ExaminationRow]:
    """Every price that asked for an explanation (Art. 69), with its examination."""
    rows = []
    for b in evaluation.bids:
        flagged = any(i.code == "price.abnormally_low" for i in b.issues)
        e = evaluation.tender.proceedings.examination_of(b.bid_id)
        if not flagged and e is None:
            continue
        if e is None:
            rows.append(ExaminationRow(b, _("not examined yet"), "", "", ""))
        else:
            decided = f.date(e.decided_on) if e.decided_on else ""
            rows.append(ExaminationRow(b, _(OUTCOMES[e.outcome]), f.date(e.asked_on), decided, e.note))
    return rows


def _standstill(evaluation: Evaluation, language: str, f: Formats) -> Standstill:
    t = evaluation.tender
    law = t.law
    period = t.standstill()
    days = period.days if period else (t.letters.standstill_days or law.standstill)[t.letters.means]
    return Standstill(
        f.date(period.ends) if period else None,
        f.date(period.next_day) if period else None,
        days,
        law.standstill_provision.get(language, law.standstill_provision["en"]),
    )


def _members(t: Tender, _: Any, f: Formats) -> list[Member]:
    return [
        Member(
            m.name,
            _(ROLES[m.role]) if m.role in ROLES else m.role,
            f.date(m.declared_on) if m.declared_on else None,
            m.conflict,
            m.note,
            f.date(m.signed_on) if m.signed_on else None,
        )
        for m in t.committee
    ]


def _opening(evaluation: Evaluation, _: Any, f: Formats) -> list[Opened]:
    return [
        Opened(
            b.file,
            b.supplier,
            f.moment(b.received_at) if b.received_at else None,
            b.received_from_record,
            b.withdrawn,
            _(STATUSES[b.status]),
            b.tenderer,
        )
        for b in sorted(evaluation.bids, key=lambda b: b.file)
    ]


def _all_bids(evaluation: Evaluation, language: str, f: Formats) -> list[BidRow]:
    _ = gettext(language)
    return [
        BidRow(
            b,
            f.number(b.total_price, 2) if b.total_price is not None else "",
            ranking_shown(evaluation, b, language) if b.status is Status.RANKED else "",
            _(STATUSES[b.status]),
            " ".join(word(r, language) for r in b.reasons) if b.reasons else (b.tie_break or ""),
        )
        for b in evaluation.bids
    ]


def _groups(evaluation: Evaluation, _: Any) -> list[Group]:
    """The bids not ranked, by why."""
    groups = []
    for status, title in (
        (Status.AWAITING_CLARIFICATION, N_("Tenders awaiting clarification")),
        (Status.EXCLUDED, N_("Non-compliant tenders")),
        (Status.REJECTED, N_("Rejected tenders")),
    ):
        members = [b for b in evaluation.bids if b.status is status]
        if members:
            groups.append(Group(_(title), members))
    return groups


def _columns(evaluation: Evaluation, ranked: list[BidResult], language: str, f: Formats) -> list[Column]:
    """The breakdown's criteria with what each carries, as the method shows it."""
    rules = evaluation.rules
    criteria = {c.id: c for c in rules.criteria}
    return [
        Column(
            c.id,
            criteria[c.id].title(language) if c.id in criteria else c.name,
            rules.method.stake_shown(c.stake, evaluation.tender.currency, f) if c.stake is not None else "",
        )
        for c in (ranked[0].criteria if ranked else [])
    ]


def _panels(evaluation: Evaluation, ranked: list[BidResult], language: str, f: Formats) -> list[PanelRow]:
    criteria = {c.id: c for c in evaluation.rules.criteria}
    return [
        PanelRow(
            b,
            criteria[c.id].title(language) if c.id in criteria else c.name,
            ", ".join(f"{s.evaluator} {f.figure(s.score)}" for s in p.scores),
            f.figure(p.consensus) if p.consensus is not None else "–",
            p.moderated,
            p.flagged,
            f.figure(p.spread) if p.spread is not None else "",
            ", ".join(p.missing),
        )
        for b in ranked
        for c in b.criteria
        if (p := c.panel) is not None
    ]
