"""Scaling out on Prefect's workers, and the command with the service running.

    .venv/bin/python bench/bench_scale.py [TENDERS]      # default 12 (each run on a worker is a fresh process)

1. `tenderscore serve --workers 1`, then `tenderscore serve --workers 2`, on the same Prefect home and a
   PostgreSQL ledger (on SQLite the evaluate deployment takes one run at a time: one writer): N copies of the
   sample tender evaluated a first time by `tenderscore rescore` (one run of evaluate-tender/on-demand per
   tender on the pool's workers, each in a fresh process of its worker, as Prefect's process workers run
   them), each time with their own ledger. Target: 2 workers at least 1.6x as fast as 1 on this 2-core machine.
2. With the service running, `tenderscore evaluate` of the sample (it joins the service instead of starting
   a server of its own) against the library doing the same work in a process of its own (`python -c`),
   imports included on both sides. Target: <= 1.3x.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import ROOT, TENDER, Target, copy_rules, emit, sample_copies, timed

TENDERSCORE = str(Path(sys.executable).parent / "tenderscore")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_schema() -> str:
    """A ledger of its own in a schema of the PostgreSQL database (the bench needs one: see the docstring)."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with sa.create_engine(POSTGRES).begin() as db:
        db.exec_driver_sql(f"CREATE SCHEMA {schema}")
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def drop_schemas() -> None:
    import sqlalchemy as sa

    with sa.create_engine(POSTGRES).begin() as db:
        names = db.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench!_%' ESCAPE '!'"))
        for (name,) in list(names):
            db.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")


class Service:
    def __init__(self, root: Path, env: dict, workers: int):
        self.port = free_port()
        self.env = {**env, "TENDERSCORE_PREFECT_PORT": str(self.port)}
        self.log = root / f"serve-{workers}.log"
        command = [TENDERSCORE, "serve", "--port", str(self.port), "--app-port", "0", "--workers", str(workers)]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=root, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.time() + 240
        while self.log.read_text().count("Worker 'tenderscore-") < workers + 1:
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                sys.exit(f"tenderscore serve did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def command(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([TENDERSCORE, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tenderscore {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def rescore_on(root: Path, folders: list[Path], env: dict, workers: int) -> float:
    service = Service(root, {**env, "TENDERSCORE_DATABASE_URL": new_schema()}, workers)
    try:
        with timed() as took:
            done = command(["rescore", *map(str, folders)], root, service.env)
        if "the running service" not in done.stderr:
            sys.exit(f"the re-score did not use the service:\n{done.stderr}")
        rescored = [line for line in done.stdout.splitlines() if ": re-scored as official run" in line]
        if len(rescored) != len(folders):
            sys.exit(f"{len(rescored)} of {len(folders)} tenders were re-scored:\n{done.stdout}")
        print(f"  ({len(folders)} tenders on {workers} worker(s): {took():.1f} s)", flush=True)
        return took()
    finally:
        service.stop()


LIBRARY = "from scoring import pipeline; import sys; pipeline.run(sys.argv[1], write_out=True)"


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "TENDERSCORE_HOME": str(root / "home"), "PREFECT_HOME": str(root / "prefect")}
        for name in ("PREFECT_API_URL", "TENDERSCORE_DATABASE_URL"):
            env.pop(name, None)
        rules = copy_rules(root / "rules")
        folders = sample_copies(root, count, rules)
        try:
            one = rescore_on(root, folders, env, 1)
            two = rescore_on(root, folders, env, 2)
        finally:
            drop_schemas()

        # the command with the service running, against the library in a process of its own
        sample = root / "sample"
        sample.mkdir()
        tender = sample_copies(sample, 1, rules)[0]
        subprocess.run([sys.executable, "-c", LIBRARY, str(tender)], env=env, check=True)  # files cached by the OS
        service = Service(root, env, 1)
        try:
            library, served = [], []
            for _ in range(2):
                with timed() as took:
                    subprocess.run([sys.executable, "-c", LIBRARY, str(tender)], env=env, check=True)
                library.append(took())
                with timed() as took:
                    done = command(["evaluate", str(tender)], root, service.env)
                served.append(took())
                if "the running service" not in done.stderr:
                    sys.exit(f"evaluate did not use the service:\n{done.stderr}")
        finally:
            service.stop()
    print(f"{count} tenders of 10 bids (the sample), each a run on the pool's workers")
    print(f"  1 worker                  {one:8.1f} s  ({one / count:.2f} s per tender)")
    print(f"  2 workers                 {two:8.1f} s  (speed-up {one / two:.2f}x)")
    print(f"evaluate {TENDER.name}: with the service {min(served):.2f} s, the library {min(library):.2f} s")
    emit(
        [
            # the target is a speed-up of at least 1.6: 2 workers' time within 1/1.6 of one worker's
            Target(f"re-score {count} tenders on 2 workers", two, "1 worker", one, round(1 / 1.6, 3)),
            Target("evaluate with the service running", min(served), "the library run", min(library), 1.3),
        ],
        {"bench": "scale", "tenders": count, "root": str(ROOT)},
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
