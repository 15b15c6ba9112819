"""ocds.json: the award in the Open Contracting Data Standard (1.1, with the bid and award criteria
breakdown extensions), so results can be published."""

from __future__ import annotations

import json
import re
from typing import Any

from scoring.award.results import BidResult, Evaluation, Status
from scoring.formatting import plain

PREFIX = "ocds-tenderscore"  # replace with the publisher's registered OCID prefix before publishing
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteriaBreakdown_extension/master/"
    "extension.json",
]


def _party_id(b: BidResult) -> str:
    return re.sub(r"\s+", "", b.registration_number or b.bid_id)


def _bid_status(b: BidResult) -> str:
    if b.status is Status.RANKED:
        return "valid"
    if any(reason.startswith("bid.superseded") for reason in b.reasons):
        return "withdrawn"  # replaced by the same tenderer's later bid
    return "disqualified"


def _criterion_type(c) -> str:
    return "price" if c.field == "bid.total_price" else "quality"


def ocds_package(evaluation: Evaluation) -> dict:
    t = evaluation.tender
    rules = evaluation.rules
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    winner = ranked[0] if ranked else None
    tenderers = [b for b in evaluation.bids if b.supplier]
    when = evaluation.run_at or t.bid_deadline.isoformat()
    suffix = f"-lot-{evaluation.lot}" if evaluation.lot else ""
    buyer = {"id": "buyer", "name": t.buyer}
    parties: list[dict[str, Any]] = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
    seen = set()
    for b in tenderers:
        pid = _party_id(b)
        if pid in seen:
            continue
        seen.add(pid)
        roles = ["tenderer"] + (["supplier"] if winner and _party_id(winner) == pid else [])
        parties.append({"id": pid, "name": b.supplier, "roles": roles})
    weighted = rules.method.stake == "weight"
    criteria = [
        {
            "type": _criterion_type(c),
            "name": c.name,
            **({"numbers": [{"number": plain(c.weight), "weight": "percentageExact"}]} if weighted else {}),
            "description": f"{c.function} on {c.field}"
            + ("" if weighted else f"; worth {plain(c.money)} {t.currency} at full score"),
        }
        for c in rules.criteria
    ]
    release = {
        "ocid": f"{PREFIX}-{t.id}",
        "id": f"{t.id}{suffix}-{evaluation.run_id or evaluation.rules_sha256[:16]}",
        "date": when,
        "tag": ["award"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer,
        "tender": {
            "id": t.id,
            "title": t.title,
            "status": "complete",
            "procuringEntity": buyer,
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": f"{rules.title} (rule set {rules.id} {rules.version}, method {rules.method.name})",
            "tenderPeriod": {"endDate": t.bid_deadline.isoformat()},
            "contractPeriod": {
                "startDate": f"{t.contract_start.isoformat()}T00:00:00Z",
                "endDate": f"{t.contract_end.isoformat()}T00:00:00Z",
            },
            "numberOfTenderers": len(seen),
            "tenderers": [{"id": p["id"], "name": p["name"]} for p in parties[1:]],
            "lots": [{"id": evaluation.lot or "1", "title": t.title, "awardCriteria": {"criteria": criteria}}],
        },
        "bids": {
            "statistics": [
                {"id": "1", "measure": "bids", "value": len(evaluation.bids)},
                {"id": "2", "measure": "validBids", "value": len(ranked)},
            ],
            "details": [
                {
                    "id": b.bid_id,
                    "status": _bid_status(b),
                    "tenderers": [{"id": _party_id(b), "name": b.supplier}] if b.supplier else [],
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
            ],
        },
        "awards": []
        if winner is None
        else [
            {
                "id": f"{t.id}{suffix}-award",
                "title": f"Intended award of {t.title}",
                "status": "pending",  # the standstill period runs before the award is final
                "date": when,
                "suppliers": [{"id": _party_id(winner), "name": winner.supplier}],
                "value": {"amount": plain(winner.total_price), "currency": t.currency},
                "relatedBids": [winner.bid_id],
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
    return json.dumps(ocds_package(evaluation), indent=2, ensure_ascii=False) + "\n"
