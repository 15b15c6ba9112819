"""The evaluation of a tender, as one sequence of steps.

workbook → typed bid + issues → validated bid → verified claims → criterion scores → ranking → reports,
with the ledger beside them. `run()` is that sequence, written once. Each step is one library call; the
Prefect flow (flows/evaluate.py) runs the same `run()` with every step wrapped in a task, so the flow and
the library cannot drift apart.

Reports are written only when an output folder is given, and the run recorded only when a ledger is:
`evaluate()` gives the evaluations alone, for inspection.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from scoring import __version__
from scoring.audit.ledger import AWARD, FOLLOW_UP, SENT, Ledger, Pending, Record, Trigger
from scoring.audit.rescore import cached_read, cached_validation, previous_document, sources, staleness
from scoring.audit.runs import input_hashes, prepare_run
from scoring.award.agreement import krippendorff_alpha
from scoring.award.criteria import Scoring, score_bids
from scoring.award.panel import sheet_warnings
from scoring.award.pending import weigh_pending
from scoring.award.rank import rank_bids
from scoring.award.readiness import Open
from scoring.award.results import BidResult, Evaluation, PendingDecision, RobustnessReport, RunKind, Sent
from scoring.award.robustness import assess
from scoring.claims.registers import OfflineRegister
from scoring.claims.reviews import REVIEWS_FILE, ReviewDecision, Reviews, claim_key, load_reviews
from scoring.claims.verify import Verification, unused_decisions
from scoring.contract.followup import EVIDENCE_FILE, check, load_evidence, load_follow_up
from scoring.contract.record import ContractRecord, contract_record, winner_of
from scoring.errors import InputError, OutputError, Problem, TenderError, os_problem
from scoring.facts import N_, Fact, Listing, english, fact
from scoring.intake.clarify import (
    CLARIFICATIONS_FILE,
    Answer,
    apply_answers,
    check_answers,
    formal_fields,
    load_answers,
)
from scoring.intake.crosschecks import items_named
from scoring.intake.folder import Files
from scoring.intake.ingest import read_bid as read_file
from scoring.intake.lots import lot_tender, split_by_lot
from scoring.intake.panel_sheets import PanelSheets, read_panel
from scoring.intake.receipts import Receipt, load_record, not_received, receipt_source, with_receipts
from scoring.intake.tender import TENDER_FILE, BidFile, bid_files, load_tender, set_aside_files
from scoring.models import Award, ReadResult, Tender
from scoring.names import safe_name
from scoring.reports.diff import diff_documents
from scoring.reports.evaluation_json import evaluation_document
from scoring.reports.follow_up import FOLDER as FOLLOW_UP_FOLDER
from scoring.reports.follow_up import document as follow_up_document
from scoring.reports.follow_up import write_follow_up
from scoring.reports.write import default_out_dir, out_dir_of, reports_folder, write_reports
from scoring.rules.load import LoadedRules, load_rules
from scoring.yamlio import load_yaml


@dataclass(frozen=True)
class Prepared:
    """A tender's inputs, each read once (`files` holds their bytes and hashes): what every step of a run
    takes instead of a handful of separate arguments. Built by `prepare`."""

    tender: Tender
    rules: LoadedRules
    entries: list[BidFile]  # every entry of bids/, as it is read
    reviews: Reviews
    answers: list[Answer]
    record: dict[str, Receipt] | None  # the platform's opening record, when the tender names one
    panel: PanelSheets
    checks: Verification | None  # the catalogue, the register snapshots and the reviews; None without labels
    files: Files

    @property
    def scoring(self) -> Scoring:
        return Scoring(self.tender, self.rules.rules, self.checks, self.panel)


@dataclass(frozen=True)
class Unit:
    """What is ranked together: the whole tender, or one lot of it."""

    lot: str | None
    tender: Tender
    reads: list[ReadResult]
    scoring: Scoring


# --- the steps: each one library call -------------------------------------------------------------


def prepare(tender_dir: Path | str, rules_file: Path | str | None = None) -> Prepared:
    """Load and check every input the evaluation cannot run without, each file read once; raises
    InputError naming the file, the line and the key of each problem."""
    files = Files()
    tender = load_tender(tender_dir, files)
    rules = load_rules(Path(rules_file) if rules_file else tender.rules_path, files)
    reviews = load_reviews(tender.folder, files)
    entries = bid_files(tender, files)
    answers = load_answers(tender.folder, files)
    check_answers(answers, entries, tender.folder, files)
    record = load_record(tender, files)
    panel = read_panel(tender.folder, files)
    checks = None
    if rules.catalogue is not None:
        register = OfflineRegister(rules.registers_folder, files)
        checks = Verification(
            tender=tender, rules=rules.rules, catalogue=rules.catalogue, register=register, reviews=reviews
        )
    return Prepared(tender, rules, entries, reviews, answers, record, panel, checks, files)


@dataclass(frozen=True)
class Checked:
    """What `check` found in a tender folder: every problem of its input files, and each bid file's state."""

    folder: Path
    checked: list[str]  # the input files looked at, in order
    problems: list[Problem]  # each problem that would stop `evaluate`
    notes: list[str]  # what would not stop it but is worth knowing (panel sheets, set-aside files)
    bids: list[tuple[str, str | None, str]]  # (file, issue code or None when it reads as a bid, message)


def check_inputs(tender_dir: Path | str) -> Checked:
    """Every check `evaluate` applies before it scores (tender.yaml and committee.yaml, the rule set, the
    review decisions, the clarification answers, the opening record, follow-up.yaml, panel sheets, whether
    each bid file can be read), each input's problems all listed; nothing written, nothing recorded. Raises
    InputError only when there is no tender folder to check."""
    folder = Path(tender_dir)
    if not folder.is_dir():
        raise TenderError(folder, "tender folder not found")
    problems: list[Problem] = []
    checked: list[str] = []

    def attempt(name: str, load: Callable[[], Any]) -> Any:
        checked.append(name)
        try:
            return load()
        except InputError as error:
            problems.extend(error.problems)
            return None

    tender = attempt(TENDER_FILE, lambda: load_tender(folder))
    rules_path = tender.rules_path if tender is not None else _named_rules(folder)
    if rules_path is not None:
        attempt(f"rule set {rules_path.name}", lambda: load_rules(rules_path))
    attempt(REVIEWS_FILE, lambda: load_reviews(folder))
    answers = attempt(CLARIFICATIONS_FILE, lambda: load_answers(folder))
    attempt(EVIDENCE_FILE, lambda: load_evidence(folder))
    notes: list[str] = []
    bids: list[tuple[str, str | None, str]] = []
    if tender is not None:
        if tender.received:
            attempt(f"opening record {tender.received}", lambda: load_record(tender))
        files = attempt("bids/", lambda: bid_files(tender)) or []
        if answers:
            attempt(CLARIFICATIONS_FILE, lambda: check_answers(answers, files, folder))
        notes += [english(p) for p in read_panel(folder).problems]
        notes += [f"bids/{name} is set aside ({english(why)})" for name, why in set_aside_files(tender)]
        for entry in files:
            read = read_file(entry, tender)
            fatal = [i for i in read.issues if i.code.startswith("file.") or i.code == "sheet.missing"]
            bids.append((entry.name, fatal[0].code, fatal[0].message) if fatal else (entry.name, None, "readable"))
    return Checked(folder, list(dict.fromkeys(checked)), problems, notes, bids)


def _named_rules(folder: Path) -> Path | None:
    """The rule set tender.yaml names, when tender.yaml itself does not load (so its rules are checked too)."""
    try:
        rules = load_yaml(folder / TENDER_FILE, TenderError).data.get("rules")
    except InputError:
        return None
    return (folder / rules).resolve() if isinstance(rules, str) else None


def read_bid(entry: BidFile, tender: Tender, ledger: Ledger | None = None, files: Files | None = None) -> ReadResult:
    """One bid file, parsed; with a ledger, only when these bytes were not parsed before for this tender."""
    return cached_read(entry, tender, ledger, files)


def validate_bids(reads: list[ReadResult], prepared: Prepared, ledger: Ledger | None = None) -> list[ReadResult]:
    """The tenderers' answers to clarifications applied, then value checks, checks against the tender and
    between the bids, with formal defects as clarification requests; with a ledger, the value checks of
    bytes already checked for this tender are taken from it."""
    tender, rules = prepared.tender, prepared.rules.rules
    formal = formal_fields(tender, rules.fields_read())
    reads = with_receipts(reads, prepared.record)
    answered = apply_answers(reads, prepared.answers, tender, formal)
    return items_named(cached_validation(answered, tender, rules.lots == "separate", ledger, formal))


def units(checked: list[ReadResult], prepared: Prepared) -> list[Unit]:
    """What is ranked: the whole tender, or each lot on its own when the rule set says so."""
    tender, scoring = prepared.tender, prepared.scoring
    if prepared.rules.rules.lots == "separate":
        return [
            Unit(lot, part := lot_tender(tender, lot), reads, replace(scoring, tender=part))
            for lot, reads in split_by_lot(checked, tender).items()
        ]
    return [Unit(None, tender, checked, scoring)]


def score_unit(unit: Unit) -> list[BidResult]:
    return score_bids(unit.reads, unit.scoring)


def rank_unit(results: list[BidResult], unit: Unit) -> tuple[list[BidResult], list[Fact]]:
    return rank_bids(results, unit.reads, unit.scoring.rules)


def assess_unit(unit: Unit, results: list[BidResult]) -> RobustnessReport:
    return assess(unit.reads, results, unit.scoring)


def weigh_unit(unit: Unit, results: list[BidResult]) -> list[PendingDecision]:
    """Every open decision, scored both ways where it can be: does the award or a rank depend on it?"""
    return weigh_pending(unit.reads, results, unit.scoring)


def panel_agreement(results: list[BidResult]) -> dict[str, Decimal | None]:
    """Krippendorff's alpha per judged criterion, over the ranked bids."""
    found: dict[str, list[list[Decimal]]] = {}
    for b in results:
        for c in b.criteria:
            if c.panel is not None:
                found.setdefault(c.id, []).append([s.score for s in c.panel.scores])
    return {criterion: krippendorff_alpha(u) for criterion, u in found.items()}


def assemble(
    unit: Unit,
    prepared: Prepared,
    results: list[BidResult],
    warnings: list[Fact],
    robustness: RobustnessReport,
    pending: list[PendingDecision] | None = None,
) -> Evaluation:
    rules, checks = prepared.rules, unit.scoring.checks
    warnings = list(warnings)
    competing = [b.bid_id for b in results if b.criteria]
    warnings += sheet_warnings(prepared.panel, rules.rules, competing)
    warnings += not_received(prepared.record, [f.name for f in prepared.entries])
    aside = set_aside_files(unit.tender, prepared.files)
    if aside:
        listed = Listing(tuple(fact("%(file)s (%(why)s)", file=name, why=why) for name, why in aside), "; ")
        warnings.append(fact(N_("Set aside in bids/, not evaluated as bids: %(files)s."), files=listed))
    if unit.lot is not None and not unit.tender.declared_lots:
        warnings.append(
            fact(
                N_("The tender declares no lots (lots: or items: in tender.yaml): lot %(lot)s is one the bids name."),
                lot=unit.lot,
            )
        )
    for read in unit.reads:
        for what, which in (("parse", N_("parse")), ("validation", N_("validation"))):
            if f"{what}:rejected" in read.reused:
                warnings.append(
                    fact(
                        N_(
                            "The ledger's cached %(what)s of %(file)s did not hold what its hash says (it was changed "
                            "outside tenderscore): it was not used, and the file was read and checked again."
                        ),
                        what=fact(which),
                        file=read.file,
                    )
                )
    failed = [b.file for b in results if any(i.code == "bid.evaluation_failed" for i in b.issues)]
    if failed:
        warnings.append(
            fact(
                N_(
                    "The tool failed to evaluate %(count)s bid(s) (%(files)s); they are not ranked and the ranking is "
                    "incomplete: do not award before they are evaluated. The log holds the details."
                ),
                count=len(failed),
                files=", ".join(failed),
            )
        )
    registers: list[str] = []
    unapplied: list[tuple[str, str]] = []
    if checks is not None:
        for d in _unapplied(checks.reviews, results, unit, prepared):
            unapplied.append((d.bid, d.claim))
            warnings.append(
                fact(
                    N_(
                        "The review decision on claim %(claim)s of bid %(bid)s (%(file)s) matches no claim awaiting "
                        "review; it was not applied."
                    ),
                    claim=repr(d.claim),
                    bid=d.bid,
                    file=REVIEWS_FILE,
                )
            )
        registers = sorted({c.register_snapshot for b in results for c in b.claims if c.register_snapshot})
    return Evaluation(
        tender=unit.tender,
        lot=unit.lot,
        rules=rules.rules,
        rules_path=rules.path,
        rules_sha256=rules.sha256,
        tool_version=__version__,
        bids=results,
        warnings=warnings,
        rule_warnings=rules.warnings,
        catalogue_version=rules.catalogue.catalogue_version if rules.catalogue else None,
        libraries=rules.libraries,
        registers=registers,
        agreement=panel_agreement(results),
        robustness=robustness,
        receipt=receipt_source(unit.tender),
        pending=pending or [],
        unapplied=unapplied,
    )


def _unapplied(reviews: Reviews, results: list[BidResult], unit: Unit, prepared: Prepared) -> list[ReviewDecision]:
    """The review decisions that resolved no claim here and belong here: on a bid of this lot (or on a bid the
    tender does not have, in every lot), and not on a claim set aside for another lot."""
    here = {b.bid_id for b in results}
    known = {e.bid_id for e in prepared.entries}
    aside = {(r.bid_id, claim_key(c)) for r in unit.reads for c in r.other_lots_claims}
    return [
        d
        for d in unused_decisions(reviews, {b.bid_id: b.claims for b in results})
        if (d.bid in here or d.bid not in known) and d.key() not in aside
    ]


@dataclass(frozen=True)
class Recorded:
    """A run's record, prepared: the evaluation carrying its run id and ledger head, the changes since the
    tender's previous run (if any), and the record itself, written once its reports are staged."""

    evaluation: Evaluation
    diff: dict | None
    pending: Pending


def record(
    evaluation: Evaluation, prepared: Prepared, trigger: Trigger, ledger: Ledger, reads: list[ReadResult]
) -> Recorded:
    """The run's ledger record, with where each bid's parse and checks came from, and the changes since the
    tender's previous run, if any. Written to the ledger by `write` (or by `run` when nothing is written)."""
    before = previous_document(ledger, evaluation.tender.id, evaluation.lot)
    evaluation, pending = prepare_run(
        ledger, evaluation, prepared.tender, prepared.rules, trigger, sources(reads), prepared.files, reads
    )
    diff = diff_documents(before, evaluation_document(evaluation)) if before else None
    return Recorded(evaluation.model_copy(update={"sent": sent_of(ledger, evaluation)}), diff, pending)


def sent_of(ledger: Ledger, evaluation: Evaluation) -> Sent | None:
    """When the tender's (lot's) letters were last sent, as the ledger records it."""
    found = ledger.latest(evaluation.tender.id, evaluation.lot, kinds=(SENT,))
    return Sent.model_validate(found.document) if found else None


def write(
    evaluation: Evaluation,
    out_dir: Path | str | None,
    diff: dict | None,
    ledger: Ledger | None = None,
    pending: Pending | None = None,
) -> list[Path]:
    """The reports into out_dir (a lot's into lot-<id>/ below it), or reports/<tender>/ when none is named;
    the run's record is written to the ledger once they are all staged, before they are moved into place:
    the ledger never holds a run whose reports could not be written, nor reports of a run it does not hold."""
    target = out_dir_of(evaluation, Path(out_dir).resolve()) if out_dir else default_out_dir(evaluation)
    commit = (lambda: ledger.commit(pending)) if ledger is not None and pending is not None else None
    return write_reports(evaluation, target, diff, before_move=commit)


# --- the sequence ----------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]  # (stage, done, total): for a progress display


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _read_all(prepared: Prepared, ledger: Ledger | None, progress: Progress) -> list[ReadResult]:
    reads = []
    entries = prepared.entries
    for n, entry in enumerate(entries, start=1):
        reads.append(read_bid(entry, prepared.tender, ledger, prepared.files))
        progress("read bids", n, len(entries))
    return reads


def _nothing(evaluation: Evaluation, written: list[Path]) -> None:
    return None


class PrepareStep(Protocol):
    def __call__(self, tender_dir: Path | str, rules_file: Path | str | None = None) -> Prepared: ...


class ReadStep(Protocol):
    def __call__(self, prepared: Prepared, ledger: Ledger | None, progress: Progress) -> list[ReadResult]: ...


class ValidateStep(Protocol):
    def __call__(
        self, reads: list[ReadResult], prepared: Prepared, ledger: Ledger | None = None
    ) -> list[ReadResult]: ...


class ScoreStep(Protocol):
    def __call__(self, unit: Unit) -> list[BidResult]: ...


class RankStep(Protocol):
    def __call__(self, results: list[BidResult], unit: Unit) -> tuple[list[BidResult], list[Fact]]: ...


class AssessStep(Protocol):
    def __call__(self, unit: Unit, results: list[BidResult]) -> RobustnessReport: ...


class WeighStep(Protocol):
    def __call__(self, unit: Unit, results: list[BidResult]) -> list[PendingDecision]: ...


class RecordStep(Protocol):
    def __call__(
        self, evaluation: Evaluation, prepared: Prepared, trigger: Trigger, ledger: Ledger, reads: list[ReadResult]
    ) -> Recorded: ...


class WriteStep(Protocol):
    def __call__(
        self,
        evaluation: Evaluation,
        out_dir: Path | str | None,
        diff: dict | None,
        ledger: Ledger | None = None,
        pending: Pending | None = None,
    ) -> list[Path]: ...


class PublishStep(Protocol):
    def __call__(self, evaluation: Evaluation, written: list[Path]) -> None: ...


@dataclass(frozen=True)
class Steps:
    """How each step is run: called directly (the default), or as a Prefect task by the flow."""

    prepare: PrepareStep = prepare
    read_bids: ReadStep = _read_all
    validate: ValidateStep = validate_bids
    score: ScoreStep = score_unit
    rank: RankStep = rank_unit
    assess: AssessStep = assess_unit
    weigh: WeighStep = weigh_unit
    record: RecordStep = record
    write: WriteStep = write
    published: PublishStep = field(default=_nothing)


DIRECT = Steps()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for the length of a run, and resumed after (also on error).

    A bid of 50,000 item lines is a million small objects, alive until the reports are written; every
    full collection walks them all, which cost a third of such a bid's evaluation. The run's own objects
    hold no cycles (reference counting frees them), so nothing accumulates; whatever a library leaves in a
    cycle is collected once the collector resumes. Nested runs leave it to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@collector_paused()
def run(
    tender_dir: Path | str,
    rules_file: Path | str | None = None,
    *,
    ledger: Ledger | None = None,
    out_dir: Path | str | None = None,
    write_out: bool = False,
    trigger: Trigger = Trigger.MANUAL,
    steps: Steps = DIRECT,
    progress: Progress = _quiet,
    prepared: Prepared | None = None,
) -> list[Evaluation]:
    """Evaluate a tender: one Evaluation, or one per lot when the rule set ranks lots separately.

    With a ledger, bids are parsed only when their bytes are new and the run is recorded; with
    `write_out` (or an `out_dir`), the reports are written. Every input file is read once.
    """
    prepared = prepared or steps.prepare(tender_dir, rules_file)
    progress("read bids", 0, len(prepared.entries))
    reads = steps.read_bids(prepared, ledger, progress)
    checked = steps.validate(reads, prepared, ledger)
    progress("validate", 1, 1)
    evaluations = []
    todo = units(checked, prepared)
    for n, unit in enumerate(todo, start=1):
        results, warnings = steps.rank(steps.score(unit), unit)
        robust = steps.assess(unit, results)
        pending = steps.weigh(unit, results)
        evaluation = assemble(unit, prepared, results, warnings, robust, pending)
        diff, prepared_record = None, None
        if ledger is not None:
            recorded = steps.record(evaluation, prepared, trigger, ledger, unit.reads)
            evaluation, diff, prepared_record = recorded.evaluation, recorded.diff, recorded.pending
        if write_out or out_dir is not None:
            steps.published(evaluation, steps.write(evaluation, out_dir, diff, ledger, prepared_record))
        elif ledger is not None and prepared_record is not None:
            ledger.commit(prepared_record)
        evaluations.append(evaluation)
        progress("score, rank and report" + (" each lot" if len(todo) > 1 else ""), n, len(todo))
    return evaluations


class RunDone(BaseModel):
    """One run a re-score recorded."""

    run_id: str | None
    kind: str | None
    lot: str | None = None


class RescoreOutcome(BaseModel):
    """What a re-score did with one tender."""

    tender_id: str
    rescored: bool
    failed: bool = False  # its inputs could not be loaded: the reason says why
    reason: str  # why it was re-scored, or why not ("up to date")
    runs: list[RunDone] = []
    lost: list[str] = []  # runs of it lost with their worker and submitted again (flows.fanout)


def rescore(
    tender_dir: Path | str,
    rules_file: Path | str | None = None,
    *,
    ledger: Ledger,
    trigger: Trigger = Trigger.MANUAL,
    steps: Steps = DIRECT,
) -> RescoreOutcome:
    """Evaluate a tender again when its rules or inputs changed since its latest run (recorded, reports
    written); leave it when not.

    A tender whose inputs cannot be loaded (a broken tender.yaml or rule set) is reported as failed, with
    the reason, and never stops the re-scoring of the others.
    """
    try:
        prepared = prepare(tender_dir, rules_file)
    except InputError as error:
        return RescoreOutcome(tender_id=Path(tender_dir).name, rescored=False, failed=True, reason=str(error))
    tender = prepared.tender
    reason = staleness(ledger, tender, prepared.rules, prepared.files)
    if reason is None:
        return RescoreOutcome(tender_id=tender.id, rescored=False, reason="up to date")
    try:
        evaluations = run(
            tender_dir, rules_file, ledger=ledger, write_out=True, trigger=trigger, steps=steps, prepared=prepared
        )
    except InputError as error:  # e.g. a reviews.yaml or panel sheet that cannot be used
        return RescoreOutcome(tender_id=tender.id, rescored=False, failed=True, reason=str(error))
    return RescoreOutcome(
        tender_id=tender.id,
        rescored=True,
        reason=reason,
        runs=[RunDone(run_id=e.run_id, kind=e.kind.value if e.kind else None, lot=e.lot) for e in evaluations],
    )


# --- before the letters go ---------------------------------------------------------------------------


class Readiness(BaseModel):
    """What is left before a tender's (lot's) letters can be sent (`tenderscore status`)."""

    tender_id: str
    lot: str | None
    language: str
    items: list[Open]
    stale: str | None = None  # why the latest recorded evaluation no longer matches the inputs
    sent: Sent | None = None
    standstill_ends: date | None = None
    signing_from: date | None = None

    @property
    def ready(self) -> bool:
        """Whether the letters may be sent now: nothing open but their date (tenderscore send dates them)."""
        return self.stale is None and all(i.kind == "undated" for i in self.items)


def readiness(tender_dir: Path | str, ledger: Ledger | None = None, today: date | None = None) -> list[Readiness]:
    """For each lot (or the tender): what keeps its letters from being final, in the order it is dealt with."""
    return [r for _, r in overview(tender_dir, ledger, today)]


def overview(
    tender_dir: Path | str, ledger: Ledger | None = None, today: date | None = None
) -> list[tuple[Evaluation, Readiness]]:
    """For each lot (or the tender): its evaluation of the current inputs (not recorded), as the ledger knows
    it (run, kind, letters sent), and what keeps its letters from being final (the workspace shows both)."""
    from scoring.award.readiness import open_items

    today = today or date.today()
    prepared = prepare(tender_dir)
    stale = staleness(ledger, prepared.tender, prepared.rules, prepared.files) if ledger is not None else None
    out = []
    for evaluation in run(tender_dir, prepared=prepared):
        sent = sent_of(ledger, evaluation) if ledger is not None else None
        latest = ledger.latest(evaluation.tender.id, evaluation.lot) if ledger is not None else None
        known = {"kind": RunKind(latest.kind), "run_id": latest.run_id} if latest else {}
        evaluation = evaluation.model_copy(update={"sent": sent, **known})
        period = sent_period(evaluation)
        out.append(
            (
                evaluation,
                Readiness(
                    tender_id=evaluation.tender.id,
                    lot=evaluation.lot,
                    language=evaluation.tender.language,
                    items=open_items(evaluation, evaluation.tender.language, today),
                    stale=stale,
                    sent=sent,
                    standstill_ends=period.ends if period else None,
                    signing_from=period.next_day if period else None,
                ),
            )
        )
    return out


def sent_period(evaluation: Evaluation):  # -> scoring.law.Period | None
    """The standstill as it runs: from the day the letters were sent (the ledger), else from letters.sent_on."""
    t = evaluation.tender
    if evaluation.sent is None:
        return t.standstill()
    from scoring.law import standstill

    days = (t.letters.standstill_days or {}).get(t.letters.means)
    return standstill(evaluation.sent.sent_on, t.letters.means, t.law, t.region, days)


class SentLetters(BaseModel):
    lot: str | None
    folder: str
    letters: int
    run_id: str


def send_letters(
    tender_dir: Path | str,
    *,
    ledger: Ledger,
    on: date | None = None,
    by: str | None = None,
    out_dir: Path | str | None = None,
) -> list[SentLetters]:
    """Date the letters, write the copies sent into sent/<date>/ beside the reports (never over an earlier
    one) and record each letter's SHA-256 in the ledger: sent is sent. Only the latest official evaluation's
    letters, of the tender's current inputs, with nothing open but their date, and never dated in the past."""
    import hashlib

    from scoring.award.readiness import open_items
    from scoring.reports.letters import letters

    today = date.today()
    on = on or today
    prepared = prepare(tender_dir)
    tender = prepared.tender
    where = "tenderscore send"
    if on < today:
        raise InputError(where, f"{on.isoformat()} is in the past: letters are dated on the day they are sent", "--on")
    stale = staleness(ledger, tender, prepared.rules, prepared.files)
    if stale is not None:
        raise InputError(
            tender.folder / TENDER_FILE,
            f"evaluate the tender first ({stale}): only a recorded evaluation's letters are sent",
        )
    dated = tender.model_copy(update={"letters": tender.letters.model_copy(update={"sent_on": on})})
    out = []
    for evaluation in run(tender_dir, prepared=prepared):
        latest = ledger.latest(tender.id, evaluation.lot)
        if latest is None or latest.kind != RunKind.OFFICIAL.value:
            raise InputError(where, "the latest evaluation is a scenario (other rules): it is not a decision to send")
        previous = sent_of(ledger, evaluation)
        evaluation = evaluation.model_copy(
            update={"tender": dated, "run_id": latest.run_id, "kind": RunKind.OFFICIAL, "ledger_seq": None}
        )
        if previous is not None and previous.run_id == latest.run_id:
            raise InputError(where, f"these letters were sent on {previous.sent_on.isoformat()} already")
        items = [i for i in open_items(evaluation, tender.language, on) if i.kind not in ("undated", "backdated")]
        if items:
            from scoring.reports.words import word

            raise InputError.of(Problem(where, "not ready to send: " + word(i.what, "en")) for i in items)
        base = out_dir_of(evaluation, Path(out_dir).resolve()) if out_dir else default_out_dir(evaluation)
        folder = base / "sent" / on.isoformat()
        written = letters(evaluation, today=on)
        hashes = {}
        try:
            folder.mkdir(parents=True, exist_ok=False)
            for bid_id, (markdown, html) in written.items():
                for suffix, text in ((".md", markdown), (".html", html)):
                    name = f"{safe_name(bid_id)}{suffix}"
                    with open(folder / name, "x", encoding="utf-8") as handle:
                        handle.write(text)
                    hashes[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        except FileExistsError:
            raise InputError(folder, "letters were sent on this day already: a sent letter is never replaced") from None
        except OSError as exc:
            raise OutputError(folder, os_problem(exc)) from None
        record = Sent(
            sent_on=on, run_id=latest.run_id, letters=hashes, by=by, decision=Sent.decision_of(evaluation.bids)
        )
        ledger.record_event(
            tender.id,
            evaluation.lot,
            SENT,
            record.model_dump(mode="json"),
            trigger=Trigger.MANUAL,
            tender_dir=str(tender.folder.resolve()),
            tool_version=__version__,
            rules_path=prepared.rules.path,
            rules_sha256=prepared.rules.sha256,
            inputs=input_hashes(tender, prepared.rules, prepared.files),
        )
        out.append(SentLetters(lot=evaluation.lot, folder=str(folder), letters=len(written), run_id=latest.run_id))
    return out


# --- after the award ---------------------------------------------------------------------------------


def award_contract(
    tender_dir: Path | str,
    award: Award | None = None,
    *,
    ledger: Ledger,
    trigger: Trigger = Trigger.MANUAL,
    out_dir: Path | str | None = None,
    where: str = "tenderscore award",
) -> tuple[ContractRecord, str]:
    """Record the award of a bid (or the one tender.yaml records) and the contract record it starts: every
    commitment of the awarded bid with its due dates; the record and its ledger run id.

    An award rests on a recorded evaluation of the tender's current inputs: when the latest run is not one,
    the tender is evaluated again first (recorded, reports written), as a re-score would."""
    prepared = prepare(tender_dir)
    tender, rules = prepared.tender, prepared.rules
    award = award or tender.award
    if award is None:
        raise InputError(tender.folder / TENDER_FILE, "no award recorded: name the awarded bid", "award")
    evaluations = run(tender_dir, prepared=prepared)
    evaluation = next((e for e in evaluations if e.lot == award.lot), None)
    if evaluation is None:
        lots = ", ".join(str(e.lot) for e in evaluations)
        raise InputError(where, f"there is no lot {award.lot!r} ranked on its own (lots: {lots})", "award.lot")
    evaluation = _awardable(evaluation, award, ledger, where)
    winner = winner_of(evaluation, award, where)
    read = read_bid(next(f for f in prepared.entries if f.name == winner.file), tender, ledger, prepared.files)
    assert read.bid is not None, "a ranked bid was read"
    record = contract_record(evaluation, award, read.bid, rules.rules, rules.catalogue, where)
    info = ledger.record_event(
        tender.id,
        award.lot,
        AWARD,
        record.model_dump(mode="json"),
        trigger=trigger,
        tender_dir=str(tender.folder.resolve()),
        tool_version=__version__,
        rules_path=rules.path,
        rules_sha256=rules.sha256,
        inputs=input_hashes(tender, rules, prepared.files),
    )
    return record, info.run_id


def _awardable(evaluation: Evaluation, award: Award, ledger: Ledger, where: str) -> Evaluation:
    """The evaluation an award rests on: the latest official one, final, its letters sent and the standstill
    over on the day of the award; an InputError saying which is not so."""
    from scoring.award.readiness import open_items
    from scoring.reports.words import word

    latest = ledger.latest(evaluation.tender.id, evaluation.lot)
    if latest is None:
        raise InputError(where, "the tender has not been evaluated (recorded) yet: evaluate it, send its letters")
    if latest.kind != RunKind.OFFICIAL.value:
        raise InputError(
            where, "the latest evaluation is a scenario under other rules: only an official one is awarded"
        )
    if _substance(evaluation_document(evaluation)) != _substance(latest.document):
        raise InputError(
            evaluation.tender.folder / TENDER_FILE,
            "the evaluation of the tender's inputs today differs from its latest recorded one: evaluate it and send "
            "its letters before the award; the award rests on the decision sent",
        )
    evaluation = evaluation.model_copy(
        update={"run_id": latest.run_id, "kind": RunKind.OFFICIAL, "sent": sent_of(ledger, evaluation)}
    )
    if evaluation.sent is None:
        raise InputError(
            where,
            "the award decision has not been sent to the tenderers (tenderscore send): the standstill has not begun",
        )
    still = [i for i in open_items(evaluation, evaluation.tender.language) if i.kind != "undated"]
    if still:
        raise InputError.of(Problem(where, "the evaluation is not final: " + word(i.what, "en")) for i in still)
    period = sent_period(evaluation)
    concluded = award.concluded_on or award.awarded_on
    if period is not None and concluded < period.next_day:
        raise InputError(
            where,
            f"the standstill ends on {period.ends.isoformat()}: the contract may be concluded from "
            f"{period.next_day.isoformat()}, not on {concluded.isoformat()}",
            "award.awarded_on",
        )
    return evaluation


def _substance(document: dict[str, Any]) -> dict[str, Any]:
    """An evaluation document without what only says which run it is."""
    return {k: v for k, v in document.items() if k not in ("run_id", "kind", "previous_run_id", "ledger")}


def follow_up_dir(tender: Tender, lot: str | None, out_dir: Path | str | None = None) -> Path:
    """reports/<tender>/follow-up/ beside the tender folder (lot-<id>/follow-up/ for a lot), or follow-up/
    under out_dir."""
    base = Path(out_dir).resolve() if out_dir else reports_folder(tender.folder, tender.id)
    return (base / f"lot-{safe_name(lot)}" if lot is not None else base) / FOLLOW_UP_FOLDER


class FollowUpOutcome(BaseModel):
    """What a follow-up did with one awarded contract (a tender's, or one lot's)."""

    tender_id: str
    lot: str | None = None
    followed: bool
    failed: bool = False  # the tender could not be loaded: the reason says why
    reason: str = ""  # why it was not followed up ("not awarded"), when it was not
    run_id: str | None = None
    checked_on: str | None = None
    states: dict[str, str] = {}  # commitment -> its state
    changes: list[str] = []  # since the previous check, in words
    requests: list[str] = []  # the commitments a request to the supplier was drafted for
    written: list[str] = []
    simulated: bool = False  # a check as of a day to come: not recorded


def follow_up(
    tender_dir: Path | str,
    *,
    ledger: Ledger,
    today: date | None = None,
    trigger: Trigger = Trigger.MANUAL,
    out_dir: Path | str | None = None,
    record: bool = True,
) -> list[FollowUpOutcome]:
    """Check every awarded contract of a tender (each lot's) against the current register snapshots and the
    calendar: recorded in the ledger (kind follow-up) and written to its follow-up folder; what was done.
    With `record` false (a check as of a day to come: a simulation), nothing is recorded and the reports go
    to simulated-<day>/ in the follow-up folder, beside the real ones.
    A tender whose award is only in tender.yaml is awarded first. A tender that cannot be loaded or was not
    awarded is reported as such and never raises."""
    today = today or date.today()
    try:
        prepared = prepare(tender_dir)
        tender, rules = prepared.tender, prepared.rules
        recorded = {r.lot: r for r in ledger.awarded() if r.tender_id == tender.id}
        if tender.award is not None and not _same_award(recorded.get(tender.award.lot), tender.award):
            award_contract(tender_dir, tender.award, ledger=ledger, trigger=trigger, where=str(tender.folder))
            recorded = {r.lot: r for r in ledger.awarded() if r.tender_id == tender.id}
        recorded_after = load_follow_up(tender.folder, prepared.files)
        evidence = recorded_after.received
    except InputError as error:
        return [FollowUpOutcome(tender_id=Path(tender_dir).name, followed=False, failed=True, reason=str(error))]
    if not recorded:
        return [FollowUpOutcome(tender_id=tender.id, followed=False, reason="not awarded")]
    register = prepared.checks.register if prepared.checks else OfflineRegister(rules.registers_folder, prepared.files)
    terms = rules.rules.follow_up
    hashes = input_hashes(tender, rules, prepared.files)
    inputs = {k: v for k, v in hashes.items() if k.startswith("registers/")}
    if (tender.folder / EVIDENCE_FILE).is_file():
        inputs[EVIDENCE_FILE] = prepared.files.sha256(tender.folder / EVIDENCE_FILE)
    outcome = []
    for lot, row in sorted(recorded.items(), key=lambda kv: kv[0] or ""):
        contract = ContractRecord.model_validate_json(row.payload)
        before = ledger.latest(tender.id, lot, kinds=(FOLLOW_UP,))
        previous = before.document["check"] if before else None
        found = check(
            contract,
            register,
            evidence,
            today,
            terms.notice_days,
            terms.renewal_evidence_days,
            previous=previous,
            deliveries=recorded_after.deliveries,
        )
        pending = ledger.prepare(
            tender.id,
            lot,
            FOLLOW_UP,
            follow_up_document(contract, found),
            trigger=trigger,
            tender_dir=str(tender.folder.resolve()),
            tool_version=__version__,
            rules_path=rules.path,
            rules_sha256=rules.sha256,
            inputs=inputs,
        )
        # written first, recorded once written: the ledger never holds a check whose reports are not there
        folder = follow_up_dir(tender, lot, out_dir)
        if not record:
            folder = folder / f"simulated-{today.isoformat()}"
        written = write_follow_up(contract, found, folder, tender.language)
        info = ledger.commit(pending) if record else None
        outcome.append(
            FollowUpOutcome(
                tender_id=tender.id,
                lot=lot,
                followed=True,
                run_id=info.run_id if info else None,
                simulated=not record,
                checked_on=today.isoformat(),
                states={i.id: i.state for i in found.items},
                changes=found.changes,
                requests=[i.id for i in found.asked],
                written=[str(p) for p in written],
            )
        )
    return outcome


def _same_award(row: Record | None, award: Award) -> bool:
    if row is None:
        return False
    payload = row.document
    return payload["bid_id"] == award.bid and payload["awarded_on"] == award.awarded_on.isoformat()


def evaluate(tender_dir: Path | str, rules_file: Path | str | None = None) -> list[Evaluation]:
    """One Evaluation for the tender, or one per lot; nothing recorded, nothing written."""
    return run(tender_dir, rules_file)


def evaluate_tender(tender_dir: Path | str, rules_file: Path | str | None = None) -> Evaluation:
    """The evaluation of a tender whose lots are ranked together (see evaluate() for separate lots)."""
    evaluations = evaluate(tender_dir, rules_file)
    if len(evaluations) != 1:
        raise ValueError("this rule set evaluates lots separately: use evaluate(), which gives one per lot")
    return evaluations[0]


@dataclass(frozen=True)
class AwardNotice:
    """The contract award notice of a tender (scoring/reports/notice.py) and its offline validation."""

    notice: Any  # reports.notice.Notice
    validation: Any  # reports.eforms.Validation
    path: Path

    @property
    def final(self) -> bool:
        return not self.notice.draft and self.validation.valid


def award_notice(
    tender_dir: Path | str,
    *,
    ledger: Ledger,
    lot: str | None = None,
    issued: date | None = None,
    out_dir: Path | str | None = None,
) -> AwardNotice:
    """The eForms contract award notice of the tender's latest official evaluation and award record, checked
    against the XSD and the Schematron of its subtype, written as notice-can.xml in the reports folder (or as
    notice-can.draft.xml while tender.yaml lacks a field it needs, or it fails a rule). NoNotice (an InputError
    here) when there is none to give: no award, a what-if evaluation, inputs changed since."""
    from scoring.names import inside
    from scoring.reports.eforms import validate
    from scoring.reports.notice import NoNotice, build_notice, lot_facts
    from scoring.reports.write import reports_folder

    where = "tenderscore notice"
    prepared = prepare(tender_dir)
    tender = prepared.tender
    stale = staleness(ledger, tender, prepared.rules, prepared.files)
    if stale is not None:
        raise InputError(
            where, f"no notice: evaluate the tender first ({stale}); a notice states a recorded evaluation"
        )
    evaluations = []
    for evaluation in run(tender_dir, prepared=prepared):
        latest = ledger.latest(tender.id, evaluation.lot)
        kind = RunKind(latest.kind) if latest is not None else None
        evaluations.append(evaluation.model_copy(update={"kind": kind, "run_id": latest.run_id if latest else None}))
    awards = {}
    for evaluation in evaluations:
        record = ledger.latest(tender.id, evaluation.lot, kinds=(AWARD,))
        if record is not None:
            awards[evaluation.lot] = record.document
    try:
        lots = lot_facts(evaluations, awards, lot)
    except NoNotice as none:
        raise InputError(where, f"no notice: {none}") from None
    countries: dict[str, str | None] = {}
    by_file = {f.name: f for f in prepared.entries}
    for f in lots:
        for b in f.evaluation.bids:
            entry = by_file.get(b.file)
            if entry is None or b.superseded or b.withdrawn or b.bid_id in countries:
                continue
            read = read_bid(entry, tender, ledger, prepared.files)
            countries[b.bid_id] = read.bid.supplier.country if read.bid is not None else None
    notice = build_notice(tender, lots, issued or date.today(), countries)
    from scoring.audit.home import data_folder

    validation = validate(notice.xml, notice.subtype, data_folder() / "cache" / "eforms")
    out = Path(out_dir) if out_dir else reports_folder(tender.folder, tender.id)
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"-lot-{safe_name(lot)}" if lot is not None else ""
    final = not notice.draft and validation.valid
    path = inside(out, out / f"notice-can{suffix}{'' if final else '.draft'}.xml")
    (out / f"notice-can{suffix}{'.draft' if final else ''}.xml").unlink(missing_ok=True)  # the other one is stale
    path.write_bytes(notice.xml)
    return AwardNotice(notice, validation, path)


def award_criteria_xml(tender_dir: Path | str, lot: str | None = None) -> bytes:
    """BT-539 to BT-5421 of the contract notice's award criteria (cac:AwardingTerms), from the rule set as the
    evaluation scores it: the criteria a buyer publishes are the ones scored (tenderscore notice --criteria)."""
    from scoring.reports.notice import criteria_xml

    evaluations = run(tender_dir)
    chosen = [e for e in evaluations if lot is None or e.lot == lot] or evaluations[:1]
    return criteria_xml(chosen[0])
