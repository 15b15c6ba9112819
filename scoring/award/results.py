"""What the award stage produces: criterion scores, knock-outs, bid results and the evaluation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Literal

from scoring.claims.verdicts import ClaimVerdict
from scoring.facts import N_, Fact
from scoring.intake.parse import looks_like_formula
from scoring.issues import Issue
from scoring.models import ClarificationRequest, Clarified, Frozen, Tender
from scoring.rules.library import LibraryUse
from scoring.rules.lint import RuleWarning
from scoring.rules.schema import RuleSet


class Status(str, Enum):
    RANKED = "ranked"
    EXCLUDED = "excluded"  # fails a knock-out requirement
    REJECTED = "rejected"  # could not be evaluated: errors in the bid or the file
    # Not ranked until the tenderer answers a clarification the evaluation needs (the calculated value of
    # a formula in a scored field): not a rejection (Art. 56(3)).
    AWAITING_CLARIFICATION = "awaiting_clarification"


STATUS_WORDS = {  # each status as a word in a sentence
    Status.RANKED: N_("ranked"),
    Status.EXCLUDED: N_("excluded"),
    Status.REJECTED: N_("rejected"),
    Status.AWAITING_CLARIFICATION: N_("awaiting clarification"),
}


class PanelScore(Frozen):
    evaluator: str
    score: Decimal
    comment: str | None = None


class Moderation(Frozen):
    score: Decimal
    reason: str
    by: str
    computed: Decimal | None  # the consensus the moderation replaced, kept beside it


class PanelOutcome(Frozen):
    """One bid on one judged criterion: every score, the consensus, and how it was reached."""

    scores: list[PanelScore]
    method: str
    consensus: Decimal | None
    moderated: Moderation | None = None
    spread: Decimal | None = None
    flagged: bool = False
    missing: list[str] = []  # evaluators who did not score


class CriterionStatus(StrEnum):
    FINAL = "final"
    NEEDS_REVIEW = "needs_review"  # a claim or panel score it depends on awaits a person's decision


class RunKind(StrEnum):
    OFFICIAL = "official"  # under the rule set the tender pins
    SCENARIO = "scenario"  # under other rules: a what-if, never written over the official reports


class CriterionResult(Frozen):
    id: str
    name: str
    weight: Decimal | None  # None under value_for_money, where the stake is money
    raw: Any
    score: Decimal  # on the rule set's scale (0..scale)
    points: Decimal
    explanation: Fact  # raw value, rule, score and points, in words (reports/words.py)
    status: CriterionStatus = CriterionStatus.FINAL
    stake: Decimal | None = None  # weight (%), or money under value_for_money
    panel: PanelOutcome | None = None  # every evaluator's score behind a judged criterion


class KnockoutResult(Frozen):
    id: str
    requirement: str
    passed: bool
    explanation: Fact
    answer: Fact | None = None  # what the bid answered, in its own terms, when it failed


class BidResult(Frozen):
    bid_id: str
    file: str
    file_sha256: str
    supplier: str | None
    registration_number: str | None
    status: Status
    rank: int | None = None
    total: Decimal | None = None  # sum of the criteria's points (money under value_for_money)
    total_price: Decimal | None = None
    ranking_value: Decimal | None = None  # what the rank is decided on: total, comparison price or ratio
    criteria: list[CriterionResult] = []
    knockouts: list[KnockoutResult] = []
    claims: list[ClaimVerdict] = []
    issues: list[Issue] = []
    reasons: list[Fact] = []  # why rejected or excluded
    tie_break: Fact | None = None  # how a tie on total was decided, when there was one
    received_at: datetime | None = None  # from the opening record, or the bid's own Submitted at
    received_from_record: bool = False  # whether the opening record gave the time
    withdrawn: bool = False  # the opening record marks it withdrawn
    clarifications: list[ClarificationRequest] = []  # what the buyer may ask the tenderer (Art. 56(3))
    clarified: list[Clarified] = []  # the tenderer's answers, used or refused, with the original values
    tenderer: str | None = None  # the tenderer as the opening record names it (for a file that cannot be read)
    replaced_by: str | None = None  # the same tenderer's later submission, which stands instead of this one
    replaces: list[str] = []  # the earlier submissions this one replaces (their files)

    @property
    def addressee(self) -> str | None:
        """Whom the letter is to: the bid's legal name, else the tenderer the opening record names."""
        if self.supplier and not looks_like_formula(self.supplier):
            return self.supplier
        return self.tenderer or (None if not self.registration_number else self.registration_number)

    @property
    def superseded(self) -> bool:
        return self.replaced_by is not None


class WeightSensitivity(Frozen):
    """The nearest weight of a criterion (others rescaled) at which the winner changes, if within reach."""

    criterion: str
    weight: Decimal
    flip_at: Decimal | None = None
    new_winner: str | None = None
    searched_pp: Decimal


class RankReversal(Frozen):
    """Pairs of bids whose order changes when `removed` is withdrawn."""

    removed: str
    changed_pairs: list[list[str]]
    cause: str | None = None


class RobustnessReport(Frozen):
    weight_sensitivity: list[WeightSensitivity] = []
    rank_reversals: list[RankReversal] = []
    win_shares: dict[str, Decimal] | None = None  # only when weight ranges are declared


class PendingDecision(Frozen):
    """A decision still open (a claim awaiting review, a clarification awaiting its answer), and whether it
    can change the ranking: computed both ways where the outcome is known."""

    kind: Literal["claim", "clarification"]
    bid_id: str
    subject: str  # the claim's certificate or evidence, or the field asked about
    label: str | None = None
    total_now: Decimal | None = None  # as ranked now: the claim not counted
    total_if_accepted: Decimal | None = None
    rank_now: int | None = None
    rank_if_accepted: int | None = None
    winner_now: str | None = None
    winner_if_accepted: str | None = None
    changes_winner: bool | None = None  # None: cannot be known before the decision (an answer not yet given)
    changes_ranks: bool | None = None
    explanation: Fact

    @property
    def relevant(self) -> bool:
        """Whether the award or a rank may depend on it (unknown counts as may)."""
        return self.changes_winner is not False or self.changes_ranks is not False


class Sent(Frozen):
    """Letters sent (tenderscore send): the day, the run they came from, each letter's SHA-256."""

    sent_on: date
    run_id: str
    letters: dict[str, str]  # file -> SHA-256
    by: str | None = None
    decision: dict[str, str] = {}  # bid id -> its outcome then (rank or status): what the letters said

    @staticmethod
    def decision_of(bids: list[BidResult]) -> dict[str, str]:
        return {b.bid_id: f"rank {b.rank}" if b.rank else b.status.value for b in bids}


class Evaluation(Frozen):
    tender: Tender
    lot: str | None = None  # when the rule set evaluates lots separately
    run_id: str | None = None  # set once the run is in the ledger
    kind: RunKind | None = None  # set once the run is in the ledger
    previous_run_id: str | None = None
    run_at: str | None = None
    ledger_seq: int | None = None  # the run's position in its tender's (or lot's) chain: the head reports print
    ledger_hash: str | None = None  # and its record's hash (audit verify --head)
    rules: RuleSet
    rules_path: str
    rules_sha256: str
    tool_version: str
    bids: list[BidResult]  # ranked first by rank, then excluded, then rejected
    warnings: list[Fact] = []  # about the evaluation as a whole (e.g. an undecided tie)
    rule_warnings: list[RuleWarning] = []  # the criteria linter's
    catalogue_version: str | None = None
    libraries: list[LibraryUse] = []  # the criteria libraries the rule set was built from, each entry used
    registers: list[str] = []  # the register snapshots claims were checked against
    agreement: dict[str, Decimal | None] = {}  # judged criterion -> Krippendorff's alpha
    robustness: RobustnessReport = RobustnessReport()  # award/robustness.py
    receipt: Fact | None = None  # what decided lateness and which submission stands (intake/receipts.py)
    pending: list[PendingDecision] = []  # open decisions and whether the ranking depends on them (award/pending.py)
    unapplied: list[tuple[str, str]] = []  # review decisions (bid, claim) that matched no claim of the tender
    sent: Sent | None = None  # when the letters of this tender (lot) were sent, from the ledger

    @property
    def draft(self) -> bool:
        """Whether a decision that could change a score or a rank is still open: letters are drafts until then."""
        return any(p.relevant for p in self.pending)
