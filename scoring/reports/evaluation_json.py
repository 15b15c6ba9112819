"""evaluation.json: the machine-readable evaluation, byte-identical for the same inputs and rules.

The document is built as the models below and written from them; its JSON Schema (`tenderscore/evaluation/1`,
docs/schemas/evaluation-1.schema.json) is generated from the same models (`python -m scoring.reports.schemas`),
so what the schema publishes is what every run writes. Facts are worded in English here, as the ledger keeps
them; the other reports word them in the tender's language."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)

from scoring.award.results import BidResult, CriterionResult, Evaluation, PanelOutcome, Status
from scoring.claims.verdicts import ClaimVerdict
from scoring.facts import Fact, english
from scoring.formatting import json_text, plain
from scoring.rules.library import LibraryUse

SCHEMA = "tenderscore/evaluation/1"

# A Decimal written as a JSON number (an integer when whole: 2-place amounts print exactly).
Number = Annotated[Decimal, PlainSerializer(plain), WithJsonSchema({"type": "number"})]
# A value as the bid gave it (a number, text, a date as ISO text, yes/no, or a list of them).
AsGiven = Annotated[Any, PlainSerializer(plain), Field(json_schema_extra={"description": "as the bid gave it"})]


class Part(BaseModel):
    """A part of the document: fields in the order written; those in OMITTED_WHEN_EMPTY only when set."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    OMITTED_WHEN_EMPTY: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler):  # unannotated: the schema stays the fields'
        out: dict[str, Any] = handler(self)
        for key in self.OMITTED_WHEN_EMPTY:
            if out.get(key) in (None, []):
                out.pop(key, None)
        return out


class TenderPart(Part):
    id: str
    title: str
    buyer: str
    currency: str
    bid_deadline: str = Field(description="ISO 8601 date and time with its offset")
    receipt_times: str = Field(description="what decided lateness and which submission stands")
    contract_start: str
    contract_end: str


class MethodPart(Part):
    OMITTED_WHEN_EMPTY = frozenset({"direction", "per"})
    name: str
    ranked_on: str
    direction: str | None = None  # value_for_money: added or deducted
    per: Number | None = None  # price_quality_ratio: the price unit


class Counts(Part):
    files: int
    ranked: int
    excluded: int
    rejected: int
    awaiting_clarification: int


class RuleWarningPart(Part):
    code: str
    rule: str
    message: str


class ReviewItem(Part):
    """A claim awaiting a person's decision: what to record in reviews.yaml."""

    bid_id: str
    claim: str | None
    row: int
    label: str | None
    reason_code: str
    reason: str
    decides: bool = Field(description="whether the award or a rank depends on the decision")


class PendingPart(Part):
    kind: str
    bid_id: str
    subject: str
    label: str | None
    total_now: Number | None
    total_if_accepted: Number | None
    rank_now: int | None
    rank_if_accepted: int | None
    winner_now: str | None
    winner_if_accepted: str | None
    changes_winner: bool | None
    changes_ranks: bool | None
    explanation: str
    decides: bool


class WeightSensitivityPart(Part):
    criterion: str
    weight: Number
    flip_at: Number | None
    new_winner: str | None
    searched_pp: Number


class RankReversalPart(Part):
    removed: str
    changed_pairs: list[list[str]]
    cause: str | None


class RobustnessPart(Part):
    OMITTED_WHEN_EMPTY = frozenset({"win_shares"})
    weight_sensitivity: list[WeightSensitivityPart]
    rank_reversals: list[RankReversalPart]
    win_shares: dict[str, Number] | None = None  # only when weight ranges are declared


class EvaluatorScore(Part):
    evaluator: str
    score: Number
    comment: str | None


class ModerationPart(Part):
    score: Number
    reason: str
    by: str
    original_consensus: Number | None


class PanelPart(Part):
    evaluators: list[EvaluatorScore]
    missing: list[str]
    method: str
    consensus: Number | None
    spread: Number | None
    flagged: bool
    moderated: ModerationPart | None


class CriterionPart(Part):
    OMITTED_WHEN_EMPTY = frozenset({"money", "panel"})
    id: str
    name: str
    weight: Number | None = Field(description="percent; null under value_for_money, where the stake is money")
    raw: AsGiven
    score: Number
    points: Number
    explanation: str
    status: str
    money: Number | None = None
    panel: PanelPart | None = None


class ClaimPart(Part):
    row: int
    label: str | None
    version: str | None
    certificate_id: str | None
    covers: list[str]
    equivalent_to: str | None
    evidence: str | None
    scheme: str | None
    requirement: str | None
    verdict: str
    reason_code: str
    reason: str
    register_snapshot: str | None
    valid_until: str | None
    contract_coverage: Number | None
    follow_up: str | None
    reviewed_by: str | None


class KnockoutPart(Part):
    id: str
    requirement: str
    passed: bool
    explanation: str
    answer: str | None


class IssuePart(Part):
    code: str
    severity: str
    sheet: str | None
    row: int | None
    field: str | None
    message: str


class ClarificationPart(Part):
    sheet: str
    row: int | None
    field: str
    cell: str | None
    found: str
    expected: str
    code: str
    blocking: bool


class ClarifiedPart(Part):
    sheet: str
    row: int | None
    field: str
    original: str
    answer: str
    received_on: str
    by: str
    used: bool
    reason: str = Field(description="why the answer was not used; empty when it was")


class BidPart(Part):
    OMITTED_WHEN_EMPTY = frozenset({"clarifications", "clarified"})
    bid_id: str
    supplier: str | None
    registration_number: str | None
    file: str
    file_sha256: str
    status: str
    rank: int | None
    total: Number | None
    ranking_value: Number | None
    total_price: Number | None
    reasons: list[str]
    tie_break: str | None
    received_at: str | None
    withdrawn: bool
    criteria: list[CriterionPart]
    claims: list[ClaimPart]
    knockouts: list[KnockoutPart]
    issues: list[IssuePart]
    clarifications: list[ClarificationPart] = []
    clarified: list[ClarifiedPart] = []


class LedgerHead(Part):
    record: int | None
    hash: str | None


class EvaluationDocument(Part):
    """evaluation.json."""

    OMITTED_WHEN_EMPTY = frozenset({"ledger"})
    model_config = ConfigDict(title="tenderscore evaluation", frozen=True, extra="forbid")
    schema_: str = Field(alias="schema", description=f"always {SCHEMA}")
    run_id: str | None
    kind: str | None
    previous_run_id: str | None
    tool_version: str
    tender_id: str
    lot: str | None
    tender: TenderPart
    rules_path: str
    rules_sha256: str
    rules_id: str
    rules_version: str
    catalogue_version: str | None
    criteria_libraries: list[LibraryUse] = Field(
        description="the criteria libraries the rule set was built from (id, version, SHA-256) and each entry "
        "it used, at its version, with the criterion or knock-out it became"
    )
    register_snapshots: list[str]
    method: MethodPart
    counts: Counts
    warnings: list[str]
    rule_warnings: list[RuleWarningPart]
    review_queue: list[ReviewItem]
    provisional: bool
    pending_decisions: list[PendingPart]
    robustness: RobustnessPart
    panel_agreement: dict[str, Number | None]
    bids: list[BidPart]
    # the ledger head this document is written under, once recorded (never in the ledger's own copy)
    ledger: LedgerHead | None = None


def rules_path_shown(evaluation: Evaluation) -> str:
    """The rule file relative to the tender folder: the same on every machine with the same layout."""
    try:
        return os.path.relpath(evaluation.rules_path, evaluation.tender.folder.resolve())
    except ValueError:  # another drive on Windows
        return evaluation.rules_path


def _text(value: Fact | None) -> str | None:
    return None if value is None else english(value)


def criterion_part(c: CriterionResult) -> CriterionPart:
    return CriterionPart(
        id=c.id,
        name=c.name,
        weight=c.weight,
        raw=c.raw,
        score=c.score,
        points=c.points,
        explanation=english(c.explanation),
        status=c.status.value,
        money=c.stake if c.weight is None else None,
        panel=panel_part(c.panel) if c.panel is not None else None,
    )


def panel_part(p: PanelOutcome) -> PanelPart:
    m = p.moderated
    return PanelPart(
        evaluators=[EvaluatorScore(evaluator=s.evaluator, score=s.score, comment=s.comment) for s in p.scores],
        missing=p.missing,
        method=p.method,
        consensus=p.consensus,
        spread=p.spread,
        flagged=p.flagged,
        moderated=None
        if m is None
        else ModerationPart(score=m.score, reason=m.reason, by=m.by, original_consensus=m.computed),
    )


def claim_part(c: ClaimVerdict) -> ClaimPart:
    return ClaimPart(
        row=c.row,
        label=c.label,
        version=c.version,
        certificate_id=c.certificate_id,
        covers=c.covers,
        equivalent_to=c.equivalent_to,
        evidence=c.evidence,
        scheme=c.scheme,
        requirement=c.requirement,
        verdict=c.verdict.value,
        reason_code=c.reason_code,
        reason=english(c.reason),
        register_snapshot=c.register_snapshot,
        valid_until=plain(c.valid_until),
        contract_coverage=c.contract_coverage,
        follow_up=_text(c.follow_up),
        reviewed_by=c.reviewed_by,
    )


def bid_part(b: BidResult) -> BidPart:
    return BidPart(
        bid_id=b.bid_id,
        supplier=b.supplier,
        registration_number=b.registration_number,
        file=b.file,
        file_sha256=b.file_sha256,
        status=b.status.value,
        rank=b.rank,
        total=b.total,
        ranking_value=b.ranking_value,
        total_price=b.total_price,
        reasons=[english(r) for r in b.reasons],
        tie_break=_text(b.tie_break),
        received_at=plain(b.received_at),
        withdrawn=b.withdrawn,
        criteria=[criterion_part(c) for c in b.criteria],
        claims=[claim_part(c) for c in b.claims],
        knockouts=[
            KnockoutPart(
                id=k.id,
                requirement=k.requirement,
                passed=k.passed,
                explanation=english(k.explanation),
                answer=_text(k.answer),
            )
            for k in b.knockouts
        ],
        issues=[
            IssuePart(
                code=i.code, severity=i.severity.value, sheet=i.sheet, row=i.row, field=i.field, message=i.message
            )
            for i in b.issues
        ],
        clarifications=[
            ClarificationPart(
                sheet=r.sheet,
                row=r.row,
                field=r.field,
                cell=r.cell,
                found=english(r.found),
                expected=english(r.expected),
                code=r.code,
                blocking=r.blocking,
            )
            for r in b.clarifications
        ],
        clarified=[
            ClarifiedPart(
                sheet=a.sheet,
                row=a.row,
                field=a.field,
                original=english(a.original),
                answer=english(a.answer),
                received_on=a.received_on.isoformat(),
                by=a.by,
                used=a.used,
                reason=_text(a.reason) or "",
            )
            for a in b.clarified
        ],
    )


class Queued(BaseModel):
    """A claim in the review queue, its reason still a fact (the committee report words it)."""

    model_config = ConfigDict(frozen=True)
    bid_id: str
    claim: str | None
    row: int
    label: str | None
    reason_code: str
    reason: Fact
    decides: bool


def review_queue(evaluation: Evaluation) -> list[Queued]:
    """Claims awaiting a person's decision, what to record in reviews.yaml: those the award or a rank depends
    on first (award/pending.py)."""
    from scoring.award.pending import awaiting_review

    return [
        Queued(
            bid_id=a.bid.bid_id,
            claim=a.reference or None,
            row=a.claim.row,
            label=a.claim.label,
            reason_code=a.claim.reason_code,
            reason=a.claim.reason,
            decides=a.deciding is True,
        )
        for a in awaiting_review(evaluation)
    ]


def ledger_head(evaluation: Evaluation) -> LedgerHead:
    """The ledger head a recorded run's reports are written under (`tenderscore audit verify --head`)."""
    return LedgerHead(record=evaluation.ledger_seq, hash=evaluation.ledger_hash)


def evaluation_model(evaluation: Evaluation) -> EvaluationDocument:
    t = evaluation.tender
    counts = {s.value: sum(1 for b in evaluation.bids if b.status is s) for s in Status}
    robustness = evaluation.robustness
    return EvaluationDocument(
        schema=SCHEMA,
        run_id=evaluation.run_id,
        kind=evaluation.kind.value if evaluation.kind else None,
        previous_run_id=evaluation.previous_run_id,
        tool_version=evaluation.tool_version,
        tender_id=t.id,
        lot=evaluation.lot,
        tender=TenderPart(
            id=t.id,
            title=t.title,
            buyer=t.buyer,
            currency=t.currency,
            bid_deadline=t.bid_deadline.isoformat(),
            receipt_times=english(evaluation.receipt) if evaluation.receipt else "",
            contract_start=t.contract_start.isoformat(),
            contract_end=t.contract_end.isoformat(),
        ),
        rules_path=rules_path_shown(evaluation),
        rules_sha256=evaluation.rules_sha256,
        rules_id=evaluation.rules.id,
        rules_version=evaluation.rules.version,
        catalogue_version=evaluation.catalogue_version,
        criteria_libraries=evaluation.libraries,
        register_snapshots=evaluation.registers,
        method=MethodPart(**evaluation.rules.method.document()),
        counts=Counts(files=len(evaluation.bids), **counts),
        warnings=[english(w) for w in evaluation.warnings],
        rule_warnings=[RuleWarningPart(**w.model_dump()) for w in evaluation.rule_warnings],
        review_queue=[ReviewItem(**{**q.model_dump(), "reason": english(q.reason)}) for q in review_queue(evaluation)],
        provisional=evaluation.draft,
        pending_decisions=[
            PendingPart(**{**p.model_dump(), "explanation": english(p.explanation), "decides": p.relevant})
            for p in evaluation.pending
        ],
        robustness=RobustnessPart(
            weight_sensitivity=[WeightSensitivityPart(**w.model_dump()) for w in robustness.weight_sensitivity],
            rank_reversals=[RankReversalPart(**r.model_dump()) for r in robustness.rank_reversals],
            win_shares=robustness.win_shares,
        ),
        panel_agreement=evaluation.agreement,
        bids=[bid_part(b) for b in evaluation.bids],
        ledger=ledger_head(evaluation) if evaluation.ledger_hash else None,
    )


def evaluation_document(evaluation: Evaluation) -> dict[str, Any]:
    """evaluation.json as JSON-ready values."""
    document: dict[str, Any] = evaluation_model(evaluation).model_dump(mode="json", by_alias=True)
    return document


def render_json(evaluation: Evaluation) -> str:
    return json_text(evaluation_document(evaluation))
