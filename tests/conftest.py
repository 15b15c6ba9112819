"""Shared fixtures: real workbooks in real tender folders, built with the sample generator."""

from __future__ import annotations

import copy
import os
import sys
import types
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# The tests import tenderscore as installed (make test runs pytest's own script, so the repository root is
# not on sys.path: a package the wheel leaves out fails here). Only the sample generator is taken from the
# repository, as a package of its own.
_samples = types.ModuleType("sample_bids")
_samples.__path__ = [str(ROOT / "sample_bids")]
sys.modules.setdefault("sample_bids", _samples)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The test run's ledger and data folder: never the user's.
import tempfile  # noqa: E402

os.environ["TENDERSCORE_HOME"] = tempfile.mkdtemp(prefix="tenderscore-tests-")
os.environ.pop("TENDERSCORE_DATABASE_URL", None)

from sample_bids.generate import sample_bids, write_bid  # noqa: E402

SAMPLE_TENDER = ROOT / "sample_bids" / "city-computers-2026"
SAMPLE_RULES = ROOT / "rules" / "computers-2026.yaml"


def sample_spec(name: str) -> dict:
    """A fresh copy of one sample bid's write_bid arguments, to vary in a test."""
    return copy.deepcopy(sample_bids()[name])


def rules_data() -> dict:
    """The sample rule set as data, pointing at the catalogue and registers wherever it is written."""
    from scoring.rules.uses import written_out

    data = written_out(SAMPLE_RULES)  # the criteria library's entries written out, to change as a test needs
    data["catalogue"] = str(ROOT / "rules" / "labels.yaml")
    data["registers"] = str(ROOT / "rules" / "registers")
    return data


def tender_data(**overrides) -> dict:
    """The sample tender.yaml as data, for a tender folder of other bids: without the sample's opening record
    (its files are the sample's), unless a test gives one."""
    data = yaml.safe_load((SAMPLE_TENDER / "tender.yaml").read_text())
    data["rules"] = str(SAMPLE_RULES)
    data.pop("received", None)
    data.update(overrides)
    return data


class TenderBuilder:
    """Writes a tender folder: tender.yaml plus bid workbooks made by write_bid."""

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, bids: dict[str, dict | bytes], name: str = "tender", **tender) -> Path:
        folder = self.root / name
        (folder / "bids").mkdir(parents=True, exist_ok=True)
        (folder / "tender.yaml").write_text(yaml.safe_dump(tender_data(**tender), sort_keys=False))
        for file_name, spec in bids.items():
            path = folder / "bids" / file_name
            if isinstance(spec, bytes):
                path.write_bytes(spec)
            else:
                write_bid(path, **spec)
        return folder


@pytest.fixture(autouse=True)
def _in_own_folder(tmp_path, monkeypatch):
    """Every test runs in its own temporary folder: whatever it writes by default (reports/, a data folder)
    lands there, never in the repository."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _repository_untouched():
    """The run leaves the repository as it found it: no reports/ or ledger written into it by a test."""
    watched = [
        ROOT / "reports",
        ROOT / ".tenderscore",
        ROOT / "sample_bids" / "reports",
        ROOT / "sample_bids" / "city-computers-2026" / "reports",
    ]
    before = {p: sorted(p.rglob("*")) if p.exists() else None for p in watched}
    yield
    after = {p: sorted(p.rglob("*")) if p.exists() else None for p in watched}
    changed = [str(p.relative_to(ROOT)) for p in watched if before[p] != after[p]]
    assert changed == [], f"tests wrote into the repository: {changed}"


@pytest.fixture
def make_tender(tmp_path) -> TenderBuilder:
    return TenderBuilder(tmp_path)


@pytest.fixture(scope="session")
def sample_evaluation():
    """The sample tender evaluated once through the library (no Prefect)."""
    from scoring.pipeline import evaluate_tender

    return evaluate_tender(SAMPLE_TENDER)


DECIDED_REVIEW = {
    "bid": "03-budgetit",
    "claim": "BIT-DOSSIER-AM240",
    "decision": "reject",
    "by": "B. De Smet, evaluation committee",
    "at": "2026-10-21",
    "reason": "The dossier shows no independent test of the monitor's energy use.",
}


def decide(folder: Path, sent_on: str | None = "2026-11-25") -> Path:
    """Leave nothing open in a copy of the sample tender: its review decided, the evaluation report signed by
    the members who did not stand aside, and (unless None) the letters dated."""
    tender = yaml.safe_load((folder / "tender.yaml").read_text())
    if sent_on is not None:
        tender["letters"]["sent_on"] = sent_on
    (folder / "tender.yaml").write_text(yaml.safe_dump(tender, sort_keys=False, allow_unicode=True))
    reviews = yaml.safe_load((folder / "reviews.yaml").read_text())
    reviews["decisions"].append(DECIDED_REVIEW)
    (folder / "reviews.yaml").write_text(yaml.safe_dump(reviews, sort_keys=False, allow_unicode=True))
    committee = yaml.safe_load((folder / "committee.yaml").read_text())
    for member in committee["members"]:
        if not member.get("conflict"):
            member["signed_on"] = "2026-11-24"
    (folder / "committee.yaml").write_text(yaml.safe_dump(committee, sort_keys=False, allow_unicode=True))
    return folder


def decided_sample(root: Path, sent_on: str | None = "2026-11-25") -> Path:
    """A copy of the sample tender with nothing left open (decide)."""
    import shutil

    folder = root / "decided"
    shutil.copytree(SAMPLE_TENDER, folder)
    tender = yaml.safe_load((folder / "tender.yaml").read_text())
    tender["rules"] = str(SAMPLE_RULES)
    (folder / "tender.yaml").write_text(yaml.safe_dump(tender, sort_keys=False, allow_unicode=True))
    return decide(folder, sent_on)


def sent(folder: Path, ledger, out_dir: Path | None = None):
    """Evaluate a tender with nothing open (recorded), send its letters today: the first day the contract
    may then be concluded, after the standstill of the tender's law."""
    from scoring.pipeline import readiness, run, send_letters

    [ready] = readiness(folder, ledger)
    if ready.sent is None:  # once
        run(folder, ledger=ledger, out_dir=out_dir)
        send_letters(folder, ledger=ledger, out_dir=out_dir)
        [ready] = readiness(folder, ledger)
    return ready.signing_from


@pytest.fixture(scope="session")
def decided_evaluation(tmp_path_factory):
    """The sample tender with nothing left open (decided_sample), evaluated through the library."""
    from scoring.pipeline import evaluate_tender

    return evaluate_tender(decided_sample(tmp_path_factory.mktemp("decided")))


def by_id(evaluation, bid_id: str):
    return next(b for b in evaluation.bids if b.bid_id == bid_id)


def codes(result) -> set[str]:
    return {i.code for i in result.issues}


@pytest.fixture(scope="session")
def prefect_server():
    """Prefect's own test server, once per session (starting one costs seconds)."""
    from flows.settings import quiet_defaults

    quiet_defaults()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_reachable() -> bool:
    import sqlalchemy as sa

    try:
        with sa.create_engine(POSTGRES).connect() as db:
            db.execute(sa.text("select 1"))
        return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty ledger database: SQLite in a temporary folder, or a schema of its own in PostgreSQL
    (skipped when none answers on 127.0.0.1:5432), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    if not postgres_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (see docs/operations.md)")
    import uuid

    import sqlalchemy as sa

    schema = f"ts_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as db:
        db.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    with admin.begin() as db:
        db.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(root: Path, env: dict, args: list[str], ready, timeout: float = 240):
    """`tenderscore serve ARGS` in a session of its own, its output in root/serve.log, until `ready(log text)`;
    stopped with all it started (workers, Prefect's server) afterwards. Yields the process."""
    import signal
    import subprocess
    import time

    log_path = root / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", *args],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.time() + timeout
            while not ready(log_path.read_text()):
                assert process.poll() is None, log_path.read_text()[-3000:]
                assert time.time() < deadline, f"tenderscore serve did not start:\n{log_path.read_text()[-3000:]}"
                time.sleep(1)
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
