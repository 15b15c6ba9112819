"""Claims that look like misrepresentation are rejected as before and flagged for the committee, with the
evidence (Art. 57(4)(h)): another company's certificate, or an identifier one character away from another
holder's. A near miss on the bidder's own certificate is a typing error to ask about, not a flag."""

import pytest
from conftest import sample_spec

from sample_bids.generate import _tco
from scoring.claims.registers import one_apart
from scoring.pipeline import evaluate_tender


def _officeline_claiming(*certificates):
    spec = sample_spec("02-officeline.xlsx")
    spec["labels"] = [_tco(c, "ThinkBook 14 G6") for c in certificates]
    return spec


def _evaluate(make_tender, spec):
    folder = make_tender({"01-greenbyte.xlsx": sample_spec("01-greenbyte.xlsx"), "02-officeline.xlsx": spec})
    return next(b for b in evaluate_tender(folder).bids if b.bid_id == "02-officeline")


def _flags(bid):
    return [i for i in bid.issues if i.code == "claim.possible_misrepresentation"]


def test_another_companys_certificate_is_rejected_and_flagged_with_the_evidence(make_tender):
    bid = _evaluate(make_tender, _officeline_claiming("TCO-9-EB14-0071"))  # Ecotek's, for the EcoBook
    [claim] = bid.claims
    assert (claim.verdict.value, claim.reason_code) == ("rejected", "certificate.other_holder")
    [flag] = _flags(bid)
    assert (flag.severity.value, flag.sheet, flag.row, flag.field) == ("warning", "Labels", 2, "Certificate ID")
    assert "Art. 57(4)(h)" in flag.message
    for evidence in ("TCO-9-EB14-0071", "Ecotek", "EcoBook 14 G3", "Officeline BV", "ThinkBook 14 G6", "2026-10-01"):
        assert evidence in flag.message
    assert bid.status.value == "ranked"  # the committee decides on exclusion, not the tool


def test_an_identifier_one_character_from_another_holders_is_flagged(make_tender):
    bid = _evaluate(make_tender, _officeline_claiming("TCO-9-EB14-0079"))
    [claim] = bid.claims
    assert claim.reason_code == "certificate.not_found"
    [flag] = _flags(bid)
    assert "TCO-9-EB14-0071, one character away, is held by Ecotek" in flag.message


def test_a_near_miss_on_the_bidders_own_certificate_is_a_typing_error_not_a_flag(make_tender):
    bid = _evaluate(make_tender, _officeline_claiming("TCO-9-TB14-5513"))  # its own is TCO-9-TB14-5531
    [claim] = bid.claims
    assert claim.reason_code == "certificate.not_found"
    assert "TCO-9-TB14-5531, one character away, is held by Lenvo: possibly a typing error" in str(claim.reason)
    assert _flags(bid) == []


def test_an_unknown_identifier_far_from_any_is_not_flagged(make_tender):
    bid = _evaluate(make_tender, _officeline_claiming("TCO-9-ZZ99-1234"))
    assert bid.claims[0].reason_code == "certificate.not_found" and _flags(bid) == []


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("tco-9-eb14-0071", "tco-9-eb14-0079", True),  # changed
        ("tco-9-eb14-0071", "tco-9-eb14-00711", True),  # added
        ("tco-9-eb14-0071", "tco-9-eb14-071", True),  # removed
        ("tco-9-eb14-0071", "tco-9-eb14-0170", False),  # two apart
        ("tco-9-eb14-0071", "tco-9-eb14-0701", True),  # neighbours swapped
        ("tco-9-eb14-0071", "tco-9-eb14-0071", False),  # the same
        ("ab", "ba", True),
        ("abc", "cba", False),
    ],
)
def test_one_character_apart(a, b, apart):
    assert one_apart(a, b) is apart and one_apart(b, a) is apart
