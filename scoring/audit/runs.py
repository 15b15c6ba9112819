"""A run of an evaluation as the ledger keeps it: official or scenario, and what it was computed from."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scoring import __version__
from scoring.audit.ledger import Ledger, Pending, RunInfo, Trigger
from scoring.award.results import Evaluation, RunKind
from scoring.intake.folder import (
    CLARIFICATIONS_FILE,
    COMMITTEE_FILE,
    PANEL_FOLDER,
    REVIEWS_FILE,
    TENDER_FILE,
    Files,
    listing,
)
from scoring.intake.ingest import entry_sha256, sha256_of
from scoring.intake.tender import bid_files
from scoring.models import ReadResult, Tender
from scoring.reports.evaluation_json import evaluation_document
from scoring.rules.load import LoadedRules


def run_kind(tender: Tender, rules: LoadedRules) -> RunKind:
    """Official when run under the rule set the tender pins (path, and SHA-256 once published)."""
    pinned_path = Path(tender.rules_path).resolve()
    if Path(rules.path).resolve() != pinned_path:
        return RunKind.SCENARIO
    if tender.rules_sha256 and tender.rules_sha256 != rules.sha256:
        return RunKind.SCENARIO
    return RunKind.OFFICIAL


Found = list[tuple[str, Path]]  # (ledger key, path) of each file of an input that is there


@dataclass(frozen=True)
class Input:
    """One kind of input file a result depends on, declared once: how the ledger names each file of it, and
    where those files are. Re-scoring (is anything changed?) and every run's record take the list from
    INPUTS; adding an input file of the tender folder is adding it here."""

    what: str  # in words
    files: Callable[[Tender, LoadedRules, Files | None], Found]


def _beside(name: str) -> Callable[[Tender, LoadedRules, Files | None], Found]:
    return lambda tender, rules, files: [(name, tender.folder / name)] if (tender.folder / name).is_file() else []


def _in(folder: Path, key: str, files: Files | None, suffix: str = "") -> Found:
    found = [p for p in listing(folder, files) if p.name.endswith(suffix) and p.is_file()]
    return [(f"{key}/{p.name}", p) for p in found]


def _record(tender: Tender, rules: LoadedRules, files: Files | None) -> Found:
    path = tender.folder / tender.received if tender.received else None
    return [(f"received/{tender.received}", path)] if path is not None and path.is_file() else []


def _factory_lists(tender: Tender, rules: LoadedRules, files: Files | None) -> Found:
    forms = tender.template.factory_lists
    return _in(tender.folder / forms.folder, forms.folder, files) if forms is not None else []


def _panel(tender: Tender, rules: LoadedRules, files: Files | None) -> Found:
    return _in(tender.folder / PANEL_FOLDER, PANEL_FOLDER, files, ".xlsx")


def _catalogue(tender: Tender, rules: LoadedRules, files: Files | None) -> Found:
    return [("catalogue", Path(rules.path).parent / rules.rules.catalogue)] if rules.catalogue is not None else []


def _registers(tender: Tender, rules: LoadedRules, files: Files | None) -> Found:
    return _in(rules.registers_folder, "registers", files) if rules.catalogue is not None else []


INPUTS: list[Input] = [
    Input("the tender (tender.yaml)", _beside(TENDER_FILE)),
    Input("the evaluation committee (committee.yaml)", _beside(COMMITTEE_FILE)),
    Input("the review decisions (reviews.yaml)", _beside(REVIEWS_FILE)),
    Input("the answers to clarifications (clarifications.yaml)", _beside(CLARIFICATIONS_FILE)),
    Input("the platform's opening record", _record),
    Input("factory lists sent apart from the bids", _factory_lists),
    Input("evaluators' score sheets (panel/)", _panel),
    Input("the label catalogue", _catalogue),
    Input("the register snapshots", _registers),
]


def input_hashes(
    tender: Tender, rules: LoadedRules, files: Files | None = None, reads: Sequence[ReadResult] = ()
) -> dict[str, str]:
    """Every file the result depends on besides the rule set: the entries of bids/ and every input INPUTS
    declares, each by the SHA-256 of the bytes the run read (`files`), or of the file as it is now."""
    known = {r.file: r.file_sha256 for r in reads}
    out = {f"bids/{f.name}": known.get(f.name) or entry_sha256(f, files) for f in bid_files(tender, files)}
    for source in INPUTS:
        for key, path in source.files(tender, rules, files):
            out[key] = files.sha256(path) if files is not None else sha256_of(path)
    if "catalogue" in out and rules.catalogue_sha256:
        out["catalogue"] = rules.catalogue_sha256
    return out


def tender_key(tender: Tender) -> str:
    """What reading a workbook depends on besides its bytes: locale, zone, mapping, tender items, and the
    version of the reader itself (a parse by an older tenderscore is never reused after an upgrade)."""
    return hashlib.sha256(
        tender.model_dump_json(
            include={"locale", "decimal_separator", "timezone", "template", "items", "id", "currency", "bid_deadline"}
        ).encode()
        + b"\0tenderscore "
        + __version__.encode()
    ).hexdigest()


def prepare_run(
    ledger: Ledger,
    evaluation: Evaluation,
    tender: Tender,
    rules: LoadedRules,
    trigger: Trigger,
    sources: Sequence[dict[str, str]] = (),
    files: Files | None = None,
    reads: Sequence[ReadResult] = (),
) -> tuple[Evaluation, Pending]:
    """The run's record, prepared (see Ledger.commit); the evaluation comes back carrying its run id, kind,
    predecessor and the ledger head it will be under. `files`, `reads`: the bytes and bids the run read,
    whose hashes it records."""
    kind = run_kind(tender, rules)
    pending = ledger.prepare_run(
        evaluation,
        evaluation_document(evaluation),
        trigger=trigger,
        kind=kind,
        tender_dir=str(tender.folder.resolve()),
        inputs=input_hashes(tender, rules, files, reads),
        sources=sources,
    )
    return with_run(evaluation, pending.info), pending


def record_run(
    ledger: Ledger,
    evaluation: Evaluation,
    tender: Tender,
    rules: LoadedRules,
    trigger: Trigger,
    sources: Sequence[dict[str, str]] = (),
) -> Evaluation:
    """Append the run to the ledger; the evaluation comes back carrying its run id, kind and predecessor."""
    evaluation, pending = prepare_run(ledger, evaluation, tender, rules, trigger, sources)
    ledger.commit(pending)
    return evaluation


def with_run(evaluation: Evaluation, info: RunInfo) -> Evaluation:
    return evaluation.model_copy(
        update={
            "run_id": info.run_id,
            "kind": RunKind(info.kind),
            "previous_run_id": info.previous_run_id,
            "run_at": info.created_at,
            "ledger_seq": info.seq,
            "ledger_hash": info.record_hash,
        }
    )
