"""The committee's workspace over real HTTP (uvicorn on a free port of 127.0.0.1, httpx as the browser):
every route for every role and signed out, a tender one is not on, a conflicted member, CSRF, revoked and
disabled sessions, slowed sign-ins, bidders' text rendered inert, and the sample's journey from the review
to the letters sent, each step in the files the command line reads and in the ledger with its author."""

from __future__ import annotations

import html
import re
import shutil
import socket
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import SAMPLE_RULES, SAMPLE_TENDER, sample_spec

PASSWORD = "correct horse battery staple"
OTHER = "OTHER-2026-001"
PANEL = "PANEL-2026-001"  # the sample on the rule set with a judged criterion (test_panel_scoring...)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PEOPLE = {  # email -> (name, role, tenders)
    "secretary@city.example": ("D. Peeters", "secretary", ["CITY-ICT-2026-014", PANEL]),
    "member@city.example": ("B. De Smet", "member", ["CITY-ICT-2026-014", PANEL]),
    "chair@city.example": ("A. Janssens", "chair", ["CITY-ICT-2026-014", PANEL]),
    "lambert@city.example": ("C. Lambert", "member", ["CITY-ICT-2026-014", PANEL]),
    "auditor@city.example": ("E. Audit", "auditor", ["*"]),
    "outsider@city.example": ("F. Other", "member", [OTHER]),
    "gone@city.example": ("G. Gone", "member", ["CITY-ICT-2026-014"]),
    "forgetful@city.example": ("H. Forgetful", "member", ["CITY-ICT-2026-014"]),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tender(root: Path, name: str, tender_id: str | None = None) -> Path:
    from sample_bids.generate import write_bid

    folder = root / name
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(SAMPLE_RULES)
    if tender_id:
        data["id"] = tender_id
        data.pop("received", None)
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    spec = sample_spec("02-officeline.xlsx")  # a tenderer whose name is markup, and whose e-mail is missing
    spec["supplier"].update(
        {
            "Supplier name": HOSTILE,
            "Registration number": "NL899999999B01",
            "Contact email": "",
            "Tender reference": data["id"],
        }
    )
    write_bid(folder / "bids" / "11-markup.xlsx", **spec)
    if not tender_id:
        with (folder / "opening-record.csv").open("a") as record:
            record.write("11-markup.xlsx,2026-10-14T09:00:00+02:00,Markup Ltd\n")
    return folder


def _retarget(folder: Path, tender_id: str, cheaper: dict[str, float] | None = None) -> Path:
    """The sample's bids as bids for another tender (their Tender reference), so that they compete as in the
    sample; `cheaper`: a bid's unit prices multiplied by a factor."""
    from sample_bids.generate import sample_bids, write_bid

    for name, spec in sample_bids().items():
        if isinstance(spec, dict) and spec["supplier"].get("Tender reference"):
            spec["supplier"]["Tender reference"] = tender_id
            for item in spec["items"] if name.removesuffix(".xlsx") in (cheaper or {}) else []:
                item["Unit price"] = round(item["Unit price"] * (cheaper or {})[name.removesuffix(".xlsx")], 2)
            write_bid(folder / "bids" / name, **spec)
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from flows.workspace.app import create_app
    from flows.workspace.server import start_in_thread
    from flows.workspace.state import Workspace
    from scoring.audit.accounts import Accounts
    from scoring.audit.ledger import Ledger

    root = tmp_path_factory.mktemp("workspace")
    tender, other = _tender(root, "tender"), _tender(root, "other", OTHER)
    ledger = Ledger(f"sqlite:///{root / 'ledger.sqlite'}")
    workspace = Workspace([tender, other], ledger, out_dir=root / "reports")
    accounts = Accounts(ledger.engine)
    for email, (name, role, tenders) in PEOPLE.items():
        accounts.add(email, name, role, PASSWORD, tenders)
    port = _free_port()
    server = start_in_thread(create_app(workspace), "127.0.0.1", port)
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", root, workspace
    server.should_exit = True
    workspace.close()
    ledger.engine.dispose()


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, follow_redirects=False, timeout=120)


def sign_in(base: str, email: str, password: str = PASSWORD) -> httpx.Client:
    client = _client(base)
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post("/signin", data={"csrf": csrf, "email": email, "password": password, "next": "/"})
    assert done.status_code == 303, done.text
    return client


def csrf_of(client: httpx.Client, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def fresh(client: httpx.Client, path: str) -> str:
    """The page once the evaluation is up to date with the latest change (it is computed in the background)."""
    deadline = time.time() + 120
    while True:
        text = client.get(path).text
        if 'id="updating"' not in text or time.time() > deadline:
            return text
        time.sleep(0.3)


def said(client: httpx.Client, answer: httpx.Response) -> str:
    """The message the page an action leads back to shows (once, to this session)."""
    assert answer.status_code == 303, answer.text
    found = re.search(r'id="message">([^<]*)<', client.get(answer.headers["location"]).text)
    return html.unescape(found.group(1)) if found else ""


def post(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf": csrf_of(client), **data})


T = "/t/CITY-ICT-2026-014"
PAGES = [T, f"{T}/bids", f"{T}/bids/01-greenbyte", f"{T}/reviews", f"{T}/clarifications", f"{T}/panel",
         f"{T}/checks", f"{T}/letters", f"{T}/letters/01-greenbyte", f"{T}/trail"]  # fmt: skip
BID_PAGES = PAGES[1:]
ACTIONS = [f"{T}/declare", f"{T}/reviews", f"{T}/clarifications/answer", f"{T}/clarifications/sent",
           f"{T}/panel/score", f"{T}/panel/moderate", f"{T}/checks", f"{T}/checks/price-asked",
           f"{T}/checks/price-examined", f"{T}/sign", f"{T}/evaluate", f"{T}/send"]  # fmt: skip


def test_signed_out_every_page_leads_to_sign_in_and_every_action_is_refused(served):
    base, _, _ = served
    client = _client(base)
    for path in ["/", *PAGES]:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?next="), path
    for path in ["/signout", *ACTIONS]:
        assert client.post(path, data={"csrf": "x"}).status_code == 401, path
    page = client.get("/signin")
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-frame-options"] == "DENY"
    assert client.get("/signin?next=//evil.example/x").text.count('value="/"') == 1  # no open redirect


def test_who_sees_what_and_who_may_do_what(served):
    base, _, _ = served
    auditor = sign_in(base, "auditor@city.example")
    for path in PAGES:
        assert auditor.get(path).status_code == 200, path
    for path in ACTIONS:
        assert post(auditor, path).status_code == 403, path  # reads everything, changes nothing

    outsider = sign_in(base, "outsider@city.example")
    assert f"/t/{OTHER}" in outsider.get("/").text and T not in outsider.get("/").text
    for path in PAGES:
        assert outsider.get(path).status_code == 404, path  # a tender one is not on does not exist
    for path in ACTIONS:
        assert post(outsider, path).status_code == 404, path

    member = sign_in(base, "member@city.example")
    status = member.get(T)
    assert status.status_code == 200 and 'id="declare-button"' in status.text
    for path in BID_PAGES:
        assert member.get(path).status_code == 403, path  # no bid before the declaration
    assert said(member, post(member, f"{T}/declare", conflict="no")) == "Recorded."
    for path in BID_PAGES:
        assert member.get(path).status_code == 200, path
    for path in [f"{T}/reviews", f"{T}/clarifications/sent", f"{T}/panel/moderate", f"{T}/checks",
                 f"{T}/checks/price-asked", f"{T}/checks/price-examined", f"{T}/evaluate", f"{T}/send"]:  # fmt: skip
        assert post(member, path).status_code == 403, path  # the secretary's, or the chair's
    secretary = sign_in(base, "secretary@city.example")
    assert post(secretary, f"{T}/panel/score").status_code == 403  # the secretary does not score

    conflicted = sign_in(base, "lambert@city.example")
    post(conflicted, f"{T}/declare", conflict="yes", note="Former employee of Officeline BV (until 2024).")
    page = conflicted.get(T).text
    assert 'id="stood-aside"' in page and "03-budgetit" not in page and "GreenByte" not in page
    for path in BID_PAGES:
        assert conflicted.get(path).status_code == 403, path
    assert post(conflicted, f"{T}/sign").status_code == 403


def test_a_form_without_its_token_and_a_revoked_or_disabled_session_are_refused(served):
    base, _, workspace = served
    secretary = sign_in(base, "secretary@city.example")
    post(secretary, f"{T}/declare", conflict="no")
    assert secretary.post(f"{T}/evaluate", data={"nothing": ""}).status_code == 403
    assert secretary.post(f"{T}/evaluate", files={"csrf": ("x", b"y")}).status_code == 415  # only its own forms
    assert secretary.post(f"{T}/evaluate", data={"csrf": "forged"}).status_code == 403
    member = sign_in(base, "member@city.example")
    assert secretary.post(f"{T}/clarifications/sent", data={"csrf": csrf_of(member)}).status_code == 403
    too_big = secretary.post(f"{T}/reviews", data={"csrf": csrf_of(secretary), "reason": "x" * 70_000})
    assert too_big.status_code == 413

    cookie = secretary.cookies.get("tenderscore_session")
    assert post(secretary, "/signout").status_code == 303
    replay = _client(base)
    replay.cookies.set("tenderscore_session", cookie)
    assert replay.get(T).status_code == 303  # the signed-out session opens nothing

    gone = sign_in(base, "gone@city.example")
    assert gone.get("/").status_code == 200
    workspace.accounts.disable("gone@city.example")
    assert gone.get("/").status_code == 303
    page = _client(base)
    csrf = csrf_of(page, "/signin")
    again = page.post("/signin", data={"csrf": csrf, "email": "gone@city.example", "password": PASSWORD})
    assert again.status_code == 401


def test_failed_sign_ins_are_slowed_down_and_recorded(served):
    base, _, workspace = served
    client = _client(base)
    for n in range(5):  # from one client (the throttle is per address and client)
        csrf = csrf_of(client, "/signin")
        answer = client.post(
            "/signin", data={"csrf": csrf, "email": "forgetful@city.example", "password": f"wrong {n}"}
        )
        assert answer.status_code == 401 and "not right" in answer.text
    csrf = csrf_of(client, "/signin")
    locked = client.post("/signin", data={"csrf": csrf, "email": "forgetful@city.example", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0  # even the right password
    listed = {u.email: failed for u, _, failed in workspace.accounts.list()}
    assert listed["forgetful@city.example"] == 5  # the refused attempt is not counted: it would never end
    csrf = csrf_of(client, "/signin")
    assert client.post("/signin", data={"email": "x", "password": "y"}).status_code == 403  # no token


def test_bidders_text_is_rendered_inert(served):
    base, _, _ = served
    auditor = sign_in(base, "auditor@city.example")
    page = auditor.get(f"{T}/bids").text
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    detail = auditor.get(f"{T}/bids/11-markup").text
    assert "<script>" not in detail and "&lt;script&gt;alert" in detail
    assert "<script" not in auditor.get(f"{T}/letters/11-markup").text


def test_the_sample_from_its_review_to_the_letters_sent(served):
    """The secretary decides the pending review and records the missing e-mail's answer (a Belgian date),
    the members sign, the secretary evaluates and sends; each step is in the files the command line reads
    and in the ledger with who took it; a second decision on the same claim is told, not recorded."""
    base, root, workspace = served
    folder = root / "tender"
    secretary = sign_in(base, "secretary@city.example")
    post(secretary, f"{T}/declare", conflict="no")
    queue = secretary.get(f"{T}/reviews").text
    assert "BIT-DOSSIER-AM240" in queue
    decision = dict(bid="03-budgetit", claim="BIT-DOSSIER-AM240", decision="reject",
                    reason="The dossier shows no independent test of the monitor's energy use.")  # fmt: skip
    assert said(secretary, post(secretary, f"{T}/reviews", **decision)) == "Recorded."
    again = post(secretary, f"{T}/reviews", **{**decision, "decision": "accept"})
    assert "decided meanwhile: reject, by D. Peeters, secretary" in said(secretary, again)
    markup = dict(bid="11-markup", claim="TD-OL-2026-07", decision="reject", reason="Not its own dossier.")
    assert said(secretary, post(secretary, f"{T}/reviews", **markup)) == "Recorded."
    reviews = (folder / "reviews.yaml").read_text()
    assert reviews.startswith("# Decisions of the evaluation committee")  # the hand-written comments stay
    assert yaml.safe_load(reviews)["decisions"][-1]["by"] == "D. Peeters, secretary"

    requests = fresh(secretary, f"{T}/clarifications")
    assert "11-markup" in requests and "Contact email" in requests
    today = date.today()
    hidden = dict(re.findall(r'<input type="hidden" name="(bid|sheet|row|field)" value="([^"]*)">', requests))
    assert hidden["bid"] == "11-markup" and hidden["field"] == "Contact email"
    form = dict(hidden, value="bids@markup.example", received_on=today.strftime("%d/%m/%Y"))  # as in Belgium
    early = post(secretary, f"{T}/clarifications/answer", **form)
    assert "mark the requests sent first" in said(secretary, early)
    assert said(secretary, post(secretary, f"{T}/clarifications/sent")) == "Recorded."
    forged = post(secretary, f"{T}/clarifications/answer", **{**form, "bid": "01-greenbyte", "field": "Supplier name"})
    assert "no clarification of 'Supplier name' is open for bid '01-greenbyte'" in said(secretary, forged)
    assert said(secretary, post(secretary, f"{T}/clarifications/answer", **form)) == "Recorded."
    [recorded] = yaml.safe_load((folder / "clarifications.yaml").read_text())["answers"]
    assert recorded["received_on"] == today and recorded["by"] == "D. Peeters"
    assert yaml.safe_load((folder / "tender.yaml").read_text())["clarifications"]["sent_on"] == today

    for email in ("member@city.example", "chair@city.example"):
        person = sign_in(base, email)
        if "declare-button" in person.get(T).text:
            post(person, f"{T}/declare", conflict="no")
        assert said(person, post(person, f"{T}/sign")) == "Recorded."
    members = {m["name"]: m for m in yaml.safe_load((folder / "committee.yaml").read_text())["members"]}
    assert members["B. De Smet"]["signed_on"] == date.today() and "signed_on" not in members["C. Lambert"]

    assert said(secretary, post(secretary, f"{T}/evaluate")) == "Recorded."
    status = fresh(secretary, T)
    assert 'id="ready"' in status, status
    assert 'id="send"' in secretary.get(f"{T}/letters").text
    assert said(secretary, post(secretary, f"{T}/send")) == "Recorded."
    sent = root / "reports" / "CITY-ICT-2026-014" / "sent" / date.today().isoformat()
    letter = (sent / "01-greenbyte.md").read_text()
    assert not letter.startswith("**DRAFT") and "DRAFT" not in letter
    assert 'id="sent"' in fresh(secretary, f"{T}/letters")

    trail = secretary.get(f"{T}/trail").text
    for who, what in [("D. Peeters (secretary)", "review"), ("D. Peeters (secretary)", "answer"),
                      ("B. De Smet (member)", "signature"), ("A. Janssens (chair)", "signature")]:  # fmt: skip
        assert re.search(rf"{re.escape(who)}</td>\s*<td>{what}", trail), (who, what)
    assert "D. Peeters" in trail and ">sent<" in trail
    assert workspace.ledger.verify() == []


def test_two_people_deciding_one_claim_at_once_one_is_told(served):
    from flows.workspace.state import Conflict

    _, root, workspace = served
    folder = _tender(root, "race", "RACE-2026-001")
    workspace.add(folder)
    tender = workspace.tenders["RACE-2026-001"]
    session = workspace.accounts.sign_in("auditor@city.example", PASSWORD)[1]  # the function, not the route
    results: list[str] = []

    def decide(decision: str) -> None:
        try:
            workspace.decide_review(tender, session, "03-budgetit", "BIT-DOSSIER-AM240", decision, "Because.")
            results.append("recorded")
        except Conflict as told:
            results.append(str(told))

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("accept", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r == "recorded" for r in results) == [False, True]
    assert "decided meanwhile" in next(r for r in results if r != "recorded")
    assert len(yaml.safe_load((folder / "reviews.yaml").read_text())["decisions"]) == 2  # the sample's and one


def test_panel_scoring_each_evaluator_alone_then_the_chairs_moderation(served):
    """A member scores the judged criterion as their score sheet's evaluator (committee.yaml's evaluator:),
    alone until every bid is scored, in the tender's way of writing numbers; a score stands once given; the
    chair moderates with a reason and the evaluators' scores stay beside it; each step is in the score sheets
    the command line reads and in the ledger with who took it."""
    from openpyxl import load_workbook

    from scoring import yamledit

    base, root, workspace = served
    folder = _retarget(_tender(root, "panel", PANEL), PANEL)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(SAMPLE_RULES.parent / "computers-2026-panel.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    (folder / "panel" / "eval-b.xlsx").unlink()  # B. De Smet's scores are given in the workspace
    (folder / "panel" / "moderation.xlsx").unlink()
    yamledit.update(folder / "committee.yaml", "members", lambda m: m["name"] == "B. De Smet", {"evaluator": "eval-b"})
    workspace.add(folder)
    P = f"/t/{PANEL}"

    member = sign_in(base, "member@city.example")
    assert member.get(f"{P}/panel").status_code == 403  # no bid before the declaration
    post(member, f"{P}/declare", conflict="no")
    page = fresh(member, f"{P}/panel")
    assert 'id="alone"' in page and "You score as <strong>eval-b</strong>" in page
    assert "eval-a 4" not in page and "Consensus" not in page  # the others' scores: not yet
    bids = re.findall(r'id="panel-dd_plan-([^"]+)"', page)
    assert "01-greenbyte" in bids and len(bids) >= 3

    detail = member.get(f"{P}/bids/01-greenbyte").text  # before scoring: the panel's figures are not shown
    assert "Shown once your own scores on it are in" in detail and "panel mean" not in detail
    assert member.get(f"{P}/letters/01-greenbyte").status_code == 403  # the letters show the panel's points
    hostile = '=HYPERLINK("http://evil.example","click")'
    first = dict(bid="01-greenbyte", criterion="dd_plan", score="4,5", comment=hostile)  # as written in Belgium
    assert said(member, post(member, f"{P}/panel/score", **first)) == "Recorded."
    again = said(member, post(member, f"{P}/panel/score", **{**first, "score": "2"}))
    assert "you scored 01-greenbyte on dd_plan already" in again
    assert "outside 0..5" in said(member, post(member, f"{P}/panel/score", **{**first, "bid": bids[1], "score": "9"}))
    bare = said(member, post(member, f"{P}/panel/score", bid=bids[1], criterion="dd_plan", score="3", comment=""))
    assert "requires a comment" in bare
    forged = said(member, post(member, f"{P}/panel/score", **{**first, "bid": "no-such-bid"}))
    assert "not scored by the panel" in forged
    control = said(member, post(member, f"{P}/panel/score", **{**first, "bid": bids[1], "comment": "a\x01b"}))
    assert "control characters" in control
    long = said(member, post(member, f"{P}/panel/score", **{**first, "bid": bids[1], "comment": "x" * 2001}))
    assert "at most 2000 characters" in long
    assert "score: 4.5" not in member.get(f"{P}/trail").text  # scoring alone: not even one's own in the trail
    sheet = load_workbook(folder / "panel" / "eval-b.xlsx")["Scores"]
    assert [c.value for c in sheet[1]] == ["Bid", "Criterion", "Score", "Comment"]
    assert [c.value for c in sheet[2]] == ["01-greenbyte", "dd_plan", 4.5, hostile] and sheet["D2"].data_type == "s"
    assert sheet.max_row == 2  # the refused ones are not written

    for bid in bids[1:]:
        assert said(member, post(member, f"{P}/panel/score", bid=bid, criterion="dd_plan", score="3", comment="Plan."))
    page = fresh(member, f"{P}/panel")
    assert 'id="alone"' not in page and "eval-a 4" in page and "eval-b 4.5" in page  # now the others' too
    assert "score: 4.5" in member.get(f"{P}/trail").text
    assert member.get(f"{P}/letters/01-greenbyte").status_code == 200
    assert "Moderate</button>" not in page  # the chair's

    chair = sign_in(base, "chair@city.example")
    post(chair, f"{P}/declare", conflict="no")
    page = fresh(chair, f"{P}/panel")
    assert "Moderate</button>" in page and "Your score" not in page  # not an evaluator of the rule set
    moderation = dict(
        bid="01-greenbyte", criterion="dd_plan", score="4", reason="Discussed on 21/10: the plan lacks audits."
    )
    assert said(chair, post(chair, f"{P}/panel/moderate", **moderation)) == "Recorded."
    told = said(chair, post(chair, f"{P}/panel/moderate", **{**moderation, "score": "5"}))
    assert "was moderated meanwhile: 4, by A. Janssens" in told
    early = said(chair, post(chair, f"{P}/panel/moderate", **{**moderation, "bid": "09-formula-text"}))
    assert "not every evaluator has scored 09-formula-text on dd_plan yet (eval-c)" in early
    assert "Your role (member) may not do this" in post(member, f"{P}/panel/moderate", **moderation).text

    row = fresh(chair, f"{P}/panel").split('id="panel-dd_plan-01-greenbyte"')[1].split("</tr>")[0]
    assert "eval-a 4" in row and "eval-b 4.5" in row and "4 by A. Janssens: Discussed on 21/10" in row
    assert "computed 4.1667" in row  # the consensus the moderation replaced, kept beside it
    moderated = load_workbook(folder / "panel" / "moderation.xlsx")["Moderation"]
    assert [c.value for c in moderated[2]] == ["01-greenbyte", "dd_plan", 4, moderation["reason"], "A. Janssens"]

    trail = member.get(f"{P}/trail").text
    assert re.search(r"B\. De Smet \(member\)</td>\s*<td>panel_score", trail)
    assert re.search(r"A\. Janssens \(chair\)</td>\s*<td>moderation", trail)
    auditor = sign_in(base, "auditor@city.example")
    assert "eval-b 4.5" in fresh(auditor, f"{P}/panel") and "Record my score" not in auditor.get(f"{P}/panel").text
    assert workspace.ledger.verify() == []
    yamledit.update(folder / "committee.yaml", "members", lambda m: m["name"] == "C. Lambert", {"evaluator": "eval-b"})
    told = member.get(f"{P}/panel")  # two people scoring as one evaluator: said, nothing shown as theirs
    assert told.status_code == 200 and "two members score as evaluator eval-b" in told.text


def test_a_score_sheet_with_formulas_is_not_rewritten(tmp_path):
    """openpyxl would drop the formulas' results: a sheet kept with formulas is refused, not rewritten."""
    from openpyxl import Workbook

    from scoring.errors import InputError
    from scoring.intake.panel_sheets import append_row

    path = tmp_path / "panel" / "eval-x.xlsx"
    path.parent.mkdir()
    book = Workbook()
    book.active.title = "Scores"
    book.active.append(["Bid", "Criterion", "Score", "Comment"])
    book.active.append(["01", "dd_plan", "=2+2", "summed"])
    book.save(path)
    before = path.read_bytes()
    with pytest.raises(InputError, match="holds formulas"):
        append_row(path, {"Bid": "02", "Criterion": "dd_plan", "Score": 3, "Comment": "x"})
    assert path.read_bytes() == before


def test_sign_in_transactions_and_which_addresses_are_vouched_for():
    from flows.workspace.oidc import Provider, Transactions, verified_email

    open_ = Transactions()
    mine, _ = open_.start("203.0.113.7")
    for _ in range(500):  # a flood from one address
        open_.start("198.51.100.1")
    assert open_.get(mine) is not None and len(open_) <= Transactions.PER_CLIENT + 1
    assert open_.get("never-started") is None and len(open_) <= Transactions.PER_CLIENT + 1  # made only by start
    trusted = ("city.example",)
    entra = Provider(issuer="https://login.example", client_id="x", client_secret="y", trusted_domains=trusted)
    assert verified_email({"email": "a@city.example", "email_verified": True}, entra) == "a@city.example"
    assert verified_email({"email": "a@city.example", "email_verified": "true"}, entra) == "a@city.example"
    assert verified_email({"email": "a@city.example"}, entra) == "a@city.example"  # a trusted domain
    assert verified_email({"email": "a@elsewhere.example"}, entra) is None
    assert verified_email({"email": "a@city.example", "email_verified": False}, entra) is None  # said unverified
    assert verified_email({"email": "\u212aim@city.example", "email_verified": True}, entra) is None  # look-alike


def test_the_checks_of_exclusion_and_selection_and_a_price_examined(served):
    """The secretary records the successful tenderer's checks (a pending one completed later, a concluded one
    standing) and the examination of an abnormally low price, asked then not accepted: the bid is excluded
    (Art. 69(3)); each step in committee.yaml, with dates as written in Belgium, and in the ledger."""
    base, root, workspace = served
    folder = _retarget(_tender(root, "checks", "CHECKS-2026-001"), "CHECKS-2026-001", {"03-budgetit": 0.6})
    data = yaml.safe_load((folder / "committee.yaml").read_text())
    data.pop("checks"), data.pop("price_examinations")
    (folder / "committee.yaml").write_text("# The committee, by hand\n" + yaml.safe_dump(data, sort_keys=False))
    workspace.add(folder)
    workspace.accounts.add("checks@city.example", "I. Checks", "secretary", PASSWORD, ["CHECKS-2026-001"])
    C = "/t/CHECKS-2026-001"
    secretary = sign_in(base, "checks@city.example")
    post(secretary, f"{C}/declare", conflict="no")
    assert "the successful tenderer, are not recorded as verified" in fresh(secretary, C)
    page = fresh(secretary, f"{C}/checks")
    assert re.search(r'id="check-01-greenbyte">.*?the successful tenderer', page, re.S)
    today = date.today().strftime("%d/%m/%Y")

    check = dict(bid="01-greenbyte", exclusion="passed", selection="pending", checked_on=today, note="ESPD.")
    assert said(secretary, post(secretary, f"{C}/checks", **check)) == "Recorded."
    failed = said(secretary, post(secretary, f"{C}/checks", **{**check, "selection": "failed", "note": ""}))
    assert "say which ground or criterion failed" in failed
    assert "after today" in said(secretary, post(secretary, f"{C}/checks", **{**check, "checked_on": "31/12/2099"}))
    assert "not a ranked bid" in said(secretary, post(secretary, f"{C}/checks", **{**check, "bid": "05-incomplete"}))
    done = {**check, "selection": "passed", "note": "ESPD; the turnover certified by the accounts."}
    assert said(secretary, post(secretary, f"{C}/checks", **done)) == "Recorded."  # the pending one completed
    told = said(secretary, post(secretary, f"{C}/checks", **{**done, "exclusion": "failed"}))
    assert "recorded meanwhile: exclusion passed, selection passed, by I. Checks" in told
    committee = (folder / "committee.yaml").read_text()
    assert committee.startswith("# The committee, by hand")
    [entry] = yaml.safe_load(committee)["checks"]
    assert entry == {"bid": "01-greenbyte", "exclusion": "passed", "selection": "passed", "by": "I. Checks",
                     "checked_on": date.today(), "note": done["note"]}  # fmt: skip
    assert "not recorded as verified" not in fresh(secretary, C)

    page = fresh(secretary, f"{C}/checks")
    assert 'id="price-03-budgetit"' in page and "not asked" in page
    assert said(secretary, post(secretary, f"{C}/checks/price-asked", bid="03-budgetit", asked_on=today)) == "Recorded."
    again = said(secretary, post(secretary, f"{C}/checks/price-asked", bid="03-budgetit", asked_on=today))
    assert "was asked for on" in again
    nothing = said(secretary, post(secretary, f"{C}/checks/price-asked", bid="01-greenbyte", asked_on=today))
    assert "does not ask for an explanation" in nothing
    examined = dict(bid="03-budgetit", outcome="rejected", decided_on=today, note="No explanation of the labour costs.")
    assert said(secretary, post(secretary, f"{C}/checks/price-examined", **examined)) == "Recorded."
    assert "concluded meanwhile: rejected" in said(secretary, post(secretary, f"{C}/checks/price-examined", **examined))
    [exam] = yaml.safe_load((folder / "committee.yaml").read_text())["price_examinations"]
    assert exam == {"bid": "03-budgetit", "asked_on": date.today(), "outcome": "rejected",
                    "decided_on": date.today(), "note": examined["note"]}  # fmt: skip
    fresh(secretary, C)
    assert "status excluded" in secretary.get(f"{C}/bids/03-budgetit").text  # Art. 69(3)
    trail = secretary.get(f"{C}/trail").text
    for what in ("checks", "price_asked", "price_examined"):
        assert re.search(rf"I\. Checks \(secretary\)</td>\s*<td>{what}", trail), what
    member = sign_in(base, "member@city.example")
    assert post(member, f"{C}/checks", **done).status_code == 404  # not on this tender


@pytest.mark.slow
def _left(page) -> bool:
    """Whether the browser has left the page `page` is the root of: its node is stale. Chromium's driver
    says so with a stale-element error or, when the new document replaces it mid-call, with "Node with given
    id does not belong to the document"; any other error is one."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        page.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


def test_in_a_real_browser_a_secretary_signs_in_declares_and_decides(served):
    """Headless Chromium driven by Selenium (Debian's chromium-driver): the forms as a person uses them."""
    from browser import CHROMIUM
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, root, workspace = served
    assert CHROMIUM and shutil.which("chromedriver"), "make test installs chromium and chromium-driver"
    folder = _tender(root, "browser", "BROWSER-2026-001")
    workspace.add(folder)
    workspace.accounts.add("clerk@city.example", "I. Clerk", "secretary", PASSWORD, ["BROWSER-2026-001"])
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.implicitly_wait(10)  # an element is looked for until the page it is on has loaded

    def submit(button) -> str:
        """Click a form's button and wait for the page it leads to; the message that page shows."""
        page = driver.find_element(By.TAG_NAME, "html")
        button.click()
        WebDriverWait(driver, 60).until(lambda _driver: _left(page))
        found = driver.find_elements(By.ID, "message")
        return found[0].text if found else ""

    try:
        driver.get(f"{base}/t/BROWSER-2026-001/reviews")  # signed out: to the sign-in page, and back after it
        assert "/signin" in driver.current_url
        driver.find_element(By.ID, "email").send_keys("clerk@city.example")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        assert submit(driver.find_element(By.ID, "signin")).startswith("Declare on conflicts")  # no bid before it
        driver.get(f"{base}/t/BROWSER-2026-001")
        driver.find_element(By.ID, "no-conflict").click()
        assert submit(driver.find_element(By.ID, "declare-button")) == "Recorded."
        driver.get(f"{base}/t/BROWSER-2026-001/reviews")
        claim = next(s for s in driver.find_elements(By.CSS_SELECTOR, "section.claim") if "BIT-DOSSIER" in s.text)
        assert claim.find_element(By.CLASS_NAME, "effect").text == "Accepted or rejected, it changes no rank."
        claim.find_element(By.CSS_SELECTOR, "input[value=reject]").click()
        claim.find_element(By.TAG_NAME, "textarea").send_keys("No independent test of the energy use.")
        assert submit(claim.find_element(By.TAG_NAME, "button")) == "Recorded."
        assert "BIT-DOSSIER" not in driver.find_element(By.TAG_NAME, "main").text  # decided: out of the queue
        decided = yaml.safe_load((folder / "reviews.yaml").read_text())["decisions"][-1]
        assert decided["by"] == "I. Clerk, secretary" and decided["decision"] == "reject"

        def click(element_id: str) -> str:
            return submit(driver.find_element(By.ID, element_id))

        def fresh_page(path: str) -> None:
            for _ in range(200):  # the evaluation is brought up to date in the background
                driver.get(f"{base}/t/BROWSER-2026-001{path}")
                if not driver.find_elements(By.ID, "updating"):
                    return
                time.sleep(0.3)

        # The other claim, the clarification (marked sent, answered with a Belgian date), as a person does.
        fresh_page("/reviews")
        other = next(s for s in driver.find_elements(By.CSS_SELECTOR, "section.claim") if "TD-OL" in s.text)
        other.find_element(By.CSS_SELECTOR, "input[value=reject]").click()
        other.find_element(By.TAG_NAME, "textarea").send_keys("Another tenderer's dossier.")
        assert submit(other.find_element(By.TAG_NAME, "button")) == "Recorded."
        fresh_page("/clarifications")
        assert click("mark-sent") == "Recorded."
        request = driver.find_element(By.CSS_SELECTOR, "section.request")
        request.find_element(By.NAME, "value").send_keys("bids@markup.example")
        request.find_element(By.NAME, "received_on").send_keys(date.today().strftime("%d/%m/%Y"))
        assert submit(request.find_element(By.TAG_NAME, "button")) == "Recorded."

        # The members sign, each signed in as themselves.
        for email in ("member@city.example", "chair@city.example"):
            from scoring.audit.accounts import user_tenders

            with workspace.ledger.engine.begin() as db:
                db.execute(user_tenders.insert().values(email=email, tender_id="BROWSER-2026-001"))
            driver.delete_all_cookies()
            driver.get(f"{base}/signin?next=/t/BROWSER-2026-001")
            driver.find_element(By.ID, "email").send_keys(email)
            driver.find_element(By.ID, "password").send_keys(PASSWORD)
            submit(driver.find_element(By.ID, "signin"))
            driver.find_element(By.ID, "no-conflict").click()
            assert click("declare-button") == "Recorded."
            assert click("sign") == "Recorded."

        # The secretary evaluates: no review and no signature is open; the trail names each person. (Sending is
        # the HTTP journey's: this tender copy has no opening record, so its letters lack addressees.)
        driver.delete_all_cookies()
        driver.get(f"{base}/signin?next=/t/BROWSER-2026-001")
        driver.find_element(By.ID, "email").send_keys("clerk@city.example")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        submit(driver.find_element(By.ID, "signin"))
        assert click("evaluate") == "Recorded."
        fresh_page("")
        fresh_page("")
        opened = " ".join(li.text for li in driver.find_elements(By.CSS_SELECTOR, "#open li"))
        assert "awaits the committee's review" not in opened and "has not signed" not in opened
        driver.get(f"{base}/t/BROWSER-2026-001/trail")
        trail = driver.find_element(By.ID, "trail").text
        for who in ("I. Clerk (secretary) review", "I. Clerk (secretary) answer", "B. De Smet (member) signature",
                    "A. Janssens (chair) signature", "I. Clerk (secretary) evaluation"):  # fmt: skip
            assert who in trail, trail
    finally:
        driver.quit()


def test_accounts_from_the_command_line(tmp_path, monkeypatch, capsys):
    from flows.cli import main

    monkeypatch.setenv("TENDERSCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.setenv("TENDERSCORE_PASSWORD", PASSWORD)
    add = ["users", "add", "Secretary@City.example", "--name", "D. Peeters", "--role", "secretary"]
    assert main([*add, "--tender", "CITY-ICT-2026-014"]) == 0
    assert "added secretary@city.example (D. Peeters, secretary) on CITY-ICT-2026-014" in capsys.readouterr().out
    assert main(add) == 2 and "has an account already" in capsys.readouterr().err
    assert main(["users", "add", "x@y.example", "--name", "X", "--role", "king"]) == 2
    assert "one of secretary, member, chair, auditor" in capsys.readouterr().err
    monkeypatch.setenv("TENDERSCORE_PASSWORD", "short")
    assert main(["users", "add", "x@y.example", "--name", "X", "--role", "member"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert main(["users", "add", "not an address", "--name", "X", "--role", "member"]) == 2
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.split("\t")[:5] == ["secretary@city.example", "D. Peeters", "secretary", "CITY-ICT-2026-014", "active"]
    assert main(["users", "disable", "secretary@city.example"]) == 0
    assert "\tdisabled\t" in (capsys.readouterr(), main(["users", "list"]), capsys.readouterr().out)[2]
    assert main(["users", "disable", "nobody@city.example"]) == 2
    from scoring.audit.ledger import open_ledger

    stored = open_ledger().engine.connect().exec_driver_sql("select password_hash from users").scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.slow
def test_tenderscore_workspace_serves_the_tenders_it_is_given(tmp_path):
    """The command as an operator runs it: on 127.0.0.1, the port it is told, the tender folders named."""
    import os
    import subprocess
    import sys

    folder = _tender(tmp_path, "tender")
    port = _free_port()
    env = {**os.environ, "TENDERSCORE_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}"}
    env["TENDERSCORE_PASSWORD"] = PASSWORD
    add = [sys.executable, "-m", "flows.cli", "users", "add", "a@city.example", "--name", "A", "--role", "auditor"]
    subprocess.run([*add, "--tender", "*"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "workspace", str(folder), "--app-port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == f"workspace on http://127.0.0.1:{port} (1 tenders)", line
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").text == "ok":
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        auditor = sign_in(f"http://127.0.0.1:{port}", "a@city.example")
        assert auditor.get(T).status_code == 200 and "GreenByte" in auditor.get(f"{T}/bids").text
        # Killed outright, the workspace leaves no evaluation process behind.
        tasks = Path(f"/proc/{process.pid}/task").iterdir()  # the pool is started from a server thread
        children = [int(c) for task in tasks for c in (task / "children").read_text().split()]
        assert children, "the evaluation process runs beside the server"
        process.kill()
        process.wait(timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
            time.sleep(0.2)
        lingering = [c for c in children if Path(f"/proc/{c}").exists() and "zombie" not in _state(c)]
        assert lingering == [], "an evaluation process outlived the workspace"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


def test_errors_cross_to_the_evaluation_process_and_back_whole():
    """An input error raised where the workspace computes evaluations (another process) comes back with
    every problem: the page names them, never a pickling failure."""
    import pickle

    from scoring.errors import InputError, OutputError, RuleError

    error = RuleError.of([InputError("rules.yaml", "not a number", "criteria.0.weight", line=3).problems[0]] * 2)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is RuleError and back.problems == error.problems
    assert str(pickle.loads(pickle.dumps(OutputError("reports", "disk full")))) == "reports: disk full"


def test_a_tender_whose_inputs_break_says_so_and_the_workspace_goes_on(served):
    base, root, workspace = served
    folder = _tender(root, "broken", "BROKEN-2026-001")
    workspace.add(folder)
    (folder / "reviews.yaml").write_text("decisions:\n  - bid: a\n    bid: b\n")  # a key given twice
    auditor = sign_in(base, "auditor@city.example")
    page = auditor.get("/t/BROKEN-2026-001")
    assert page.status_code == 200
    assert "inputs do not load: reviews.yaml, line 3" in page.text and "Traceback" not in page.text
    assert str(root) not in page.text  # the tender folder's files, never the server's paths
    assert auditor.get(T).status_code == 200  # the other tenders are served as before


def test_what_a_hostile_reading_found_is_refused(served):
    """Each finding of a hostile reading of the workspace, kept as a test."""
    import sqlalchemy as sa

    from scoring.audit.accounts import user_tenders

    base, root, workspace = served
    folder = _tender(root, "hostile", "HOSTILE-2026-001")
    workspace.add(folder)
    H = "/t/HOSTILE-2026-001"
    with workspace.ledger.engine.begin() as db:
        for email in ("lambert@city.example", "secretary@city.example", "member@city.example"):
            db.execute(user_tenders.insert().values(email=email, tender_id="HOSTILE-2026-001"))

    # committee.yaml records C. Lambert's conflict: declaring none is refused, the bids stay hidden, the
    # committee's date of the declaration stays.
    lambert = sign_in(base, "lambert@city.example")
    told = said(lambert, post(lambert, f"{H}/declare", conflict="no"))
    assert "committee.yaml records a conflict of interest for you" in told
    assert lambert.get(f"{H}/bids").status_code == 403
    assert "declared_on: 2026-10-16, conflict: true" in (folder / "committee.yaml").read_text()

    # A declaration is yes or no: anything else is refused, never read as "no conflict".
    member = sign_in(base, "member@city.example")
    assert "say whether you have a conflict" in said(member, post(member, f"{H}/declare", conflict="Yes"))
    assert member.get(f"{H}/bids").status_code == 403

    secretary = sign_in(base, "secretary@city.example")
    assert said(secretary, post(secretary, f"{H}/declare", conflict="no")) == "Recorded."
    fresh(secretary, f"{H}/reviews")
    # A claim that awaits no review, and one without a reference, cannot be decided.
    fake = dict(bid="03-budgetit", claim="FAKE-1", decision="reject", reason="x")
    assert "no claim 'FAKE-1' of bid '03-budgetit' awaits review" in said(
        secretary, post(secretary, f"{H}/reviews", **fake)
    )
    empty = dict(bid="03-budgetit", claim="", decision="reject", reason="x")
    assert "awaits review" in said(secretary, post(secretary, f"{H}/reviews", **empty))
    assert "FAKE-1" not in (folder / "reviews.yaml").read_text()

    # A tender whose inputs break: the action is refused before anything is written, and not recorded.
    before, records = (folder / "reviews.yaml").read_bytes(), len(workspace.ledger.runs_of("HOSTILE-2026-001"))
    tender_yaml = (folder / "tender.yaml").read_text()
    (folder / "tender.yaml").write_text(tender_yaml.replace("currency: EUR", "currency: 12"))
    real = dict(bid="03-budgetit", claim="BIT-DOSSIER-AM240", decision="reject", reason="No test.")
    assert said(secretary, post(secretary, f"{H}/reviews", **real)).startswith("Not recorded")
    assert (folder / "reviews.yaml").read_bytes() == before
    assert len(workspace.ledger.runs_of("HOSTILE-2026-001")) == records
    (folder / "tender.yaml").write_text(tender_yaml)

    # Bodies: a chunked one past the limit, a multipart one, a row that is a digit but not a number.
    def chunks():
        yield b"csrf=" + csrf_of(secretary).encode() + b"&value="
        for _ in range(100):
            yield b"A" * 1024

    assert secretary.post(f"{H}/clarifications/answer", content=chunks(),
                          headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413  # fmt: skip
    answer = post(secretary, f"{H}/clarifications/answer", bid="11-markup", sheet="Supplier", row="²",
                  field="Contact email", value="x", received_on="02/12/2026")  # fmt: skip
    assert answer.status_code == 303 and said(secretary, answer).startswith("Not recorded")

    # The message box shows only what the workspace put there for this session; a foreign Host is refused,
    # and no redirect is built from it.
    page = secretary.get(f"{H}?error=Your+session+expired.+Sign+in+at+https://evil.example&m=forged").text
    assert "evil.example" not in page
    assert secretary.get("/", headers={"host": "evil.example"}).status_code == 400
    slash = secretary.get(f"{H}/", headers={"host": "127.0.0.1"})
    assert slash.status_code == 404 and "location" not in slash.headers
    assert slash.headers["content-security-policy"].startswith("default-src 'none'")  # on errors too
    assert httpx.head(f"{base}/healthz").status_code == 200

    # A conflicted or undeclared person is not shown what a broken input says about the bids.
    (folder / "reviews.yaml").write_text("decisions:\n  - bid: a\n    bid: b\n")
    text = fresh(lambert, H)
    assert "inputs do not load; the secretary is told what" in text and "reviews.yaml" not in text
    (folder / "reviews.yaml").write_bytes(before)
    with workspace.ledger.engine.begin() as db:
        db.execute(sa.delete(user_tenders).where(user_tenders.c.tender_id == "HOSTILE-2026-001"))


def test_one_name_one_account_and_every_tender_for_auditors_only(served):
    from scoring.errors import InputError

    _, _, workspace = served
    with pytest.raises(InputError, match="has that name already"):
        workspace.accounts.add("janssens.jr@city.example", "A. Janssens", "member", PASSWORD, [OTHER])
    with pytest.raises(InputError, match="for an auditor only"):
        workspace.accounts.add("all@city.example", "All Tenders", "secretary", PASSWORD, ["*"])


def test_a_declaration_whose_file_cannot_be_written_is_in_neither(served, monkeypatch):
    """The file write failing (not only the ledger's): the declaration is taken back from the account too."""
    import sqlalchemy as sa

    from scoring import yamledit
    from scoring.audit.accounts import user_tenders

    _, root, workspace = served
    folder = _tender(root, "unwritable", "UNWRITABLE-2026-001")
    workspace.add(folder)
    with workspace.ledger.engine.begin() as db:
        db.execute(user_tenders.insert().values(email="chair@city.example", tender_id="UNWRITABLE-2026-001"))
    session = workspace.accounts.sign_in("chair@city.example", PASSWORD, "10.0.0.9")[1]

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(yamledit, "update", full_disk)
    records = len(workspace.ledger.runs_of("UNWRITABLE-2026-001"))
    with pytest.raises(OSError):
        workspace.declare(workspace.tenders["UNWRITABLE-2026-001"], session, True, "A brother at a tenderer.")
    assert workspace.accounts.declaration("chair@city.example", "UNWRITABLE-2026-001") is None
    assert len(workspace.ledger.runs_of("UNWRITABLE-2026-001")) == records
    with workspace.ledger.engine.begin() as db:
        db.execute(sa.delete(user_tenders).where(user_tenders.c.tender_id == "UNWRITABLE-2026-001"))


@pytest.fixture(scope="module")
def with_provider(served):
    """The same workspace (its accounts, its tenders) served a second time, signing in through an OpenID
    Connect provider that listens on its own port."""
    from oidc_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider

    from flows.workspace.app import create_app
    from flows.workspace.oidc import Provider
    from flows.workspace.server import start_in_thread

    _, _, workspace = served
    provider = IdentityProvider()
    provider_port, port = _free_port(), _free_port()
    provider.base = f"http://127.0.0.1:{provider_port}"
    servers = [start_in_thread(provider.app, "127.0.0.1", provider_port)]
    settings = Provider(issuer=provider.base, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="City Sign-in")
    servers.append(start_in_thread(create_app(workspace, oidc=settings), "127.0.0.1", port))
    deadline = time.time() + 30
    while not all(s.started for s in servers) and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", provider, workspace
    for s in servers:
        s.should_exit = True


def _through_provider(
    base: str, start: str = "/signin/oidc?next=/t/CITY-ICT-2026-014"
) -> tuple[httpx.Client, httpx.Response]:
    """A browser signing in through the provider: to it, back with the code; the workspace's last answer."""
    client = _client(base)
    to_provider = client.get(start)
    assert to_provider.status_code == 302, to_provider.text
    back = httpx.get(to_provider.headers["location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(f"{base}/signin/oidc/callback?")
    return client, client.get(back.headers["location"])


def test_sign_in_through_the_buyers_identity_provider(with_provider):
    """OpenID Connect: the verified e-mail address of an ID token whose signature, issuer, audience and nonce
    check out signs in the account that has it, and only that; the transaction is the browser's and is used
    once; a provider that does not answer is said so."""
    base, provider, workspace = with_provider
    page = _client(base).get("/signin").text
    assert 'id="oidc"' in page and "Sign in with City Sign-in" in page and 'name="password"' in page

    provider.mode, provider.email = "ok", "member@city.example"
    client, answer = _through_provider(base)
    assert answer.status_code == 303 and answer.headers["location"] == "/t/CITY-ICT-2026-014"
    assert "tenderscore_session" in client.cookies and client.get("/").status_code == 200
    assert "B. De Smet" in client.get("/").text
    cookie = answer.headers.get_list("set-cookie")
    assert any("tenderscore_session=" in c and "HttpOnly" in c and "SameSite=lax" in c for c in cookie)

    replay = client.get(answer.request.url)  # the same code and state again
    assert replay.status_code == 401 and "could not be verified" in replay.text
    stranger = _client(base)  # another browser, with the code and state but not the transaction
    to_provider = _client(base).get("/signin/oidc")
    back = httpx.get(to_provider.headers["location"], follow_redirects=False)
    stolen = stranger.get(back.headers["location"])
    assert stolen.status_code == 401 and "tenderscore_session" not in stranger.cookies

    for mode in ("audience", "nonce", "forged"):
        provider.mode = mode
        refused, answer = _through_provider(base)
        assert answer.status_code == 401 and "could not be verified" in answer.text, mode
        assert "tenderscore_session" not in refused.cookies, mode
    provider.mode = "unverified"
    assert "did not give a verified e-mail address" in _through_provider(base)[1].text
    provider.mode, provider.email = "ok", "nobody@city.example"
    assert "no enabled account has this e-mail address" in _through_provider(base)[1].text
    workspace.accounts.add("leaver@city.example", "L. Leaver", "member", PASSWORD, ["CITY-ICT-2026-014"])
    workspace.accounts.disable("leaver@city.example")
    provider.email = "leaver@city.example"
    assert _through_provider(base)[1].status_code == 401
    tampered = _client(base)
    to_provider = tampered.get("/signin/oidc")
    back = httpx.get(to_provider.headers["location"].replace("state=", "state=x"), follow_redirects=False)
    assert tampered.get(back.headers["location"]).status_code == 401
    assert _client(base).get("/signin/oidc?next=//evil.example").status_code == 302  # to the provider, and then:
    provider.email = "member@city.example"
    _, answer = _through_provider(base, "/signin/oidc?next=//evil.example/x")
    assert answer.headers["location"] == "/"  # never an address elsewhere
    listed = {u.email: last for u, last, _ in workspace.accounts.list()}
    assert listed["member@city.example"] is not None


def test_a_provider_that_does_not_answer_and_passwords_turned_off(served):
    from flows.workspace.app import create_app
    from flows.workspace.oidc import Provider
    from flows.workspace.server import start_in_thread

    _, _, workspace = served
    gone = Provider(issuer=f"http://127.0.0.1:{_free_port()}", client_id="x", client_secret="y", passwords=False)
    port = _free_port()
    server = start_in_thread(create_app(workspace, oidc=gone), "127.0.0.1", port)
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        client = _client(f"http://127.0.0.1:{port}")
        page = client.get("/signin")
        assert 'name="password"' not in page.text and 'id="oidc"' in page.text
        down = client.get("/signin/oidc")
        assert down.status_code == 502 and "does not answer" in down.text
        csrf = client.cookies["tenderscore_signin"]  # the sign-in form's token, as a form would send it
        refused = client.post("/signin", data={"csrf": csrf, "email": "member@city.example", "password": PASSWORD})
        assert refused.status_code == 403 and "Passwords are off here" in refused.text
        assert client.get("/signin/oidc/callback?code=x&state=y").status_code == 401
    finally:
        server.should_exit = True
