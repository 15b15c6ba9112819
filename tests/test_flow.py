"""The evaluate-tender flow on Prefect's own (test harness) server: the library's steps as tasks, reports and
artifacts, and the same evaluation as the library gives."""

import json
import time

import pytest
from conftest import SAMPLE_TENDER

pytestmark = pytest.mark.slow

STEPS = {
    "prepare-inputs",
    "read-bid",
    "validate-bids",
    "verify-and-score-bids",
    "rank-bids",
    "assess-robustness",
    "weigh-pending-decisions",
    "record-run",
    "write-reports",
}


@pytest.fixture(scope="module")
def flow_run(prefect_server, tmp_path_factory):
    from flows.evaluate import evaluate_tender, reporting

    out = tmp_path_factory.mktemp("flow")
    seen: list[tuple[str, int, int]] = []
    with reporting(lambda stage, done, total: seen.append((stage, done, total))):
        [evaluation] = evaluate_tender(tender_dir=str(SAMPLE_TENDER), out_dir=str(out))
    return evaluation, out, seen


def test_the_flow_runs_each_library_step_as_a_task_and_completes(flow_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    evaluation, _, _ = flow_run
    with get_client(sync_client=True) as client:
        ours = [
            r
            for r in client.read_flow_runs()
            if r.state and r.state.is_completed() and r.parameters.get("tender_dir") == str(SAMPLE_TENDER)
        ]
        assert ours, "the evaluate-tender run of the sample is recorded and completed"
        flow = client.read_flow(ours[-1].flow_id)
        # Prefect records task runs from their events, a moment after they ran: wait for all of them.
        deadline = time.monotonic() + 30
        while True:
            tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[ours[-1].id])))
            names = [t.name.rsplit("-", 1)[0] for t in tasks]  # Prefect appends a run suffix to each task run
            done = all(t.state and t.state.is_completed() for t in tasks)
            if (set(names) == STEPS and done) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert flow.name == "evaluate-tender"
    assert set(names) == STEPS
    assert names.count("read-bid") == 10  # one mapped task per bid file
    assert all(t.state and t.state.is_completed() for t in tasks)
    assert evaluation.run_id and evaluation.kind.value == "official"


def test_the_flow_and_the_library_give_the_same_evaluation(flow_run, tmp_path):
    """One sequence of steps: the flow's evaluation.json is the library's, byte for byte, but for the ledger's
    run id, kind and previous run (the library alone records nothing)."""
    from scoring.pipeline import run

    _, out, _ = flow_run
    run(SAMPLE_TENDER, out_dir=tmp_path)
    from_flow = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert from_flow["run_id"] and from_flow["kind"] == "official"
    assert from_flow.pop("ledger")["hash"]  # the ledger head it was written under
    from_flow.update(run_id=None, kind=None, previous_run_id=None)
    assert json.dumps(from_flow, indent=2, ensure_ascii=False) + "\n" == (tmp_path / "evaluation.json").read_text(
        encoding="utf-8"
    )
    summary = (out / "summary.md").read_text(encoding="utf-8").splitlines(keepends=True)
    assert [line for line in summary if not line.startswith("| Ledger head |")] == (tmp_path / "summary.md").read_text(
        encoding="utf-8"
    ).splitlines(keepends=True)


def test_the_flow_publishes_the_ranking_and_the_breakdown(flow_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.evaluate import artifact_key

    evaluation, out, _ = flow_run
    assert evaluation.bids[0].bid_id == "01-greenbyte"
    doc = json.loads((out / "evaluation.json").read_text())
    assert len(doc["bids"]) == 10 and (out / "evaluation.xlsx").is_file() and (out / "summary.md").is_file()
    ranking_key = artifact_key("ranking", "CITY-ICT-2026-014")
    breakdown_key = artifact_key("breakdown", "CITY-ICT-2026-014")
    assert ranking_key == "ranking-city-ict-2026-014"
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ranking_key, breakdown_key]))
        )
    # Other tests on the same server publish under the same keys: this run's artifacts are those of its flow run.
    ours = next(a for a in found if a.key == ranking_key and f"Run `{evaluation.run_id}`" in str(a.data))
    by_key = {a.key: a for a in found if a.flow_run_id == ours.flow_run_id}
    assert by_key[ranking_key].type == "markdown"
    assert "| 1 | 01-greenbyte | GreenByte Solutions NV | 226,150.00 | 91.25 |" in by_key[ranking_key].data
    assert f"Run `{evaluation.run_id}` (official)" in by_key[ranking_key].data
    assert by_key[breakdown_key].type == "table"
    table = (
        json.loads(by_key[breakdown_key].data)
        if isinstance(by_key[breakdown_key].data, str)
        else by_key[breakdown_key].data
    )
    assert table[0]["bid"] == "01-greenbyte" and table[0]["total"] == 91.25


def test_the_flow_reports_its_progress_to_the_command_line(flow_run):
    """Every bid read is counted (the mapped tasks), then validation, then the one unit scored and reported."""
    _, _, seen = flow_run
    reads = [done for stage, done, total in seen if stage == "read bids"]
    assert reads == list(range(11)) and ("read bids", 10, 10) in seen
    assert (
        seen.index(("read bids", 10, 10))
        < seen.index(("validate", 1, 1))
        < seen.index(("score, rank and report", 1, 1))
        == len(seen) - 1
    )


def test_the_progress_display_draws_each_stage_on_a_terminal():
    import io

    from rich.console import Console

    from flows.cli import progress_display

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with progress_display(verbose=False, console=terminal) as report:
        report("read bids", 3, 10)
        report("validate", 1, 1)
    quiet = io.StringIO()
    with progress_display(verbose=False, console=Console(file=quiet, force_terminal=False)) as report:
        report("read bids", 3, 10)
    assert "read bids" in screen.getvalue() and "3/10" in screen.getvalue() and "validate" in screen.getvalue()
    assert quiet.getvalue() == ""  # piped output carries no progress bars


def test_identical_files_in_one_tender_do_not_fail_the_flow(prefect_server, make_tender, tmp_path):
    """A bidder uploads the same file twice: the concurrent read tasks keep its parse once, and both files
    come out, each under its own name (the run used to fail on the parse cache's unique key)."""
    from conftest import sample_spec

    from flows.evaluate import evaluate_tender

    source = (SAMPLE_TENDER / "bids" / "02-officeline.xlsx").read_bytes()
    folder = make_tender(
        {"01-greenbyte.xlsx": sample_spec("01-greenbyte.xlsx"), "a.xlsx": source, "b.xlsx": source, "c.xlsx": source},
        name="identical",
    )
    [evaluation] = evaluate_tender(tender_dir=str(folder), out_dir=str(tmp_path / "out"))
    assert sorted(b.file for b in evaluation.bids) == ["01-greenbyte.xlsx", "a.xlsx", "b.xlsx", "c.xlsx"]
    assert evaluation.run_id and (tmp_path / "out" / "evaluation.json").is_file()
