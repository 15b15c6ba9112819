"""Tenders handed to the work pool's workers: one run of the evaluate deployment per tender.

`rescore-tenders` checks which tenders are stale (cheap: it hashes their inputs), submits one run of
`evaluate-tender/on-demand` per stale tender with `only_if_changed` (so that a retried run records a tender once),
and waits for them. A run whose worker was lost is marked Crashed by the service's heartbeat automation; it is
then submitted again, up to RETRIES times, and any worker of the pool takes it. What each run recorded is read
from the ledger, which every worker writes to.
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import httpx

from scoring import pipeline
from scoring.audit.ledger import EVALUATIONS, Ledger, Trigger
from scoring.errors import InputError

EVALUATE = "evaluate-tender/on-demand"
RETRIES = 2  # a run lost with its worker is submitted again this many times
POLL_SECONDS = 1.0
UNREACHABLE_SECONDS = 300  # a server that does not answer for this long fails the re-score


def workers_serving() -> bool:
    """Whether the evaluate deployment is on a work pool that has a worker online to take its runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import WorkerStatus
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name(EVALUATE)
            if not deployment.work_pool_name:
                return False
            workers = client.read_workers_for_work_pool(deployment.work_pool_name)
    except (ObjectNotFound, OSError):
        return False
    except Exception:  # an API that cannot answer: the tenders are re-scored here
        return False
    return any(w.status == WorkerStatus.ONLINE for w in workers)


def _submit(tender_dir: str, rules_file: str | None, trigger: Trigger) -> UUID:
    from prefect.deployments import run_deployment

    run = run_deployment(
        EVALUATE,
        parameters={
            "tender_dir": tender_dir,
            "rules_file": rules_file,
            "trigger": trigger.value,
            "only_if_changed": True,
        },
        timeout=0,  # submitted; waited for below, all together
        as_subflow=True,  # shown under the re-score in Prefect's UI
    )
    return run.id  # type: ignore[union-attr]  # synchronous here: Prefect dispatches on the caller


class _Poll:
    """The runs waited for, as the server has them now; none while it does not answer (a server restarting:
    the runs go on on the workers), for UNREACHABLE_SECONDS at most."""

    def __init__(self) -> None:
        self.unreachable_since: float | None = None

    def __call__(self, ids: list[UUID]) -> list:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        try:
            with get_client(sync_client=True) as client:
                runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
        except (httpx.HTTPError, OSError):
            self.unreachable_since = self.unreachable_since or time.monotonic()
            if time.monotonic() - self.unreachable_since > UNREACHABLE_SECONDS:
                raise
            return []
        self.unreachable_since = None
        return runs


def rescore_on_workers(
    dirs: list[str], rules_file: str | None, trigger: Trigger, ledger: Ledger, progress=None
) -> list[pipeline.RescoreOutcome]:
    """Each stale tender re-scored by a run on the pool's workers; the outcomes in the order of `dirs`."""
    rules = str(Path(rules_file).resolve()) if rules_file else None
    outcomes: dict[str, pipeline.RescoreOutcome] = {}
    waiting: dict[UUID, str] = {}  # flow run -> tender folder
    tries: dict[str, int] = {}
    lost: dict[str, list[str]] = {}
    known: dict[str, tuple[str, set[str], str]] = {}  # folder -> tender id, its runs before, why it is stale
    for folder in dirs:
        absolute = str(Path(folder).resolve())
        try:
            prepared = pipeline.prepare(absolute, rules)
        except InputError as error:
            outcomes[folder] = pipeline.RescoreOutcome(
                tender_id=Path(folder).name, rescored=False, failed=True, reason=str(error)
            )
            continue
        tender = prepared.tender
        reason = pipeline.staleness(ledger, tender, prepared.rules, prepared.files)
        if reason is None:
            outcomes[folder] = pipeline.RescoreOutcome(tender_id=tender.id, rescored=False, reason="up to date")
            continue
        known[folder] = (tender.id, {r.run_id for r in ledger.runs_of(tender.id)}, reason)
        tries[folder] = 1
        waiting[_submit(absolute, rules, trigger)] = folder
    total, done = len(dirs), len(outcomes)
    if progress:
        progress("tenders", done, total)
    poll = _Poll()
    while waiting:
        time.sleep(POLL_SECONDS)
        for run in poll(list(waiting)):
            state = run.state
            if state is None or not state.is_final():
                continue
            folder = waiting.pop(run.id)
            tender_id, before, reason = known[folder]
            if state.is_crashed() and tries[folder] <= RETRIES:
                tries[folder] += 1
                lost.setdefault(folder, []).append(run.name)
                print(f"{tender_id}: its run {run.name} was lost ({state.message or 'crashed'}); submitted again")
                waiting[_submit(str(Path(folder).resolve()), rules, trigger)] = folder
                continue
            if state.is_completed():
                new = [r for r in ledger.runs_of(tender_id) if r.run_id not in before and r.kind in EVALUATIONS]
                outcomes[folder] = pipeline.RescoreOutcome(
                    tender_id=tender_id,
                    rescored=bool(new),
                    reason=reason if new else "up to date",
                    runs=[pipeline.RunDone(run_id=r.run_id, kind=r.kind, lot=r.lot) for r in new],
                    lost=lost.get(folder, []),
                )
            else:
                outcomes[folder] = pipeline.RescoreOutcome(
                    tender_id=tender_id,
                    rescored=False,
                    failed=True,
                    reason=f"its run {run.name} ended {state.name}: {state.message or 'no reason given'}",
                    lost=lost.get(folder, []),
                )
            done += 1
            if progress:
                progress("tenders", done, total)
    return [outcomes[folder] for folder in dirs]
