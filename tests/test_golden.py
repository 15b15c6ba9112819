"""The sample's reports are byte-identical to the golden ones (tests/golden): refactorings change no report."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "golden"))
GOLDEN = ROOT / "tests" / "golden"


def test_every_report_of_the_sample_is_byte_identical_to_the_golden_one(tmp_path):
    from regenerate import VARIANTS, write_all

    write_all(tmp_path)
    expected = sorted(p.relative_to(GOLDEN) for name in VARIANTS for p in (GOLDEN / name).rglob("*") if p.is_file())
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == expected
    # four rule variants: five reports and two letters per tenderer (nine: one replaced its submission); no
    # clarification request (05-incomplete's would change nothing: it is rejected on substance)
    assert len(expected) == 4 * (5 + 2 * 9)
    differ = [str(p) for p in expected if (tmp_path / p).read_bytes() != (GOLDEN / p).read_bytes()]
    assert differ == [], "reports changed; if meant, run tests/golden/regenerate.py and review the diff"
