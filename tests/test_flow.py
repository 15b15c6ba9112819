"""The evaluate-tender flow on Prefect's own (test harness) server: reports and artifacts."""

import json

from conftest import SAMPLE_TENDER


def test_the_flow_writes_reports_and_publishes_artifacts(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.evaluate import artifact_key, evaluate_tender

    [evaluation] = evaluate_tender(tender_dir=str(SAMPLE_TENDER), out_dir=str(tmp_path))
    assert evaluation.bids[0].bid_id == "01-greenbyte"
    doc = json.loads((tmp_path / "evaluation.json").read_text())
    assert len(doc["bids"]) == 10 and (tmp_path / "evaluation.xlsx").is_file() and (tmp_path / "summary.md").is_file()

    ranking_key = artifact_key("ranking", "CITY-ICT-2026-014")
    breakdown_key = artifact_key("breakdown", "CITY-ICT-2026-014")
    assert ranking_key == "ranking-city-ict-2026-014"
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[ranking_key, breakdown_key])))
        flow_runs = client.read_flow_runs()
    by_key = {a.key: a for a in found}
    assert by_key[ranking_key].type == "markdown"
    assert "| 1 | 01-greenbyte | GreenByte Solutions NV | 226,150.00 | 91.25 |" in by_key[ranking_key].data
    assert by_key[breakdown_key].type == "table"
    table = json.loads(by_key[breakdown_key].data) if isinstance(by_key[breakdown_key].data, str) \
        else by_key[breakdown_key].data
    assert table[0]["bid"] == "01-greenbyte" and table[0]["total"] == 91.25
    assert any(r.name and r.state.is_completed() for r in flow_runs)
    assert {r.flow_id for r in flow_runs}
