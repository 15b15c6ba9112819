"""The Prefect flows: `evaluate-tender` (one run per tender), `rescore-tenders` and `follow-up-contracts`.

The flow body is the library's pipeline: `scoring.pipeline.run`, with each step wrapped in a task
so the Prefect UI shows every step of every tender. There is no second sequence of steps here.
With no PREFECT_API_URL set, Prefect starts its embedded local server for the run.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from flows.settings import quiet_defaults

quiet_defaults()

from prefect import flow, task, unmapped  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from flows import fanout  # noqa: E402
from scoring import pipeline  # noqa: E402
from scoring.audit import rescore  # noqa: E402
from scoring.audit.ledger import Ledger, Trigger, open_ledger  # noqa: E402
from scoring.award.results import Evaluation  # noqa: E402
from scoring.errors import InputError  # noqa: E402
from scoring.models import ReadResult  # noqa: E402
from scoring.reports.summary_md import render_summary  # noqa: E402

# Inputs are in-memory values; hashing them for a cache key buys nothing here.
TASK: dict[str, Any] = dict(cache_policy=NO_CACHE, persist_result=False)

read_bid = task(name="read-bid", **TASK)(pipeline.read_bid)


def read_bids(prepared: pipeline.Prepared, ledger: Ledger | None, progress: pipeline.Progress) -> list[ReadResult]:
    """One read-bid task per file, run concurrently."""
    reads = []
    entries = prepared.entries
    futures = read_bid.map(
        entries, tender=unmapped(prepared.tender), ledger=unmapped(ledger), files=unmapped(prepared.files)
    )
    for n, future in enumerate(futures, start=1):
        reads.append(future.result())
        progress("read bids", n, len(entries))
    return reads


# A progress display is the caller's (the command line's), not a flow parameter: it is set around a run.
_progress: list[pipeline.Progress] = []


@contextmanager
def reporting(progress: pipeline.Progress) -> Iterator[None]:
    """Report the progress of the flows run inside this block to `progress`."""
    _progress.append(progress)
    try:
        yield
    finally:
        _progress.remove(progress)


def progress(stage: str, done: int, total: int) -> None:
    for report in _progress:
        report(stage, done, total)


def artifact_key(prefix: str, tender_id: str) -> str:
    """Prefect keys take lower-case letters, digits and dashes only."""
    return f"{prefix}-" + re.sub(r"[^a-z0-9]+", "-", tender_id.lower()).strip("-")


def breakdown_rows(evaluation: Evaluation) -> list[dict]:
    rows = []
    for b in evaluation.bids:
        row: dict[str, Any] = {"rank": b.rank, "bid": b.bid_id, "status": b.status.value}
        row.update({c.id: float(c.points) for c in b.criteria})
        row["total"] = float(b.total) if b.total is not None else None
        rows.append(row)
    return rows


def publish_artifacts(evaluation: Evaluation, written: list[Path]) -> None:
    """The ranking (markdown, with the report paths and the ledger run) and the points table, in the Prefect UI."""
    tender_id = evaluation.tender.id + (f"-lot-{evaluation.lot}" if evaluation.lot else "")
    files = "\n".join(f"- `{p.resolve()}`" for p in written)
    kind = evaluation.kind.value if evaluation.kind else "unrecorded"
    run = (
        f"\n## Ledger\n\nRun `{evaluation.run_id}` ({kind})"
        + (f", after run `{evaluation.previous_run_id}`" if evaluation.previous_run_id else "")
        + ".\n"
    )
    create_markdown_artifact(
        key=artifact_key("ranking", tender_id),
        markdown=render_summary(evaluation) + f"\n## Reports\n\n{files}\n" + run,
        description=f"Ranking of tender {tender_id}",
    )
    create_table_artifact(
        key=artifact_key("breakdown", tender_id),
        table=breakdown_rows(evaluation),
        description=f"Points per criterion for every bid of tender {tender_id}",
    )


TASKS = pipeline.Steps(
    prepare=task(name="prepare-inputs", **TASK)(pipeline.prepare),
    read_bids=read_bids,
    validate=task(name="validate-bids", **TASK)(pipeline.validate_bids),
    score=task(name="verify-and-score-bids", **TASK)(pipeline.score_unit),
    rank=task(name="rank-bids", **TASK)(pipeline.rank_unit),
    assess=task(name="assess-robustness", **TASK)(pipeline.assess_unit),
    weigh=task(name="weigh-pending-decisions", **TASK)(pipeline.weigh_unit),
    record=task(name="record-run", **TASK)(pipeline.record),
    write=task(name="write-reports", **TASK)(pipeline.write),
    published=publish_artifacts,
)


def said(outcome: pipeline.RescoreOutcome) -> str:
    """A tender's re-score in one line of the run's log."""
    return f"{outcome.tender_id}: " + (f"re-scored ({outcome.reason})" if outcome.rescored else outcome.reason)


@flow(name="evaluate-tender", log_prints=True)
def evaluate_tender(
    tender_dir: str,
    rules_file: str | None = None,
    out_dir: str | None = None,
    trigger: Trigger = Trigger.MANUAL,
    only_if_changed: bool = False,
) -> list[Evaluation]:
    """Read, validate, score and rank every bid of a tender (each lot on its own if the rules say so),
    record the run in the ledger and write the reports.

    `only_if_changed` (how rescore-tenders hands a tender to a worker): evaluate only when the rules or inputs
    changed since the tender's latest run, so that a run retried after its worker was lost records the tender
    once, not twice. The tender folder (and the rules file) must be absolute paths on a worker: its current
    folder is a temporary one."""
    if only_if_changed:
        done = pipeline.rescore(tender_dir, rules_file, ledger=open_ledger(), trigger=Trigger(trigger), steps=TASKS)
        print(said(done))
        if done.failed:
            raise RuntimeError(done.reason)  # the run fails with the reason; the re-score names it
        return []
    return pipeline.run(
        tender_dir,
        rules_file,
        ledger=open_ledger(),
        out_dir=out_dir,
        write_out=True,
        trigger=Trigger(trigger),
        steps=TASKS,
        progress=progress,
    )


# A re-score in one task runs the pipeline's steps directly, and publishes its ranking as every run does.
DIRECT_PUBLISHED = dataclasses.replace(pipeline.DIRECT, published=publish_artifacts)


def rescore_one(tender_dir: str, rules_file: str | None, trigger: Trigger, database: str) -> pipeline.RescoreOutcome:
    """One tender's re-score, in one task: the pipeline's steps run directly inside it."""
    return pipeline.rescore(
        tender_dir, rules_file, ledger=open_ledger(database), trigger=trigger, steps=DIRECT_PUBLISHED
    )


rescore_tender = task(name="rescore-tender", **TASK)(rescore_one)


# One tender at a time. Scoring is pure Python: threads only contend for the interpreter (12 stale tenders:
# 2.1 s with one worker, 3.2 s with two to sixteen), and Prefect's process pool pays its workers' start-up on
# every run (12 tenders already up to date: 16.8 s, against 1.1 s). Across machines, run Prefect workers.
ONE_AT_A_TIME: Any = ThreadPoolTaskRunner(max_workers=1)  # Prefect's flow decorator types its runners narrowly


@flow(name="rescore-tenders", log_prints=True, task_runner=ONE_AT_A_TIME)
def rescore_tenders(
    tender_dirs: list[str] | None = None,
    rules_file: str | None = None,
    trigger: Trigger = Trigger.MANUAL,
    rules_sha256: str | None = None,
    on_workers: bool | None = None,
) -> list[pipeline.RescoreOutcome]:
    """Evaluate again every tender whose latest run used other rules or inputs; skip the rest.

    When the evaluate deployment is on a work pool with a worker online (`tenderscore serve`), or
    `on_workers`: one run of it per stale tender, across the pool's workers (flows.fanout). Else, here: one
    `rescore-tender` task per tender (checking whether it is stale, and re-scoring it if so), one at a
    time (ONE_AT_A_TIME): re-scoring many tenders pays Prefect's per-task cost once per tender, not per step;
    `evaluate-tender` keeps a task per step. With no tender_dirs, every tender the ledger knows.
    `rules_sha256` (from a rules-change event) is recorded in the log for the auditor; the rules are read
    from the files themselves.
    """
    ledger = open_ledger()
    dirs = list(dict.fromkeys(tender_dirs or rescore.known_tender_dirs(ledger)))
    if on_workers if on_workers is not None else fanout.workers_serving():
        print(f"{len(dirs)} tender(s): the stale ones handed to the work pool's workers ({fanout.EVALUATE})")
        handed = fanout.rescore_on_workers(dirs, rules_file, Trigger(trigger), ledger, progress)
        for one in handed:
            print(said(one))
        if rules_sha256:
            print(f"triggered by the publication of rules {rules_sha256}")
        return handed
    progress("tenders", 0, len(dirs))
    futures = rescore_tender.map(
        dirs, rules_file=unmapped(rules_file), trigger=unmapped(Trigger(trigger)), database=unmapped(ledger.url)
    )
    outcome: list[pipeline.RescoreOutcome] = []
    for n, future in enumerate(futures, start=1):
        done = future.result()
        print(said(done))
        outcome.append(done)
        progress("tenders", n, len(dirs))
    if rules_sha256:
        print(f"triggered by the publication of rules {rules_sha256}")
    return outcome


def follow_up_one(
    tender_dir: str, trigger: Trigger, database: str, on: str | None, out_dir: str | None, record: bool | None = None
) -> list[pipeline.FollowUpOutcome]:
    """One tender's contracts checked, in one task; a check as of a day to come is a simulation, recorded only
    when asked (`record`)."""
    today = date.fromisoformat(on) if on else None
    recorded = record if record is not None else today is None or today <= date.today()
    ledger = open_ledger(database)
    done = pipeline.follow_up(tender_dir, ledger=ledger, today=today, trigger=trigger, out_dir=out_dir, record=recorded)
    if any(d.followed for d in done) and not any(d.simulated for d in done):
        draft_notice(tender_dir, ledger, out_dir, today)
    return done


def draft_notice(tender_dir: str, ledger: Any, out_dir: str | None, on: date | None = None) -> None:
    """After an award: the contract award notice for TED drafted (tenderscore notice), dated as the check is,
    and published as an artifact, with what it lacks and the rules it fails; or why there is none."""
    from scoring.reports.eforms import sdk_version

    try:
        made = pipeline.award_notice(tender_dir, ledger=ledger, out_dir=out_dir, issued=on)
    except InputError as none:
        print(f"{tender_dir}: {'; '.join(p.problem for p in none.problems)}")
        return
    notice, validation = made.notice, made.validation
    tender_id = notice.lots[0].evaluation.tender.id
    lines = [f"# Contract award notice of {tender_id}", ""]
    lines.append(
        f"**{'Ready for TED' if made.final else 'Draft'}**: eForms subtype {notice.subtype}, checked against the "
        f"XSD and the Schematron of the eForms SDK {sdk_version()}; written to `{made.path}`."
    )
    lines += ["", *[f"- missing in tender.yaml: `{m}`" for m in notice.missing]]
    lines += [f"- rule failed: {f.rule} {f.field or ''} ({f.name or ''})" for f in validation.failures[:50]]
    create_markdown_artifact(
        key=artifact_key("award-notice", tender_id),
        markdown="\n".join(lines) + "\n",
        description=f"The contract award notice of tender {tender_id} (eForms)",
    )
    print(f"{tender_id}: award notice {'ready' if made.final else 'drafted'}: {made.path}")


follow_up_tender = task(name="follow-up-tender", **TASK)(follow_up_one)


@flow(name="follow-up-contracts", log_prints=True, task_runner=ONE_AT_A_TIME)
def follow_up_contracts(
    tender_dirs: list[str] | None = None,
    trigger: Trigger = Trigger.MANUAL,
    on: str | None = None,
    out_dir: str | None = None,
    registers_sha256: str | None = None,
    record: bool | None = None,
) -> list[pipeline.FollowUpOutcome]:
    """Check every awarded contract against the current register snapshots and the calendar: expired,
    withdrawn, suspended, renewed, due soon. One `follow-up-tender` task per tender; with no tender_dirs, every
    tender the ledger knows (those not awarded are reported as such). `on` (YYYY-MM-DD) checks as of that day
    instead of today; `registers_sha256` (from a register-refresh event) is recorded in the log."""
    ledger = open_ledger()
    dirs = list(dict.fromkeys(tender_dirs or rescore.known_tender_dirs(ledger)))
    progress("tenders", 0, len(dirs))
    futures = follow_up_tender.map(
        dirs,
        trigger=unmapped(Trigger(trigger)),
        database=unmapped(ledger.url),
        on=unmapped(on),
        out_dir=unmapped(out_dir),
        record=unmapped(record),
    )
    outcome: list[pipeline.FollowUpOutcome] = []
    for n, future in enumerate(futures, start=1):
        for done in future.result():
            lot = f" lot {done.lot}" if done.lot else ""
            if done.followed:
                asked = f", {len(done.requests)} request(s) drafted" if done.requests else ""
                changed = f", {len(done.changes)} change(s)" if done.changes else ""
                print(f"{done.tender_id}{lot}: checked on {done.checked_on}{changed}{asked}")
            else:
                print(f"{done.tender_id}: {done.reason}")
            outcome.append(done)
        progress("tenders", n, len(dirs))
    if registers_sha256:
        print(f"triggered by the publication of register snapshots {registers_sha256}")
    return outcome
