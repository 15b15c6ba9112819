"""After the award: the contract record of the winning bid's commitments, and its follow-up against refreshed
register snapshots and the calendar, recorded in the ledger and written for the contract manager."""

import csv
import json
import shutil
from datetime import date

import openpyxl
import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, decide, sent

from scoring import pipeline
from scoring.audit.ledger import Ledger
from scoring.contract.followup import Evidence, check
from scoring.errors import InputError
from scoring.models import Award
from scoring.names import safe_name
from scoring.reports.follow_up import Words
from scoring.rules.uses import written_out


def REQ(certificate: str) -> str:
    """The request file of a certificate's commitment (certificate:<id>): its id as a file name."""
    assert safe_name(certificate) == certificate  # a plain certificate id keeps its name
    return f"certificate-{certificate}.md"


def award(tender, ledger, out_dir=None, bid: str = "01-greenbyte", **fields) -> Award:
    """The award of a bid once the tender's letters are sent and its standstill is over (conftest.sent)."""
    day = sent(tender / "tender", ledger, out_dir)
    return Award(bid=bid, awarded_on=day, by="College of Aldermen", **fields)


@pytest.fixture
def tender(tmp_path):
    """The sample tender beside its own copy of the rules and register snapshots, which a test may refresh;
    a lapsed certificate must be remedied within 30 days under this contract."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(SAMPLE_TENDER, tmp_path / "tender")
    rules = written_out(tmp_path / "rules" / "computers-2026.yaml")
    rules["follow_up"] = {"on_lapse_of": {"certificate": {"remedy_within_days": 30}}}
    (tmp_path / "rules" / "computers-2026.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    data = yaml.safe_load((tmp_path / "tender" / "tender.yaml").read_text())
    data["rules"] = str(tmp_path / "rules" / "computers-2026.yaml")
    (tmp_path / "tender" / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    decide(tmp_path / "tender", sent_on=None)  # nothing open: the letters can be sent, the contract awarded
    return tmp_path


def _refresh_tco(root, taken_on, **changes):
    """A new snapshot of the TCO Certified register: certificate id -> the columns that changed."""
    path = root / "rules" / "registers" / "tco-certified.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.update(changes.get(row["certificate_id"], {}))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    index = yaml.safe_load((root / "rules" / "registers" / "index.yaml").read_text())
    for snapshot in index["snapshots"]:
        if snapshot["registry"] == "tco-certified":
            snapshot["taken_on"] = taken_on
    (root / "rules" / "registers" / "index.yaml").write_text(yaml.safe_dump(index))


def test_the_award_records_every_commitment_of_the_winning_bid(tender, database_url):
    ledger = Ledger(database_url)
    record, run_id = pipeline.award_contract(
        tender / "tender", award(tender, ledger, tender / "reports"), ledger=ledger, out_dir=tender / "reports"
    )
    commitments = {c.id: c for c in record.commitments}
    assert set(commitments) == {
        "certificate:TCO-9-EB14-0071",
        "certificate:TCO-9-VG24-0112",
        "factories",
        "ew_dialogue",
        "warranty",
        "spare_parts",
        "security_updates",
        "take_back",
    }
    monitor = commitments["certificate:TCO-9-VG24-0112"]  # expires 2028-06-30, within the contract
    assert monitor.due == [date(2028, 5, 31)] and monitor.registry == "tco-certified"
    assert monitor.criteria == ["TCO Certified or equivalent label (12.00 points)"]
    assert (monitor.on_lapse, monitor.remedy_within_days) == ("remedy", 30)
    assert commitments["certificate:TCO-9-EB14-0071"].due == []  # valid beyond the contract's end
    assert commitments["factories"].due == [date(2028, 1, 1), date(2029, 1, 1), date(2030, 1, 1)]
    assert commitments["warranty"].ends == date(2031, 12, 31)  # 5 years from the contract start, its last day
    assert commitments["take_back"].due == [date(2030, 12, 31)]
    runs = ledger.runs_of("CITY-ICT-2026-014")
    assert [(r.kind, r.trigger) for r in runs] == [("official", "manual"), ("sent", "manual"), ("award", "manual")]
    assert runs[2].run_id == run_id and runs[2].document["evaluation_run_id"] == runs[0].run_id
    assert ledger.latest("CITY-ICT-2026-014").kind == "official"  # re-scoring still sees the evaluation
    assert ledger.verify() == []


def test_an_award_must_name_a_ranked_bid_and_say_why_when_not_the_first(tender, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    with pytest.raises(InputError, match="excluded, not ranked"):
        pipeline.award_contract(tender / "tender", award(tender, ledger, bid="08-lowcost"), ledger=ledger)
    second = Award(bid="04-datacomma", awarded_on=award(tender, ledger).awarded_on)
    with pytest.raises(InputError, match="ranked 2, not first: state the reason"):
        pipeline.award_contract(tender / "tender", second, ledger=ledger)
    reason = "01-greenbyte withdrew its bid after the standstill period"
    record, _ = pipeline.award_contract(tender / "tender", second.model_copy(update={"reason": reason}), ledger=ledger)
    assert (record.bid_id, record.rank, record.reason) == ("04-datacomma", 2, reason)


def test_follow_up_finds_a_withdrawn_and_a_renewed_certificate(tender, database_url):
    """The done-when of the issue: award, refresh a register snapshot in which the winner's certificate is
    withdrawn and another renewed, follow up; both are in the report, the ledger and the requests."""
    ledger = Ledger(database_url)
    out = tender / "reports"
    pipeline.award_contract(tender / "tender", award(tender, ledger, out), ledger=ledger, out_dir=out)
    folder = out / "follow-up"

    # Three weeks before the monitor certificate's renewal evidence is due: a request is drafted.
    [first] = pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2028, 5, 10), out_dir=out)
    assert first.states["certificate:TCO-9-VG24-0112"] == "due_soon"
    assert first.requests == ["certificate:TCO-9-VG24-0112", "factories", "ew_dialogue"]  # those: overdue
    request = (folder / "requests" / "2028-05-10" / REQ("TCO-9-VG24-0112")).read_text()
    assert "due on 2028-05-31" in request and "To: GreenByte Solutions NV <tenders@greenbyte.example>" in request
    assert "TCO Certified or equivalent label (12.00 points)" in request

    _refresh_tco(
        tender,
        "2028-05-11",
        **{"TCO-9-EB14-0071": {"status": "withdrawn"}, "TCO-9-VG24-0112": {"valid_until": "2031-06-30"}},
    )
    [second] = pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2028, 5, 12), out_dir=out)
    assert second.states["certificate:TCO-9-EB14-0071"] == "withdrawn"
    assert second.states["certificate:TCO-9-VG24-0112"] == "renewed"
    assert set(second.changes) == {
        "certificate:TCO-9-EB14-0071: in order → withdrawn",
        "certificate:TCO-9-VG24-0112: due soon → renewed",
    }

    report = (folder / "follow-up-2028-05-12.md").read_text()
    assert "Since the check of 2028-05-10:" in report
    assert "the register lists certificate TCO-9-EB14-0071 as withdrawn" in report
    assert "valid until 2031-06-30, per the tco-certified register snapshot of 2028-05-11" in report
    assert "by 2028-06-10" in report  # lapsed when the snapshot was taken, remedied within 30 days

    withdrawn = (folder / "requests" / "2028-05-12" / REQ("TCO-9-EB14-0071")).read_text()
    assert "lists a certificate your award relied on as withdrawn" in withdrawn
    assert "remedies a lapse within 30 days: by 2028-06-10" in withdrawn
    assert not (folder / "requests" / "2028-05-12" / REQ("TCO-9-VG24-0112")).exists()  # renewed

    runs = ledger.runs_of("CITY-ICT-2026-014")
    assert [r.kind for r in runs] == ["official", "sent", "award", "follow-up", "follow-up"]
    items = {i["id"]: i for i in runs[-1].document["check"]["items"]}
    assert items["certificate:TCO-9-EB14-0071"]["state"] == "withdrawn"
    assert items["certificate:TCO-9-EB14-0071"]["remedy_by"] == "2028-06-10"
    assert items["certificate:TCO-9-VG24-0112"]["valid_until"] == "2031-06-30"
    assert runs[-1].input_hashes["registers/tco-certified.csv"]  # which snapshot it was checked against
    assert ledger.verify() == []
    evaluation = runs[0].document  # the evaluation as awarded is untouched
    assert ledger.latest("CITY-ICT-2026-014").payload == runs[0].payload
    assert evaluation["bids"][0]["total"] == 91.25


def test_the_calendar_parses_and_holds_every_due_date(tender, tmp_path):
    from icalendar import Calendar

    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    record, _ = pipeline.award_contract(
        tender / "tender", award(tender, ledger, tmp_path / "r"), ledger=ledger, out_dir=tmp_path / "r"
    )
    pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2026, 11, 28), out_dir=tmp_path / "r")
    folder = tmp_path / "r" / "follow-up"
    calendar = Calendar.from_ical((folder / "follow-up.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    found = {(str(e.get("summary")), e.decoded("dtstart")) for e in events}
    days = {day for _, day in found}
    for c in record.commitments:
        assert set(c.due) <= days, c.id
        assert c.ends is None or c.ends in days, c.id
    assert ("CITY-ICT-2026-014: Certificate expires: " + record.commitments[1].subject, date(2028, 6, 30)) in found
    assert len({str(e.get("uid")) for e in events}) == len(events)  # stable, unique: a subscription updates

    book = openpyxl.load_workbook(folder / "follow-up.xlsx")
    assert book.sheetnames == ["Commitments", "Due dates", "Changes"]
    rows = list(book["Commitments"].iter_rows(values_only=True))
    assert rows[0][0] == "Item" and {r[0] for r in rows[1:]} == {c.id for c in record.commitments}
    document = json.loads((folder / "follow-up.json").read_text())
    assert document["contract"]["bid_id"] == "01-greenbyte" and document["check"]["checked_on"] == "2026-11-28"

    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2026, 11, 28), out_dir=tmp_path / "r")
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    changed = sorted(n for n in before if before[n] != after[n])
    assert changed == ["follow-up-2026-11-28.md", "follow-up.json", "follow-up.xlsx"]  # now "since the check of"
    assert after["follow-up.ics"] == before["follow-up.ics"]


def test_an_award_in_tender_yaml_starts_the_follow_up(tender, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    day = sent(tender / "tender", ledger)
    data = yaml.safe_load((tender / "tender" / "tender.yaml").read_text())
    data["award"] = {"bid": "01-greenbyte", "awarded_on": day.isoformat()}
    (tender / "tender" / "tender.yaml").write_text(yaml.safe_dump(data))
    [done] = pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2026, 12, 1), out_dir=tmp_path / "r")
    assert done.followed
    assert [r.kind for r in ledger.runs_of()] == ["official", "sent", "award", "follow-up"]
    pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2026, 12, 2), out_dir=tmp_path / "r")
    assert [r.kind for r in ledger.runs_of()][-1] == "follow-up"  # awarded once, not again
    assert [r.kind for r in ledger.runs_of()].count("award") == 1


def test_a_tender_not_awarded_or_broken_is_reported_not_raised(tender, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    assert [o.model_dump(exclude_defaults=True) for o in pipeline.follow_up(tender / "tender", ledger=ledger)] == [
        {"tender_id": "CITY-ICT-2026-014", "followed": False, "reason": "not awarded"}
    ]
    (tender / "tender" / "tender.yaml").write_text("id: [unclosed\n")
    [broken] = pipeline.follow_up(tender / "tender", ledger=ledger)
    assert broken.failed and "not valid YAML" in broken.reason


def test_a_date_past_without_evidence_is_overdue_and_evidence_answers_it(tender, tmp_path):
    from scoring.claims.registers import OfflineRegister

    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    record, _ = pipeline.award_contract(tender / "tender", award(tender, ledger), ledger=ledger)
    register = OfflineRegister(tender / "rules" / "registers")
    day = date(2028, 2, 1)  # the first re-disclosure of the factories was due on 2028-01-01
    items = {i.id: i for i in check(record, register, [], day, 60, 30).items}
    factories = items["factories"]
    assert (factories.state, factories.lapsed_on, factories.remedy_by) == ("overdue", date(2028, 1, 1), None)
    commitment = next(c for c in record.commitments if c.id == "factories")
    assert "notifies the supplier" in Words("en").consequence(factories, commitment)  # the sample's default
    sent = [Evidence(item="factories", received_on=date(2027, 12, 18))]
    items = {i.id: i for i in check(record, register, sent, day, 60, 30).items}
    assert (items["factories"].state, items["factories"].next_due) == ("ok", date(2029, 1, 1))
    late = {i.id: i for i in check(record, register, [], date(2031, 4, 2), 60, 30).items}
    # after 2031-03-31, as a snapshot of 2026 says: a renewal since would not show in it, so it is to verify
    assert late["certificate:TCO-9-EB14-0071"].state == "to_verify"
    assert late["warranty"].state == "ok" and late["take_back"].state == "overdue"
    _refresh_tco(tender, "2031-04-01")  # a fresh snapshot that still shows the old expiry: it has lapsed
    fresh = OfflineRegister(tender / "rules" / "registers")
    late = {i.id: i for i in check(record, fresh, [], date(2031, 4, 2), 60, 30).items}
    assert late["certificate:TCO-9-EB14-0071"].state == "expired"


def test_warranty_and_spare_parts_periods_run_from_each_delivery(tender, tmp_path):
    """Five years of warranty run from the day each item is delivered to the day before its fifth
    anniversary: a contract starting 2027-01-01 covers until 2031-12-31 while nothing is delivered; the
    notebooks delivered 2027-03-15 and the monitors 2027-09-01 are covered until 2032-03-14 and 2032-08-31."""
    (tender / "tender" / "follow-up.yaml").write_text(
        "deliveries:\n"
        "  - {delivered_on: 2027-03-15, items: [NB-14], by: contract manager}\n"
        "  - {delivered_on: 2027-09-01, items: [MON-24]}\n"
    )
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    record, _ = pipeline.award_contract(tender / "tender", award(tender, ledger), ledger=ledger)
    from scoring.claims.registers import OfflineRegister
    from scoring.contract.followup import load_follow_up

    register = OfflineRegister(tender / "rules" / "registers")
    deliveries = load_follow_up(tender / "tender").deliveries
    day = date(2032, 1, 10)
    undelivered = {i.id: i for i in check(record, register, [], day, 60, 30).items}
    assert (undelivered["warranty"].state, undelivered["warranty"].ends) == ("ended", date(2031, 12, 31))
    items = {i.id: i for i in check(record, register, [], day, 60, 30, deliveries=deliveries).items}
    warranty = items["warranty"]
    assert (warranty.state, warranty.ends, warranty.first_ends) == ("ok", date(2032, 8, 31), date(2032, 3, 14))
    assert Words("en").finding(warranty) == (
        "running until 2032-08-31, from the last of 2 deliveries recorded (the first one's ends on 2032-03-14)"
    )
    assert "from each delivery" in Words("en").subject(next(c for c in record.commitments if c.id == "warranty"))
    ended = {i.id: i for i in check(record, register, [], date(2032, 9, 1), 60, 30, deliveries=deliveries).items}
    assert ended["warranty"].state == "ended" and ended["warranty"].ends == date(2032, 8, 31)
    [done] = pipeline.follow_up(tender / "tender", ledger=ledger, today=day, out_dir=tmp_path / "r")
    assert done.states["warranty"] == "ok"  # follow-up.yaml's deliveries, through the command's path
    (tender / "tender" / "follow-up.yaml").write_text("deliveries:\n  - {items: [NB-14]}\n")
    [broken] = pipeline.follow_up(tender / "tender", ledger=ledger, today=day)
    assert broken.failed and "deliveries[#1].delivered_on" in broken.reason


def test_follow_up_evidence_is_read_from_follow_up_yaml(tender, tmp_path):
    (tender / "tender" / "follow-up.yaml").write_text(
        "received:\n  - {item: factories, received_on: 2027-12-18, by: contract manager}\n"
    )
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    pipeline.award_contract(tender / "tender", award(tender, ledger), ledger=ledger)
    [done] = pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2028, 2, 1), out_dir=tmp_path / "r")
    assert done.states["factories"] == "ok" and done.states["ew_dialogue"] == "overdue"
    (tender / "tender" / "follow-up.yaml").write_text("received:\n  - {item: factories}\n")
    [broken] = pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2028, 2, 1))
    assert broken.failed and "line 2, at 'received[#1].received_on'" in broken.reason


def test_the_follow_up_speaks_the_tenders_language(tender, tmp_path):
    data = yaml.safe_load((tender / "tender" / "tender.yaml").read_text())
    data["language"] = "nl"
    (tender / "tender" / "tender.yaml").write_text(yaml.safe_dump(data))
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    pipeline.award_contract(tender / "tender", award(tender, ledger), ledger=ledger)
    _refresh_tco(tender, "2028-05-11", **{"TCO-9-EB14-0071": {"status": "withdrawn"}})
    out = tmp_path / "r"
    pipeline.follow_up(tender / "tender", ledger=ledger, today=date(2028, 5, 12), out_dir=out)
    report = (out / "follow-up" / "follow-up-2028-05-12.md").read_text()
    assert report.startswith("# Opvolging van de opdracht CITY-ICT-2026-014")
    assert "het register vermeldt certificaat TCO-9-EB14-0071 als ingetrokken" in report
    request = (out / "follow-up" / "requests" / "2028-05-12" / REQ("TCO-9-EB14-0071")).read_text()
    assert request.startswith("# Vraag in het kader van de opdracht")
    assert "herstelt de leverancier een tekortkoming binnen 30 dagen: uiterlijk op 2028-06-10" in request
    from icalendar import Calendar

    calendar = Calendar.from_ical((out / "follow-up" / "follow-up.ics").read_bytes())
    assert any(str(e.get("summary")).startswith("CITY-ICT-2026-014: Te leveren:") for e in calendar.walk("VEVENT"))
