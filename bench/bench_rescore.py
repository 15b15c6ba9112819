"""Re-scoring many tenders after a rule change, through the command line as a buyer runs it.

    .venv/bin/python bench/bench_rescore.py [TENDERS]      # default 200

N copies of the sample tender (10 bids each) under one rule set: `tenderscore rescore DIR...` evaluates
them all a first time; a weight is moved in the rule set; `tenderscore rescore` evaluates them again.
Targets: the re-score within 0.2 x the first evaluation (it costs the scoring only: no workbook is read
again, no value check runs again) and within 60 s at 200 tenders; peak memory under 1 GB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from common import ROOT, Target, copy_rules, emit, floor, peak_mb, sample_copies, timed

TENDERSCORE = str(Path(sys.executable).parent / "tenderscore")


def move_a_weight(rules: Path) -> None:
    data = yaml.safe_load(rules.read_text())
    for c in data["criteria"]:
        if c["id"] == "price":
            c.update(weight=c["weight"] + 5, weight_range=[c["weight"] - 5, c["weight"] + 15])
        if c["id"] == "label":
            c.update(weight=c["weight"] - 5, weight_range=[0, c["weight"]])
    rules.write_text(yaml.safe_dump(data, sort_keys=False))


def command(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "TENDERSCORE_HOME": str(cwd / "home")}
    env.pop("PREFECT_API_URL", None)  # the command's own embedded server, as on a buyer's machine
    done = subprocess.run([TENDERSCORE, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tenderscore {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rules = copy_rules(root / "rules")
        folders = sample_copies(root, count, rules)
        files = sorted(p for f in folders for p in (f / "bids").iterdir())
        with timed() as first:
            command(["rescore", *map(str, folders)], root)
        move_a_weight(rules)
        with timed() as again:
            said = command(["rescore"], root)
        rescored = [line for line in said.splitlines() if ": re-scored as official run" in line]
        if len(rescored) != count:
            sys.exit(f"{len(rescored)} of {count} tenders were re-scored:\n{said}")
        reading = floor(files)
    memory = peak_mb(children=True)
    print(f"{count} tenders of 10 bids, {len(files)} files")
    print(f"  first evaluation          {first():8.2f} s")
    print(f"  re-score after a rule change {again():5.2f} s  ({again() / count * 1000:.0f} ms per tender)")
    print(f"  floor: read and total all {reading:8.2f} s")
    print(f"  peak memory               {memory:8.0f} MB")
    emit(
        [
            Target(f"re-score {count} tenders", again(), "their first evaluation", first(), 0.2),
            Target(f"re-score {count} tenders", again(), "the budget: 60 s per 200 tenders", 60 * count / 200, 1.0),
        ],
        {"bench": "rescore", "peak_mb": memory, "floor_seconds": reading, "tenders": count, "root": str(ROOT)},
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
