"""What changed between two runs of a tender: ranks, statuses, points, claim verdicts."""

from __future__ import annotations

from scoring.formatting import cell


def diff_documents(before: dict, after: dict) -> dict:
    """What changed between two evaluation documents of a tender: ranks, statuses, points, verdicts."""
    old = {b["bid_id"]: b for b in before["bids"]}
    new = {b["bid_id"]: b for b in after["bids"]}
    changes = []
    for bid_id in sorted(set(old) | set(new)):
        a, b = old.get(bid_id), new.get(bid_id)
        if a is None or b is None:
            changes.append(
                {
                    "bid_id": bid_id,
                    "what": "bid",
                    "before": "absent" if a is None else a["status"],
                    "after": "absent" if b is None else b["status"],
                }
            )
            continue
        for key in ("status", "rank", "total"):
            if a[key] != b[key]:
                changes.append({"bid_id": bid_id, "what": key, "before": a[key], "after": b[key]})
        points = {c["id"]: c["points"] for c in a["criteria"]}
        for c in b["criteria"]:
            if points.get(c["id"]) != c["points"]:
                changes.append(
                    {"bid_id": bid_id, "what": f"points {c['id']}", "before": points.get(c["id"]), "after": c["points"]}
                )
        verdicts = {(cl["row"], cl["certificate_id"] or cl["evidence"]): cl["verdict"] for cl in a["claims"]}
        for cl in b["claims"]:
            claim = (cl["row"], cl["certificate_id"] or cl["evidence"])
            if verdicts.get(claim) != cl["verdict"]:
                changes.append(
                    {
                        "bid_id": bid_id,
                        "what": f"claim {claim[1]}",
                        "before": verdicts.get(claim),
                        "after": cl["verdict"],
                    }
                )
    return {
        "previous_run_id": before.get("run_id"),
        "run_id": after.get("run_id"),
        "rules_sha256": {"before": before["rules_sha256"], "after": after["rules_sha256"]},
        "rank_changes": [c for c in changes if c["what"] == "rank"],
        "changes": changes,
    }


def render_diff_md(diff: dict) -> str:
    lines = [
        f"# Changes since the official run {diff['previous_run_id']}",
        "",
        f"Rule set SHA-256: `{diff['rules_sha256']['before']}` → `{diff['rules_sha256']['after']}`.",
        "",
    ]
    if not diff["changes"]:
        return "\n".join(lines + ["Nothing changed.", ""])
    lines += ["| Bid | What | Before | After |", "|---|---|---|---|"]
    lines += [
        f"| {cell(c['bid_id'])} | {cell(c['what'])} | {cell(c['before'])} | {cell(c['after'])} |"
        for c in diff["changes"]
    ]
    return "\n".join(lines) + "\n"
