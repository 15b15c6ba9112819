"""ocds.json: the award in the Open Contracting Data Standard (1.1, with the bid and award criteria
breakdown extensions), so results can be published: statuses that follow the evaluation's state, bids as
statistics unless the buyer publishes them in full, names as inert text."""

from __future__ import annotations

import re
from typing import Any

from scoring.award.results import BidResult, Evaluation, Status
from scoring.formatting import json_text, plain
from scoring.intake.parse import FORMULA_START
from scoring.rules.schema import Criterion, RuleSet

PREFIX = "ocds-tenderscore"  # replace with the publisher's registered OCID prefix before publishing
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteriaBreakdown_extension/master/"
    "extension.json",
]


def _party_id(b: BidResult) -> str:
    return re.sub(r"\s+", "", b.registration_number or b.bid_id)


def inert(text: str | None) -> str | None:
    """A name as inert text: one that a spreadsheet would read as a formula is prefixed with an apostrophe,
    the usual guard, so a program opening the export never evaluates a tenderer's text."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def _bid_status(b: BidResult) -> str:
    if b.status is Status.RANKED:
        return "valid"
    if any(i.code == "bid.superseded" for i in b.issues) or b.withdrawn:
        return "withdrawn"  # replaced by the same tenderer's later bid, or withdrawn by it
    return "disqualified"


def _criterion_type(c: Criterion) -> str:
    return "price" if c.field == "bid.total_price" else "quality"


def _criterion(c: Criterion, rules: RuleSet, language: str, currency: str) -> dict[str, Any]:
    """An award criterion as OCDS lists it: its weight in percent, or what it is worth at full score."""
    stake = c.stake(rules.method)
    weight = rules.method.percent(stake)
    return {
        "type": _criterion_type(c),
        "name": c.title(language),
        **({"numbers": [{"number": plain(weight), "weight": "percentageExact"}]} if weight is not None else {}),
        "description": f"{c.function} on {c.field}"
        + ("" if weight is not None else f"; worth {plain(stake)} {currency} at full score"),
    }


def statuses(evaluation: Evaluation) -> tuple[str, str | None]:
    """The tender's status and the award's, consistent with the evaluation's state: no ranked bid, an
    unsuccessful tender; awarded (tender.yaml award:), a complete tender and an active award; otherwise the
    tender is active and the intended award pending (standstill, or decisions still open)."""
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    if not ranked:
        return "unsuccessful", None
    award = evaluation.tender.award
    if award is not None and award.lot == evaluation.lot:
        return "complete", "active"
    return "active", "pending"


def ocds_package(evaluation: Evaluation) -> dict:
    """The release: statistics of the bids by default (eForms BT-759 received, BT-711 lowest and highest
    valid tender value); each bid, with the tenderers' names and prices, only when tender.yaml's
    publication.bids is `full`."""
    t = evaluation.tender
    rules = evaluation.rules
    full = t.publication.bids == "full"
    ranked = sorted((b for b in evaluation.bids if b.status is Status.RANKED), key=lambda b: b.rank or 0)
    tender_status, award_status = statuses(evaluation)
    award = t.award if t.award is not None and t.award.lot == evaluation.lot else None
    winner = next((b for b in ranked if award and b.bid_id == award.bid), ranked[0] if ranked else None)
    # From the tender's data, never the clock: the same inputs give the same bytes. The award's date is the
    # decision's: the award once recorded, else the day the letters announcing it were sent; the release's
    # is that date too, or the bid deadline while nothing was decided.
    decided = award.awarded_on if award else evaluation.sent.sent_on if evaluation.sent else None
    when = f"{decided.isoformat()}T00:00:00Z" if decided else t.bid_deadline.isoformat()
    suffix = f"-lot-{evaluation.lot}" if evaluation.lot else ""
    buyer = {"id": "buyer", "name": t.buyer}
    parties: list[dict[str, Any]] = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
    seen: dict[str, BidResult] = {}
    for b in evaluation.bids:
        if b.supplier and _party_id(b) not in seen:
            seen[_party_id(b)] = b
    for pid, b in seen.items():
        is_winner = winner is not None and _party_id(winner) == pid
        if full or is_winner:
            roles = ["tenderer"] + (["supplier"] if is_winner else [])
            parties.append({"id": pid, "name": inert(b.supplier), "roles": roles})
    criteria = [_criterion(c, rules, t.language, t.currency) for c in rules.criteria]
    prices = [b.total_price for b in ranked if b.total_price is not None]
    statistics: list[dict[str, Any]] = [
        {"id": "1", "measure": "bids", "value": len(evaluation.bids)},  # BT-759, received submissions
        {"id": "2", "measure": "validBids", "value": len(ranked)},
        {
            "id": "3",
            "measure": "disqualifiedBids",
            "value": sum(1 for b in evaluation.bids if _bid_status(b) == "disqualified"),
        },
        {"id": "4", "measure": "bidders", "value": len(seen)},
        {  # replaced by the same tenderer's later submission, or withdrawn: so that the counts add up
            "id": "5",
            "measure": "withdrawnBids",
            "value": sum(1 for b in evaluation.bids if _bid_status(b) == "withdrawn"),
        },
    ]
    if prices:  # BT-711, the lowest and highest value among the tenders that could be ranked
        statistics += [
            {"id": "6", "measure": "lowestValidBidValue", "value": plain(min(prices)), "currency": t.currency},
            {"id": "7", "measure": "highestValidBidValue", "value": plain(max(prices)), "currency": t.currency},
        ]
    if evaluation.lot:
        statistics = [{**s, "relatedLot": evaluation.lot} for s in statistics]
    bids: dict[str, Any] = {"statistics": statistics}
    if full:
        bids["details"] = [
            {
                "id": b.bid_id,
                "status": _bid_status(b),
                "tenderers": [{"id": _party_id(b), "name": inert(b.supplier)}] if b.supplier else [],
                **(
                    {"value": {"amount": plain(b.total_price), "currency": t.currency}}
                    if b.total_price is not None
                    else {}
                ),
                "hasRank": b.rank is not None,
                **({"rank": b.rank} if b.rank is not None else {}),
                **({"relatedLots": [evaluation.lot]} if evaluation.lot else {}),
            }
            for b in evaluation.bids
        ]
    release = {
        "ocid": f"{PREFIX}-{t.id}",
        "id": f"{t.id}{suffix}-{evaluation.run_id or evaluation.rules_sha256[:16]}",
        "date": when,
        "tag": ["award"],
        "initiationType": "tender",
        "language": t.language,
        "parties": parties,
        "buyer": buyer,
        "tender": {
            "id": t.id,
            "title": t.title,
            "status": tender_status,
            "procuringEntity": buyer,
            "procurementMethod": "open" if t.procedure.type == "open" else "selective",
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": f"{rules.title} (rule set {rules.id} {rules.version}, method {rules.method.name})",
            "tenderPeriod": {"endDate": t.bid_deadline.isoformat()},
            "contractPeriod": {
                "startDate": f"{t.contract_start.isoformat()}T00:00:00Z",
                "endDate": f"{t.contract_end.isoformat()}T00:00:00Z",
            },
            "numberOfTenderers": len(seen),
            **(
                {"value": {"amount": plain(t.procedure.estimated_value), "currency": t.currency}}
                if t.procedure.estimated_value
                else {}
            ),
            **({"tenderers": [{"id": p["id"], "name": p["name"]} for p in parties[1:]]} if full else {}),
            "lots": [{"id": evaluation.lot or "1", "title": t.title, "awardCriteria": {"criteria": criteria}}],
        },
        "bids": bids,
        "awards": []
        if winner is None or award_status is None
        else [
            {
                "id": f"{t.id}{suffix}-award",
                "title": (f"Award of {t.title}" if award_status == "active" else f"Intended award of {t.title}"),
                "status": award_status,
                **({"date": when} if decided else {}),
                "suppliers": [{"id": _party_id(winner), "name": inert(winner.supplier)}],
                "value": {"amount": plain(winner.total_price), "currency": t.currency},
                **({"relatedBids": [winner.bid_id]} if full else {}),
            }
        ],
    }
    return {
        "uri": f"urn:tenderscore:{t.id}{suffix}",
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": when,
        "publisher": {"name": t.buyer},
        "releases": [release],
    }


def render_ocds(evaluation: Evaluation) -> str:
    return json_text(ocds_package(evaluation))
