"""The `tenderscore` command: a thin shell over the scoring library and the Prefect flows (Typer and Rich).

Inputs are checked before Prefect is imported, so a missing tender.yaml or a bad rule file is
reported in well under a second, with the file and key at fault. Exit codes: 0 done (also when bids
were rejected), 1 failed (a broken ledger, no server to publish to), 2 an input is missing or wrong.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.exceptions import TyperException

from flows.criteria_cli import criteria_app
from scoring import __version__
from scoring.errors import InputError, LedgerError, OutputError, os_problem

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

app = typer.Typer(
    name="tenderscore",
    help="Score tender bids fairly, explainably and on their ethical criteria.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Rule set commands.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the evaluation ledger.", no_args_is_help=True)
registers_app = typer.Typer(help="Register snapshot commands.", no_args_is_help=True)
users_app = typer.Typer(help="The workspace's accounts (in the ledger's database).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(registers_app, name="registers")
app.add_typer(criteria_app, name="criteria")


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def shown(text: object) -> str:
    """Bidder text on a terminal: control characters (escape sequences) are neutralised."""
    return CONTROL.sub("?", "" if text is None else str(text))


def _version(value: bool) -> None:
    if value:
        print(f"tenderscore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Score tender bids fairly, explainably and on their ethical criteria."""


@contextmanager
def progress_display(verbose: bool, console: Console | None = None) -> Iterator[Any]:
    """A Rich progress display on the terminal (stderr) while flows run; nothing when not a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = console or stderr()
    bars = Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=verbose or not console.is_terminal,
    )
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    from flows.evaluate import reporting

    with bars, reporting(report):
        yield report


@app.command()
def evaluate(
    tender_dir: Annotated[str, typer.Argument(metavar="TENDER_DIR", help="Folder with tender.yaml and bids/.")],
    rules: Annotated[
        str | None,
        typer.Option(
            metavar="FILE", help="Rule set to use instead of the one tender.yaml names (recorded as a scenario)."
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            metavar="DIR", help="Where to write the reports (default: reports/<tender-id> beside the folder)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show Prefect's flow and task logs.")] = False,
) -> int:
    """Evaluate a tender folder: run the evaluate-tender flow, print the ranking, write the reports."""
    from scoring.audit.ledger import open_ledger, where_shown
    from scoring.pipeline import prepare

    # Absolute before they go to the flow: a run writes where this command would, whichever its folder.
    tender_dir = str(Path(tender_dir).resolve())
    rules = str(Path(rules).resolve()) if rules else None
    out = str(Path(out).resolve()) if out else None
    prepare(tender_dir, rules)  # fails fast, before the flow machinery starts
    ledger = open_ledger()  # and so does a ledger that cannot be opened
    from flows.settings import quiet_defaults

    quiet_defaults(verbose=verbose)
    from flows.serve import prefect_api
    from scoring.reports.write import REPORTS, default_out_dir, out_dir_of

    with stopped_on_signals(), prefect_api():
        from flows.evaluate import evaluate_tender

        with progress_display(verbose):
            evaluations = evaluate_tender(tender_dir=tender_dir, rules_file=rules, out_dir=out)
    for n, evaluation in enumerate(evaluations):
        print("\n" if n else "", end="")
        print_ranking(evaluation)
        folder = out_dir_of(evaluation, Path(out).resolve()) if out else default_out_dir(evaluation)
        asked = any(b.clarifications or b.clarified for b in evaluation.bids)
        extra = ["letters/", *(["clarifications/"] if asked else []), "ocds.json"]
        extra += ["diff.md"] if evaluation.previous_run_id else []
        print(f"\nReports in {folder}/: {', '.join([*REPORTS, *extra])}")
        if evaluation.run_id and evaluation.kind:
            print(
                f"Ledger run {evaluation.run_id} ({evaluation.kind.value}), record {evaluation.ledger_seq}; "
                f"head {evaluation.ledger_hash} (tenderscore audit verify --head checks it)"
            )
            print(f"Ledger: {where_shown(ledger.url)}")
    return EXIT_OK


@app.command()
def rescore(
    tender_dirs: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TENDER_DIR]...", help="Tender folders (default: every tender the ledger knows)."),
    ] = None,
    rules: Annotated[
        str | None, typer.Option(metavar="FILE", help="A rule set to evaluate under (a scenario unless pinned).")
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show Prefect's flow and task logs.")] = False,
) -> int:
    """Evaluate again the tenders whose rules or inputs changed since their latest run."""
    from scoring.audit.ledger import open_ledger
    from scoring.audit.rescore import check_dirs

    dirs = [str(d) for d in tender_dirs or []]
    check_dirs(dirs)
    open_ledger()
    from flows.settings import quiet_defaults

    quiet_defaults(verbose=verbose)
    from flows.serve import prefect_api

    with stopped_on_signals(), prefect_api():
        from flows.evaluate import rescore_tenders

        with progress_display(verbose):
            outcome = rescore_tenders(tender_dirs=dirs or None, rules_file=rules)
    failed = 0
    for o in outcome:
        for name in o.lost:
            print(f"{o.tender_id}: its run {name} was lost with its worker; submitted again")
        if o.failed:
            failed += 1
            print(f"{o.tender_id}: not re-scored: {o.reason}")
            continue
        if not o.rescored:
            print(f"{o.tender_id}: up to date")
            continue
        for run in o.runs:
            lot = f" lot {run.lot}" if run.lot else ""
            print(f"{o.tender_id}{lot}: re-scored as {run.kind} run {run.run_id} ({o.reason})")
    if not outcome:
        print("no tender in the ledger yet: evaluate one first")
    return EXIT_FAILED if failed else EXIT_OK


@app.command()
def serve(
    port: Annotated[
        int,
        typer.Option(help="Port of the local Prefect server (API and UI) it starts when PREFECT_API_URL is not set."),
    ] = 4200,
    cron: Annotated[
        str | None, typer.Option(help="Schedule of rescore-tenders (default: TENDERSCORE_RESCORE_CRON or '0 6 * * *').")
    ] = None,
    app_port: Annotated[int, typer.Option(help="Port of the committee's workspace (0: no workspace).")] = 8400,
    host: Annotated[str, typer.Option(help="Address the workspace listens on.")] = "127.0.0.1",
    tender: Annotated[list[str] | None, typer.Option(help="A tender folder the workspace shows (repeat it).")] = None,
    proxy_headers: Annotated[bool, typer.Option(help="The workspace is behind a reverse proxy with TLS.")] = False,
    workers: Annotated[
        int, typer.Option(min=0, help="Process workers to run here, one tender at a time each (0: workers elsewhere).")
    ] = 2,
) -> int:
    """Serve tenderscore: Prefect's server (or the one at PREFECT_API_URL), a work pool of type process with its
    workers, the deployments on it (evaluate on demand, re-score on a schedule and on rules change, follow-up),
    and the committee's workspace beside them."""
    from flows.serve import DEFAULT_CRON
    from flows.serve import serve as serve_deployments
    from flows.workspace.server import build, start_in_thread

    if app_port:
        from flows.serve import api_url

        workspace_app, workspace = build(list(tender or []), prefect_api=api_url(port), host=host)
        start_in_thread(workspace_app, host, app_port, proxy_headers)
        print(f"workspace on http://{host}:{app_port} ({len(workspace.tenders)} tenders)", flush=True)
    serve_deployments(port=port, cron=cron or os.environ.get("TENDERSCORE_RESCORE_CRON", DEFAULT_CRON), workers=workers)
    return EXIT_OK


@app.command("workspace")
def workspace_command(
    tender: Annotated[
        list[str] | None, typer.Argument(metavar="TENDER_DIR...", help="Tender folders (besides the ledger's).")
    ] = None,
    app_port: Annotated[int, typer.Option(help="Port of the workspace.")] = 8400,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    proxy_headers: Annotated[
        bool, typer.Option(help="Behind a reverse proxy on this machine: trust its X-Forwarded-Proto (TLS).")
    ] = False,
) -> int:
    """Serve the committee's workspace alone (without the Prefect deployments): sign in, declare, decide,
    answer, sign and send in a browser, every decision recorded with its author."""
    from flows.workspace.server import build, server

    workspace_app, workspace = build(list(tender or []), host=host)
    for folder, problem in workspace.problems.items():
        stderr().print(f"tenderscore: warning: {shown(folder)} is not shown: {shown(problem)}", markup=False)
    print(f"workspace on http://{host}:{app_port} ({len(workspace.tenders)} tenders)", flush=True)
    server(workspace_app, host, app_port, proxy_headers).run()
    return EXIT_OK


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The person's e-mail address (their sign-in).")],
    name: Annotated[str, typer.Option(help="The name the ledger and the committee report show.")],
    role: Annotated[str, typer.Option(help="secretary, member, chair or auditor.")],
    tender: Annotated[
        list[str] | None, typer.Option(help="A tender id the person is on (repeat it; '*' for every tender).")
    ] = None,
) -> int:
    """Create an account; the password from TENDERSCORE_PASSWORD, or asked for (twice)."""
    from scoring.audit.accounts import Accounts, Role
    from scoring.audit.ledger import open_ledger

    if role not in {r.value for r in Role}:
        raise InputError("--role", f"{role!r}: one of secretary, member, chair, auditor")
    password = os.environ.get("TENDERSCORE_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    user = Accounts(open_ledger().engine).add(email, name, role, password, list(tender or []))
    print(f"added {user.email} ({user.name}, {user.role.value}) on {', '.join(user.tenders) or 'no tender yet'}")
    return EXIT_OK


@users_app.command("disable")
def users_disable(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> int:
    """Disable an account: no more sign-in, and its open sessions end now."""
    from scoring.audit.accounts import Accounts
    from scoring.audit.ledger import open_ledger

    Accounts(open_ledger().engine).disable(email)
    print(f"disabled {email.strip().lower()}: its sessions are revoked")
    return EXIT_OK


@users_app.command("list")
def users_list() -> int:
    """Every account: role, tenders, whether disabled, the last sign-in and the failed attempts since."""
    from scoring.audit.accounts import Accounts
    from scoring.audit.ledger import open_ledger

    for user, last, failed in Accounts(open_ledger().engine).list():
        state = "disabled" if user.disabled else "active"
        print(
            f"{user.email}\t{user.name}\t{user.role.value}\t{','.join(user.tenders) or '-'}\t{state}\t"
            f"last sign-in {last or 'never'}\t{failed} failed since"
        )
    return EXIT_OK


@rules_app.command("publish")
def publish(
    rules_file: Annotated[str, typer.Argument(metavar="FILE", help="The rule file to check and announce.")],
    port: Annotated[int, typer.Option(help="Port of the Prefect server when PREFECT_API_URL is not set.")] = 4200,
) -> int:
    """Check a rule file and announce it: served tenders using it are re-scored."""
    from scoring.rules.load import load_rules

    loaded = load_rules(rules_file)  # a rule file that does not hold is never announced
    from flows.serve import publish_rules

    try:
        event_id = publish_rules(loaded.path, loaded.sha256, port=port)
    except ConnectionError as exc:
        stderr().print(f"tenderscore: error: {exc}", markup=False)
        return EXIT_FAILED
    print(f"published {loaded.path} (SHA-256 {loaded.sha256}) as event {event_id}")
    for w in loaded.warnings:
        print(f"warning: {w}")
    return EXIT_OK


def _day(value: str | None, option: str) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(option, f"{value!r} is not a date (YYYY-MM-DD)") from None


@app.command()
def award(
    tender_dir: Annotated[str, typer.Argument(metavar="TENDER_DIR", help="Folder with tender.yaml and bids/.")],
    bid: Annotated[str, typer.Argument(metavar="BID", help="The awarded bid (its file name without extension).")],
    on: Annotated[str | None, typer.Option(metavar="DATE", help="Date of the award decision (default: today).")] = None,
    lot: Annotated[str | None, typer.Option(help="The lot, when lots are ranked separately.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why, when the bid is not ranked first.")] = None,
    by: Annotated[str | None, typer.Option(help="Who decided (recorded in the ledger).")] = None,
    concluded: Annotated[
        str | None, typer.Option(metavar="DATE", help="The day the contract is concluded (default: the award's).")
    ] = None,
    out: Annotated[
        str | None, typer.Option(metavar="DIR", help="Reports folder (default: reports/<tender-id>).")
    ] = None,
) -> int:
    """Record the award in the ledger and start the contract's follow-up: every commitment of the awarded bid
    with its due dates, in follow-up/ of the reports. Only the latest official evaluation is awarded, once its
    letters are sent (tenderscore send) and the standstill is over."""
    from datetime import date

    from scoring.audit.ledger import open_ledger
    from scoring.law import award_notice_due
    from scoring.models import Award
    from scoring.pipeline import award_contract, follow_up

    day = _day(on, "--on") or date.today()
    decided = Award(
        bid=bid, awarded_on=day, lot=lot, reason=reason, by=by, concluded_on=_day(concluded, "--concluded") or day
    )
    ledger = open_ledger()
    record, run_id = award_contract(tender_dir, decided, ledger=ledger, out_dir=out)
    where = f"{record.tender_id}{f' lot {lot}' if lot else ''}"
    print(
        f"{where}: awarded to {shown(record.supplier)} (bid {bid}) on {record.awarded_on}; ledger run {run_id} (award)"
    )
    concluded_on = decided.concluded_on or day
    print(
        f"contract concluded on {concluded_on}: publish the contract award notice by "
        f"{award_notice_due(concluded_on)} (Art. 50(1) of Directive 2014/24/EU: within 30 days)"
    )
    print(f"{len(record.commitments)} commitments to follow up:")
    for c in record.commitments:
        dates = ", ".join(d.isoformat() for d in c.due) or "no date due"
        print(f"  {c.id}: {shown(c.subject)} ({dates})")
    _print_follow_up(follow_up(tender_dir, ledger=ledger, out_dir=out))
    return EXIT_OK


@app.command("notice")
def notice_command(
    tender_dir: Annotated[str, typer.Argument(metavar="TENDER_DIR", help="Folder with tender.yaml and bids/.")],
    lot: Annotated[str | None, typer.Option(help="The lot, when lots are ranked separately (default: all).")] = None,
    on: Annotated[str | None, typer.Option(metavar="DATE", help="The notice's date (default: today).")] = None,
    criteria: Annotated[
        bool, typer.Option("--criteria", help="Write the award criteria of the contract notice instead.")
    ] = False,
    out: Annotated[
        str | None, typer.Option(metavar="DIR", help="Reports folder (default: reports/<tender-id>).")
    ] = None,
) -> int:
    """Write the contract award notice for TED (eForms, subtype 29 for Directive 2014/24/EU) from the latest
    official evaluation and the award record, and check it offline against the XSD and the Schematron of its
    subtype. Exit 0 only for a complete, valid notice (notice-can.xml); otherwise notice-can.draft.xml, with
    the fields tender.yaml lacks and each rule failed. --criteria writes the award criteria section of the
    contract notice (BT-539 to BT-5421), as the evaluation scores them."""
    from scoring.audit.ledger import open_ledger
    from scoring.pipeline import award_criteria_xml, award_notice
    from scoring.reports.eforms import sdk_version

    if criteria:
        from scoring.intake.tender import load_tender
        from scoring.reports.write import reports_folder

        tender = load_tender(tender_dir)
        folder = Path(out) if out else reports_folder(tender.folder, tender.id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "notice-criteria.xml"
        target.write_bytes(award_criteria_xml(tender_dir, lot))
        what = "the award criteria (BT-539, BT-734, BT-540, BT-541, BT-5421) of the contract notice"
        print(f"wrote {shown(target)}: {what}")
        return EXIT_OK
    done = award_notice(tender_dir, ledger=open_ledger(), lot=lot, issued=_day(on, "--on"), out_dir=out)
    notice, validation = done.notice, done.validation
    for f in notice.lots:
        where = f"lot {shown(f.evaluation.lot)}: " if f.evaluation.lot else ""
        winner = f" to {shown(f.winner.supplier)} ({shown(f.winner.bid_id)})" if f.winner else ""
        reason = f" ({f.reason})" if f.reason else ""
        print(f"{where}{f.outcome}{winner}{reason}")
    for name in notice.missing:
        print(f"missing in tender.yaml: {name}")
    checked = f"the XSD and the Schematron of subtype {notice.subtype} (eForms SDK {sdk_version()})"
    if validation.valid:
        print(f"valid against {checked}")
    else:
        print(f"{len(validation.failures)} rule(s) of {checked} failed:")
        for failure in validation.failures:
            print(f"  {shown(str(failure))}")
    print(f"wrote {shown(done.path)}{'' if done.final else ' (a draft: not to be sent to TED as it is)'}")
    return EXIT_OK if done.final else EXIT_FAILED


@app.command("follow-up")
def follow_up_command(
    tender_dirs: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TENDER_DIR]...", help="Tender folders (default: every tender the ledger knows)."),
    ] = None,
    on: Annotated[str | None, typer.Option(metavar="DATE", help="Check as of this day (default: today).")] = None,
    out: Annotated[
        str | None, typer.Option(metavar="DIR", help="Reports folder (default: reports/<tender-id>).")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record a check as of a day to come (otherwise a simulation).")
    ] = False,
    verbose: Annotated[bool, typer.Option(help="Show Prefect's flow and task logs.")] = False,
) -> int:
    """Check every awarded contract against the current register snapshots and the calendar; write the dated
    follow-up report and a request to the supplier for each item due or lapsed. A check --on a day to come is a
    simulation: written to simulated-<day>/ and not recorded, unless --record."""
    from scoring.audit.rescore import check_dirs

    dirs = [str(d) for d in tender_dirs or []]
    check_dirs(dirs)
    _day(on, "--on")
    from flows.settings import quiet_defaults

    quiet_defaults(verbose=verbose)
    from flows.serve import prefect_api

    with stopped_on_signals(), prefect_api():
        from flows.evaluate import follow_up_contracts

        with progress_display(verbose):
            outcome = follow_up_contracts(tender_dirs=dirs or None, on=on, out_dir=out, record=record or None)
    _print_follow_up(outcome)
    return EXIT_FAILED if any(o.failed for o in outcome) else EXIT_OK


def _print_follow_up(outcome: list[Any]) -> None:
    for o in outcome:
        lot = f" lot {o.lot}" if o.lot else ""
        if not o.followed:
            print(f"{o.tender_id}: {'not followed up: ' if o.failed else ''}{o.reason}")
            continue
        lapsed = [k for k, v in o.states.items() if v not in ("ok", "renewed", "ended")]
        recorded = "a simulation, not recorded" if o.simulated else f"ledger run {o.run_id}"
        print(
            f"{o.tender_id}{lot}: follow-up of {o.checked_on}, {len(o.states)} items, "
            f"{len(lapsed)} needing action; {recorded}"
        )
        for change in o.changes:
            print(f"  changed: {shown(change)}")
        for item in lapsed:
            print(f"  {item}: {o.states[item].replace('_', ' ')}")
        if o.written:
            print(f"  written to {os.path.dirname(o.written[0])}/")
    if not outcome:
        print("no tender in the ledger yet: evaluate and award one first")


@registers_app.command("publish")
def registers_publish(
    folder: Annotated[str, typer.Argument(metavar="FOLDER", help="The register snapshots folder (index.yaml).")],
    port: Annotated[int, typer.Option(help="Port of the Prefect server when PREFECT_API_URL is not set.")] = 4200,
) -> int:
    """Check refreshed register snapshots and announce them: served contracts are followed up against them."""
    import hashlib
    from pathlib import Path

    from scoring.claims.registers import INDEX, OfflineRegister

    register = OfflineRegister(folder)  # snapshots that do not load are never announced
    if not (Path(folder) / INDEX).is_file():
        raise InputError(Path(folder) / INDEX, "missing: not a register snapshots folder")
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    from flows.serve import publish_registers

    try:
        event_id = publish_registers(str(Path(folder).resolve()), digest.hexdigest(), port=port)
    except ConnectionError as exc:
        stderr().print(f"tenderscore: error: {exc}", markup=False)
        return EXIT_FAILED
    snapshots = ", ".join(s.describe() for s in register.snapshots.values())
    print(f"published {folder} ({snapshots}; SHA-256 {digest.hexdigest()}) as event {event_id}")
    return EXIT_OK


@audit_app.command("verify")
def audit_verify(
    head: Annotated[
        str | None,
        typer.Option(
            metavar="HASH",
            help="A ledger head a report printed (its record hash): fails when that record is no longer in the ledger.",
        ),
    ] = None,
) -> int:
    """Walk every tender's chain of runs and the caches, and name the first broken record of each chain."""
    from scoring.audit.ledger import KEY_VARIABLE, Ledger, ledger_key, where_shown

    ledger = Ledger(create=False)  # a LedgerError when there is none, or it cannot be read
    problems = ledger.verify(head=head)
    records = ledger.runs_of()
    caches = ledger.check_caches()
    where = where_shown(ledger.url)
    if problems:
        for problem in problems:
            print(f"BROKEN: {problem}")
        stderr().print(f"ledger {where}: {len(problems)} problem(s) in {len(records)} records", markup=False)
        return EXIT_FAILED
    chains = len({(r.tender_id, r.lot) for r in records})
    signed = sum(1 for r in records if r.record_mac)
    checks = ["hash chain"] + (["HMAC of every record"] if ledger_key() else []) + (["the head given"] if head else [])
    print(f"ledger {where}: {len(records)} records in {chains} chain(s), all intact ({', '.join(checks)} checked)")
    print(
        f"caches: {caches.rows} rows, each as its hash says"
        + (f" ({caches.unverifiable} from an older version or another key: never used)" if caches.unverifiable else "")
    )
    if signed and not ledger_key():
        print(f"{signed} records carry an HMAC: set {KEY_VARIABLE} to check them")
    if not head:
        print("the newest records of a chain can be removed unseen without --head HASH (see docs/ledger.md)")
    return EXIT_OK


@app.command("init")
def init_command(
    folder: Annotated[str, typer.Argument(metavar="DIR", help="The new tender folder (absent or empty).")],
    tender_id: Annotated[str, typer.Option("--id", help="The tender's reference.")] = "TENDER-2027-001",
    title: Annotated[str, typer.Option("--title", help="The tender's title.")] = "Notebooks and monitors",
    buyer: Annotated[str, typer.Option("--buyer", help="The contracting authority.")] = "Your organisation",
    language: Annotated[str, typer.Option("--language", help="Letters and reports: en, nl, fr or de.")] = "en",
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code.")] = "EUR",
    locale: Annotated[str, typer.Option("--locale", help="How bidders write numbers (nl-BE...).")] = "",
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone.")] = "Europe/Brussels",
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", help="The buyer's law: EU, BE, NL, FR, DE or IE.")
    ] = "EU",
) -> int:
    """Start a tender folder: a commented tender.yaml, the committee, a rule set with the label catalogue and
    register snapshots, the JSON Schemas an editor checks them with, bids/ and a blank bid workbook to send."""
    from pathlib import Path

    from scoring.starter import BLANK, Starter, write_starter

    starter = Starter(tender_id, title, buyer, currency, language, locale, timezone, jurisdiction.upper())
    written = write_starter(Path(folder), starter)
    print(f"wrote {len(written)} files in {shown(folder)}:")
    for path in written:
        print(f"  {shown(path.relative_to(folder))}")
    print(
        f"next: change tender.yaml and rules/criteria.yaml to your tender's, send {BLANK} to the bidders, put "
        f"their workbooks in bids/, then: tenderscore check {shown(folder)} and tenderscore evaluate {shown(folder)}"
    )
    return EXIT_OK


@app.command("status")
def status_command(
    tender_dir: Annotated[str, typer.Argument(metavar="TENDER_DIR", help="Folder with tender.yaml and bids/.")],
) -> int:
    """What is left before the letters can be sent, in order: reviews to decide, clarifications to send and
    answers awaited, decisions that can change the award, texts missing in the letters' language, the
    committee's signatures; then the standstill. Exit 0 only when the letters may be sent."""
    from scoring.audit.ledger import open_ledger
    from scoring.pipeline import readiness
    from scoring.reports.words import word

    found = readiness(tender_dir, open_ledger())
    ready = True
    for r in found:
        where = f"{shown(r.tender_id)}{f' lot {shown(r.lot)}' if r.lot else ''}"
        print(f"{where} (letters in {r.language}):")
        if r.stale:
            print(f"  - evaluate again: {shown(r.stale)}")
        for n, item in enumerate(r.items, start=1):
            due = f" (due {item.due.isoformat()})" if item.due else ""
            print(f"  {n}. {shown(word(item.what, 'en'))}{due}")
        if r.sent is not None:
            print(f"  letters sent on {r.sent.sent_on.isoformat()} (ledger run {r.sent.run_id})")
        if r.standstill_ends is not None:
            print(
                f"  standstill ends {r.standstill_ends.isoformat()}; the contract may be signed from {r.signing_from}"
            )
        if r.ready:
            print(
                "  ready: the letters may be sent (tenderscore send dates and records them)"
                if r.sent is None
                else "  final"
            )
        ready = ready and r.ready
    return EXIT_OK if ready else EXIT_FAILED


@app.command("send")
def send_command(
    tender_dir: Annotated[str, typer.Argument(metavar="TENDER_DIR", help="Folder with tender.yaml and bids/.")],
    on: Annotated[str | None, typer.Option(metavar="DATE", help="The day they are sent (default: today).")] = None,
    by: Annotated[str | None, typer.Option(help="Who sends them (recorded in the ledger).")] = None,
    out: Annotated[
        str | None, typer.Option(metavar="DIR", help="Reports folder (default: reports/<tender-id>).")
    ] = None,
) -> int:
    """Date and send the award decision notices: the copies sent are written to sent/<date>/ beside the reports
    and each letter's SHA-256 is recorded in the ledger; a sent letter is never overwritten. Refused while
    anything is open (tenderscore status) or for a date in the past."""
    from scoring.audit.ledger import open_ledger
    from scoring.pipeline import send_letters

    for done in send_letters(tender_dir, ledger=open_ledger(), on=_day(on, "--on"), by=by, out_dir=out):
        where = f" lot {shown(done.lot)}" if done.lot else ""
        print(f"sent{where}: {done.letters} letters in {shown(done.folder)} (evaluation run {done.run_id})")
    return EXIT_OK


@app.command("check")
def check_command(
    tender_dir: Annotated[str, typer.Argument(metavar="TENDER_DIR", help="Folder with tender.yaml and bids/.")],
) -> int:
    """Check a tender folder as evaluate would before it scores, and list every problem at once; nothing is
    written or recorded. Exit 0 when evaluate can run, 1 when problems were found, 2 when there is no folder."""
    from scoring.pipeline import check_inputs

    found = check_inputs(tender_dir)
    print(f"checked {shown(found.folder)}: {', '.join(shown(c) for c in found.checked)}")
    for problem in found.problems:
        print(f"problem: {shown(problem)}")
    for note in found.notes:
        print(f"note: {shown(note)}")
    if found.bids:
        readable = sum(1 for _name, code, _message in found.bids if code is None)
        print(f"bids: {len(found.bids)} file(s), {readable} readable as bids")
        for name, code, message in found.bids:
            if code is not None:
                print(f"  {shown(name)}: {code}: {shown(message)}")
    if found.problems:
        count = len(found.problems)
        print(f"{count} problem{'s' * (count != 1)}: evaluate would stop at the first file above")
        return EXIT_FAILED
    print("no problem: evaluate can run (unreadable bids are rejected with their reason, as listed)")
    return EXIT_OK


@app.command("check-rules")
def check_rules(rules_file: Annotated[str, typer.Argument(metavar="FILE", help="The rule file to check.")]) -> int:
    """Load a rule file with every check the evaluation applies and print its criteria."""
    from scoring.rules.load import load_rules

    loaded = load_rules(rules_file)
    rule_set = loaded.rules
    print(f"{loaded.path}: rule set {rule_set.id} version {rule_set.version}, SHA-256 {loaded.sha256}")
    unit = rule_set.method.stake_unit
    for c in rule_set.criteria:
        print(f"  {c.stake(rule_set.method):>5} {unit}  {c.id:<20} {c.function:<18} {c.field}")
    for k in rule_set.knockouts:
        print(f"  knock-out {k.id}: {k.requirement}")
    for library in loaded.libraries:
        documents = sum(1 for e in library.entries if e.role == "document")
        stated = f", {documents} stated in the documents only" if documents else ""
        print(f"  library {library.id} {library.version}: {len(library.entries)} entries used{stated}")
    print(f"  tie-break: {rule_set.method.document()['ranked_on']} → {' → '.join(rule_set.tie_break)}")
    for w in loaded.warnings:
        print(f"warning: {w}")
    return EXIT_OK


@rules_app.command("functions")
def rules_functions() -> int:
    """List the scoring functions a criterion can use, with what each scores and its parameters."""
    from scoring.rules.functions import FUNCTIONS

    for name, kernel in FUNCTIONS.items():
        params = ", ".join(kernel.Params.model_fields) or "none"
        relative = " (relative: depends on the other bids)" if kernel.relative else ""
        print(f"{name}: {kernel.summary}{relative}\n  params: {params}")
    return EXIT_OK


@app.command("schema")
def schema_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="rules (the rule language) or evaluation.")],
    out: Annotated[str | None, typer.Option("--out", help="Write it to this file instead of printing it.")] = None,
) -> int:
    """Print a JSON Schema: of the rule language (for an editor to validate and complete rule files) or of
    evaluation.json (tenderscore/evaluation/1)."""
    from scoring import schemas

    if name not in schemas.SCHEMAS:
        raise InputError(name, f"no such schema; use one of: {', '.join(schemas.SCHEMAS)}")
    text = schemas.text(name)
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise OutputError(out, os_problem(exc)) from None
    print(f"wrote {shown(out)}")
    return EXIT_OK


def print_ranking(evaluation: Any) -> None:  # noqa: C901
    from scoring.award.pending import awaiting_review
    from scoring.award.results import Status
    from scoring.formatting import money
    from scoring.reports.committee import ranking_heading, ranking_shown, robustness_lines

    t = evaluation.tender
    print(f"{shown(t.id)}: {shown(t.title)}" + (f", lot {shown(evaluation.lot)}" if evaluation.lot else ""))
    print(f"rule set {evaluation.rules.id} {evaluation.rules.version} (SHA-256 {evaluation.rules_sha256[:12]}…)\n")
    heading = ranking_heading(evaluation)
    print(f"{'Rank':>4}  {'Bid':<22} {'Supplier':<34} {'Price (' + t.currency + ')':>16} {heading:>{len(heading)}}")
    for b in evaluation.bids:
        if b.status is Status.RANKED:
            print(
                f"{b.rank:>4}  {shown(b.bid_id)[:22]:<22} {shown(b.supplier)[:34]:<34} "
                f"{money(b.total_price):>16} {ranking_shown(evaluation, b):>{len(heading)}}"
            )
    for b in evaluation.bids:
        if b.status is not Status.RANKED:
            reason = shown(b.reasons[0]) if b.reasons else ""
            more = f" (+{len(b.reasons) - 1} more)" if len(b.reasons) > 1 else ""
            print(f"{b.status.value.replace('_', ' '):>8}  {shown(b.bid_id)}: {reason}{more}")
    for w in evaluation.warnings:
        print(f"warning: {shown(w)}")
    for rw in evaluation.rule_warnings:
        print(f"rule set warning: {rw}")
    for b in evaluation.bids:
        for i in b.issues:
            if i.code.startswith(("price.", "panel.", "claim.possible_misrepresentation")):
                print(f"{i.severity.value}: {shown(b.bid_id)}: {i.code}: {shown(i.message)}")
    for line in robustness_lines(evaluation):
        if "no change of winner" not in line:
            print(f"robustness: {line}")
    pending = awaiting_review(evaluation)
    if pending:
        print(f"{len(pending)} claim(s) await review; record decisions in reviews.yaml next to tender.yaml:")
        for a in pending:
            print(f"  {shown(a.bid.bid_id)}: {shown(a.reference or None)} ({a.claim.reason_code})")
    asked = [b for b in evaluation.bids if b.clarifications]
    if asked:
        count = sum(len(b.clarifications) for b in asked)
        print(
            f"{count} clarification request(s) (Art. 56(3)) in clarifications/ of the reports; record the answers "
            "in clarifications.yaml next to tender.yaml:"
        )
        for b in asked:
            print(f"  {shown(b.bid_id)}: " + "; ".join(shown(r.field) for r in b.clarifications))


EXIT_STOPPED = 128 + 15  # as a shell reports a process ended by SIGTERM


@contextmanager
def stopped_on_signals() -> Iterator[None]:
    """While an evaluation runs, SIGTERM and Ctrl-C stop the command at once (see stop_now); the handlers
    before are put back after (the command may run inside another program, a test for one)."""
    import signal

    before = {s: signal.signal(s, stop_now) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def stop_now(signum: int, frame: object) -> None:
    """SIGTERM or Ctrl-C: stop at once, with a clear message. The run is abandoned where it is: reports are
    moved into place only once complete, so the previous ones stay as they were, and the ledger keeps
    only what it committed. Prefect's own server, started for this command, is stopped with it; Prefect
    is not left to report the crash to a server that may be gone already (it would retry for minutes)."""
    import signal

    name = signal.Signals(signum).name
    try:
        stderr().print(
            f"tenderscore: stopped ({name}); the run was not completed and the previous reports are unchanged.",
            markup=False,
        )
        served = sys.modules.get("flows.serve")
        if served is not None:
            served.TemporaryServer.stop_all()
        server = sys.modules.get("prefect.server.api.server")
        for instance in list(getattr(getattr(server, "SubprocessASGIServer", None), "_instances", {}).values()):
            instance.stop()
    finally:
        os._exit(EXIT_STOPPED)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the exit code (also for --help, usage errors and input errors)."""
    try:
        result = typer.main.get_command(app).main(
            args=argv if argv is not None else sys.argv[1:], prog_name="tenderscore", standalone_mode=False
        )
    except InputError as exc:
        for problem in exc.problems:
            stderr().print(f"tenderscore: error: {shown(problem)}", markup=False)
        return EXIT_INPUT
    except (OutputError, LedgerError) as exc:  # a full disk, a folder that cannot be written, a broken ledger
        stderr().print(f"tenderscore: error: {shown(exc)}", markup=False)
        return EXIT_FAILED
    except TyperException as exc:  # usage errors: unknown command or option, missing argument
        exc.show()  # type: ignore[attr-defined]  # every usage error Typer raises can show itself
        return int(getattr(exc, "exit_code", EXIT_INPUT))
    except typer.Abort:  # Ctrl-C at a prompt
        return EXIT_FAILED
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
