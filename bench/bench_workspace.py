"""The workspace under load: 20 people browsing and deciding for 60 s against one `tenderscore workspace`.

    .venv/bin/python bench/bench_workspace.py [SECONDS]      # default 60

One sample tender; one secretary and 19 members, each signed in over real HTTP on 127.0.0.1. Each person
loops over the pages of the tender (status, bids, a bid, reviews, clarifications, letters, trail), reading
each for 0.5 to 2 s (THINK: a person, not a script; quicker than anyone reads a ranking); every
member declares, then signs the report once; the secretary decides the pending review. A decision makes
the evaluation be computed again in the background while the pages go on being served. Printed: requests,
errors, the median and p95 latency of the pages, and the p95 of /healthz measured in the same run (what
the server costs with no work behind it). Targets: p95 under 300 ms and no error.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from common import ROOT, TENDER, Target, emit

PASSWORD = "bench password 2026"
USERS = 20
TENDER_ID = "CITY-ICT-2026-014"
THINK = (0.5, 2.0)  # seconds a person spends on a page before the next
PAGES = ["", "/bids", "/bids/01-greenbyte", "/reviews", "/clarifications", "/letters", "/trail"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def person(base: str, email: str, secretary: bool, until: float, times: list[float], errors: list[str]) -> None:
    import httpx

    client = httpx.Client(base_url=base, timeout=30)

    def csrf(path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)

    token = csrf("/signin")
    client.post("/signin", data={"csrf": token, "email": email, "password": PASSWORD})
    t = f"/t/{TENDER_ID}"
    client.post(f"{t}/declare", data={"csrf": csrf(t), "conflict": "no"})
    decided = False
    while time.time() < until:
        path = t + random.choice(PAGES)
        start = time.perf_counter()
        try:
            answer = client.get(path)
            if answer.status_code != 200:
                errors.append(f"{path}: {answer.status_code}")
        except Exception as error:  # counted, the load goes on
            errors.append(f"{path}: {error!r}")
            continue
        times.append(time.perf_counter() - start)
        time.sleep(random.uniform(*THINK))
        if not decided and random.random() < 0.05:
            decided = True
            if secretary:
                data = {"bid": "03-budgetit", "claim": "BIT-DOSSIER-AM240", "decision": "reject", "reason": "Bench."}
                client.post(f"{t}/reviews", data={"csrf": csrf(t), **data})
            else:
                client.post(f"{t}/sign", data={"csrf": csrf(t)})


def main(seconds: int) -> None:
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "tender"
        shutil.copytree(TENDER, folder)
        data = yaml.safe_load((folder / "tender.yaml").read_text())
        data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
        (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        env = {**os.environ, "TENDERSCORE_DATABASE_URL": f"sqlite:///{root / 'ledger.sqlite'}"}
        env["TENDERSCORE_PASSWORD"] = PASSWORD
        tenderscore = str(Path(sys.executable).parent / "tenderscore")
        people = [("secretary@bench.example", "secretary")] + [
            (f"m{n}@bench.example", "member") for n in range(1, USERS)
        ]
        for email, role in people:
            name = email.split("@")[0].upper()
            subprocess.run(
                [tenderscore, "users", "add", email, "--name", name, "--role", role, "--tender", TENDER_ID],
                env=env,
                check=True,
                capture_output=True,
            )
        port = _port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [tenderscore, "workspace", str(folder), "--app-port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    httpx.get(f"{base}/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            warm = httpx.Client(base_url=base, timeout=120)  # the first evaluation, before the clock starts
            token = re.search(r'name="csrf" value="([^"]+)"', warm.get("/signin").text).group(1)
            warm.post("/signin", data={"csrf": token, "email": people[0][0], "password": PASSWORD})
            warm.get(f"/t/{TENDER_ID}")
            times: list[float] = []
            errors: list[str] = []
            until = time.time() + seconds
            threads = [
                threading.Thread(target=person, args=(base, email, role == "secretary", until, times, errors))
                for email, role in people
            ]
            for t in threads:
                t.start()
            health: list[float] = []
            while time.time() < until:
                start = time.perf_counter()
                httpx.get(f"{base}/healthz")
                health.append(time.perf_counter() - start)
                time.sleep(0.2)
            for t in threads:
                t.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    p95 = statistics.quantiles(times, n=20)[-1]
    floor = statistics.quantiles(health, n=20)[-1]
    print(f"{USERS} people for {seconds} s against one workspace: {len(times)} pages, {len(errors)} errors")
    print(f"  pages: median {statistics.median(times) * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms")
    print(f"  /healthz p95 in the same run  {floor * 1000:6.0f} ms")
    for e in errors[:5]:
        print(f"  error: {e}")
    # The target is absolute (300 ms) as the issue states it; the ratio to /healthz is printed beside it.
    targets = [Target("workspace pages p95 (20 people)", p95, "300 ms", 0.3, 1.0)]
    if errors:
        targets.append(Target("workspace errors", float(len(errors)), "none", 1.0, 0.0))
    emit(targets, {"bench": "workspace", "healthz_p95": floor, "pages": len(times)})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
