"""The `tenderscore` command: a thin shell over the scoring library and the Prefect flows.

Inputs are checked before Prefect is imported, so a missing tender.yaml or a bad
rule file is reported in well under a second, with the file and key at fault.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from scoring import __version__
from scoring.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text: object) -> str:
    """Bidder text on a terminal: control characters (escape sequences) are neutralised."""
    return CONTROL.sub("?", "" if text is None else str(text))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tenderscore", description="Score tender bids fairly and explainably.")
    parser.add_argument("--version", action="version", version=f"tenderscore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    evaluate = commands.add_parser("evaluate", help="evaluate a tender folder and write its reports",
                                   description="Run the evaluate-tender flow on TENDER_DIR and print the ranking.")
    evaluate.add_argument("tender_dir", metavar="TENDER_DIR", help="folder with tender.yaml and bids/")
    evaluate.add_argument("--rules", metavar="FILE", help="rule set to use instead of the one tender.yaml names")
    evaluate.add_argument("--out", metavar="DIR", help="where to write the reports (default: reports/<tender-id>)")
    evaluate.add_argument("--verbose", action="store_true", help="show Prefect's flow and task logs")

    rescore = commands.add_parser("rescore", help="evaluate again the tenders whose rules or inputs changed",
                                  description="Runs the rescore-tenders flow: every tender the ledger knows (or the "
                                              "folders named) whose latest run used other rules or inputs.")
    rescore.add_argument("tender_dirs", metavar="TENDER_DIR", nargs="*")
    rescore.add_argument("--rules", metavar="FILE", help="a rule set to evaluate under (a scenario unless pinned)")
    rescore.add_argument("--verbose", action="store_true")

    serve = commands.add_parser("serve", help="serve the Prefect deployments (on demand, scheduled, on rules change)")
    serve.add_argument("--port", type=int, default=4200, help="port of the local Prefect server it starts "
                                                              "when PREFECT_API_URL is not set (default 4200)")
    serve.add_argument("--cron", default=None, help="schedule of rescore-tenders (default: TENDERSCORE_RESCORE_CRON "
                                                    "or '0 6 * * *')")

    rules = commands.add_parser("rules", help="rule set commands")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    publish = rules_commands.add_parser("publish", help="check a rule file and announce it: served tenders using "
                                                        "it are re-scored")
    publish.add_argument("rules_file", metavar="FILE")
    publish.add_argument("--port", type=int, default=4200)

    audit = commands.add_parser("audit", help="check the evaluation ledger")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="walk every tender's chain of runs and name the first broken record")

    check = commands.add_parser("check-rules", help="check a rule file and print its criteria",
                                description="Load a rule file with every check the evaluation applies.")
    check.add_argument("rules_file", metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "rescore":
            return _rescore(args)
        if args.command == "serve":
            from flows.serve import DEFAULT_CRON, serve

            serve(port=args.port, cron=args.cron or os.environ.get("TENDERSCORE_RESCORE_CRON", DEFAULT_CRON))
            return EXIT_OK
        if args.command == "rules":
            return _publish(args)
        return _check_rules(args)
    except InputError as exc:
        print(f"tenderscore: error: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _publish(args) -> int:
    from scoring.rules import load_rules

    loaded = load_rules(args.rules_file)  # a rule file that does not hold is never announced
    from flows.serve import publish_rules

    try:
        event_id = publish_rules(loaded.path, loaded.sha256, port=args.port)
    except ConnectionError as exc:
        print(f"tenderscore: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"published {loaded.path} (SHA-256 {loaded.sha256}) as event {event_id}")
    for w in loaded.warnings:
        print(f"warning: {w}")
    return EXIT_OK


def _rescore(args) -> int:
    from scoring.rescore import check_dirs

    check_dirs(args.tender_dirs)
    from flows.settings import quiet_defaults

    quiet_defaults(verbose=args.verbose)
    from flows.evaluate import rescore_tenders

    outcome = rescore_tenders(tender_dirs=[str(d) for d in args.tender_dirs] or None, rules_file=args.rules)
    for o in outcome:
        if not o["rescored"]:
            print(f"{o['tender_id']}: up to date")
            continue
        for run in o["runs"]:
            lot = f" lot {run['lot']}" if run["lot"] else ""
            print(f"{o['tender_id']}{lot}: re-scored as {run['kind']} run {run['run_id']} ({o['reason']})")
    if not outcome:
        print("no tender in the ledger yet: evaluate one first")
    return EXIT_OK


def _audit(args) -> int:
    from scoring.ledger import open_ledger

    ledger = open_ledger()
    problems = ledger.verify()
    records = ledger.runs_of()
    if problems:
        for problem in problems:
            print(f"BROKEN: {problem}")
        print(f"ledger {_redacted(ledger.url)}: {len(problems)} broken chain(s) in {len(records)} records",
              file=sys.stderr)
        return EXIT_FAILED
    tenders = len({(r["tender_id"], r["lot"]) for r in records})
    print(f"ledger {_redacted(ledger.url)}: {len(records)} records in {tenders} chain(s), all intact")
    return EXIT_OK


def _redacted(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _check_rules(args) -> int:
    from scoring.rules import load_rules

    loaded = load_rules(args.rules_file)
    rules = loaded.rules
    print(f"{loaded.path}: rule set {rules.id} version {rules.version}, SHA-256 {loaded.sha256}")
    for c in rules.criteria:
        print(f"  {c.weight:>5} %  {c.id:<20} {c.function:<18} {c.field}")
    for k in rules.knockouts:
        print(f"  knock-out {k.id}: {k.requirement}")
    print(f"  tie-break: total points → {' → '.join(rules.tie_break)}")
    for w in loaded.warnings:
        print(f"warning: {w}")
    return EXIT_OK


def _evaluate(args) -> int:
    from scoring.pipeline import prepare

    prepare(args.tender_dir, args.rules)  # fails fast, before the flow machinery starts
    from flows.settings import quiet_defaults

    quiet_defaults(verbose=args.verbose)
    from flows.evaluate import evaluate_tender

    from scoring.reports import REPORTS, default_out_dir, lot_dir

    for n, evaluation in enumerate(evaluate_tender(tender_dir=args.tender_dir, rules_file=args.rules,
                                                   out_dir=args.out)):
        print("\n" if n else "", end="")
        print_ranking(evaluation)
        out = lot_dir(evaluation, args.out) if args.out else default_out_dir(evaluation)
        extra = ["letters/", "ocds.json"] + (["diff.md"] if evaluation.previous_run_id else [])
        print(f"\nReports in {out}/: {', '.join([*REPORTS, *extra])}")
        if evaluation.run_id:
            print(f"Ledger run {evaluation.run_id} ({evaluation.kind})")
    return EXIT_OK


def print_ranking(evaluation) -> None:
    from scoring.functions import money
    from scoring.models import Status

    t = evaluation.tender
    print(f"{shown(t.id)}: {shown(t.title)}" + (f", lot {shown(evaluation.lot)}" if evaluation.lot else ""))
    print(f"rule set {evaluation.rules.id} {evaluation.rules.version} (SHA-256 {evaluation.rules_sha256[:12]}…)\n")
    from scoring.report_md import ranking_heading, ranking_shown, robustness_lines

    heading = ranking_heading(evaluation)
    print(f"{'Rank':>4}  {'Bid':<22} {'Supplier':<34} {'Price (' + t.currency + ')':>16} {heading:>{len(heading)}}")
    for b in evaluation.bids:
        if b.status is Status.RANKED:
            print(f"{b.rank:>4}  {shown(b.bid_id)[:22]:<22} {shown(b.supplier)[:34]:<34} "
                  f"{money(b.total_price):>16} {ranking_shown(evaluation, b):>{len(heading)}}")
    for b in evaluation.bids:
        if b.status is not Status.RANKED:
            reason = shown(b.reasons[0]) if b.reasons else ""
            more = f" (+{len(b.reasons) - 1} more)" if len(b.reasons) > 1 else ""
            print(f"{b.status.value:>8}  {shown(b.bid_id)}: {reason}{more}")
    for w in evaluation.warnings:
        print(f"warning: {shown(w)}")
    for w in evaluation.rule_warnings:
        print(f"rule set warning: {w}")
    for b in evaluation.bids:
        for i in b.issues:
            if i.code.startswith(("price.", "panel.")):
                print(f"{i.severity.value}: {shown(b.bid_id)}: {i.code}: {shown(i.message)}")
    for line in robustness_lines(evaluation):
        if "no change of winner" not in line:
            print(f"robustness: {line}")
    pending = [(b.bid_id, c) for b in evaluation.bids for c in b.claims if c.verdict.value == "needs_review"]
    if pending:
        print(f"{len(pending)} claim(s) await review; record decisions in reviews.yaml next to tender.yaml:")
        for bid_id, c in pending:
            print(f"  {shown(bid_id)}: {shown(c.certificate_id or c.evidence)} ({c.reason_code})")


if __name__ == "__main__":
    sys.exit(main())
