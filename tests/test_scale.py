"""A tender of 300 bids through `tenderscore evaluate`, as a buyer runs it, on SQLite and on PostgreSQL:
300 read-bid tasks at once keep their parses in the ledger without a lock error, and every bid comes out."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ROOT

pytestmark = pytest.mark.slow

BIDS = 300


@pytest.fixture(scope="module")
def big_tender(tmp_path_factory):
    from sample_bids.generate import many_bids

    root = tmp_path_factory.mktemp("scale")
    return many_bids(root / "tender", BIDS, ROOT / "rules" / "computers-2026.yaml", tender_id="SCALE-300")


def test_300_bids_through_the_command_line(big_tender, database_url, tmp_path):
    env = {**os.environ, "TENDERSCORE_DATABASE_URL": database_url, "TENDERSCORE_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)  # the command's own embedded server, as on a buyer's machine
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "tenderscore"), "evaluate", str(big_tender), "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "locked" not in done.stderr

    document = json.loads((out / "evaluation.json").read_text())
    assert len(document["bids"]) == BIDS
    assert sum(1 for b in document["bids"] if b["rank"]) == BIDS  # each distinct, each compliant
    engine = sa.create_engine(database_url)
    with engine.connect() as db:
        assert db.execute(sa.text("select count(*) from runs")).scalar() == 1
        assert db.execute(sa.text("select count(*) from bid_results")).scalar() == BIDS
        assert db.execute(sa.text("select count(*) from parsed_bids")).scalar() == BIDS
        assert db.execute(sa.text("select count(*) from bid_sources where parse = 'read'")).scalar() == BIDS
    engine.dispose()
