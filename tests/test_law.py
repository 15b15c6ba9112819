"""The buyer's law (scoring/law.py): standstill periods and deadlines per jurisdiction, with dated cases on
weekends and public holidays (issue 22)."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.law import JURISDICTIONS, award_notice_due, jurisdiction, period, reply_by, standstill, working_day

CASES = [  # (jurisdiction, region, sent on, means, last day of the standstill, moved)
    # the Directive's minimum: 25 Nov 2026 + 10 is Saturday 5 December: the next working day, Monday 7
    ("EU", None, date(2026, 11, 25), "electronic", date(2026, 12, 7), True),
    ("EU", None, date(2026, 11, 25), "other", date(2026, 12, 10), False),
    # Belgium: 15 days whatever the means; 10 Dec + 15 is Christmas (Friday): Monday 28 December
    ("BE", None, date(2026, 11, 25), "electronic", date(2026, 12, 10), False),
    ("BE", None, date(2026, 12, 10), "electronic", date(2026, 12, 28), True),
    ("BE", None, date(2026, 7, 6), "other", date(2026, 7, 22), True),  # 21 July, the national day
    # the Netherlands: 20 calendar days; 7 Apr + 20 is King's Day (Monday 27 April 2026): Tuesday 28
    ("NL", None, date(2026, 11, 25), "electronic", date(2026, 12, 15), False),
    ("NL", None, date(2026, 4, 7), "electronic", date(2026, 4, 28), True),
    # France: 11 days electronically, 16 otherwise, not moved (a minimum time before signing)
    ("FR", None, date(2026, 11, 25), "electronic", date(2026, 12, 6), False),  # a Sunday, as counted
    ("FR", None, date(2026, 11, 25), "other", date(2026, 12, 11), False),
    # Germany: 10 days electronically, 15 otherwise; Corpus Christi is a holiday in Bavaria, not in Berlin
    ("DE", None, date(2026, 11, 25), "electronic", date(2026, 12, 7), True),
    ("DE", None, date(2026, 11, 25), "other", date(2026, 12, 10), False),
    ("DE", "BY", date(2026, 5, 25), "electronic", date(2026, 6, 5), True),
    ("DE", "BE", date(2026, 5, 25), "electronic", date(2026, 6, 4), False),
    # Ireland: 14 days electronically, 16 otherwise; 3 Mar + 14 is Saint Patrick's Day: 18 March
    ("IE", None, date(2026, 11, 25), "electronic", date(2026, 12, 9), False),
    ("IE", None, date(2026, 3, 3), "electronic", date(2026, 3, 18), True),
    ("IE", None, date(2026, 11, 25), "other", date(2026, 12, 11), False),
]


@pytest.mark.parametrize(("code", "region", "sent", "means", "ends", "moved"), CASES)
def test_the_standstill_ends_as_the_buyers_law_counts_it(code, region, sent, means, ends, moved):
    found = standstill(sent, means, jurisdiction(code), region)
    assert (found.ends, found.moved) == (ends, moved)
    assert found.next_day == date.fromordinal(ends.toordinal() + 1)  # the earliest day to sign
    assert found.counted_to.toordinal() - sent.toordinal() == JURISDICTIONS[code].standstill[means]


def test_every_jurisdiction_states_its_facts_with_sources_and_in_every_language():
    assert set(JURISDICTIONS) >= {"EU", "BE", "NL", "FR", "DE", "IE"}
    for law in JURISDICTIONS.values():
        assert set(law.standstill) == {"electronic", "other"}
        assert set(law.standstill_provision) == {"en", "nl", "fr", "de"}
        assert law.sources and all(s.startswith("https://") for s in law.sources)
        assert law.moves_provision
        if law.annulment_days is not None:
            assert set(law.annulment_provision) == {"en", "nl", "fr", "de"}


def test_working_days_and_deadlines():
    be = jurisdiction("be")
    assert not working_day(date(2026, 11, 11), be)  # Armistice Day in Belgium
    assert working_day(date(2026, 11, 11), jurisdiction("NL"))
    assert not working_day(date(2026, 12, 5), jurisdiction("EU"))  # a Saturday everywhere
    # a reply asked within 5 days of Friday 18 December: Wednesday 23, a working day
    assert reply_by(date(2026, 12, 18), 5, be) == date(2026, 12, 23)
    # within 7 days of Friday 18 December: Friday 25, Christmas; then the weekend: Monday 28
    assert reply_by(date(2026, 12, 18), 7, be) == date(2026, 12, 28)
    assert period(date(2026, 12, 18), 7, jurisdiction("FR")).ends == date(2026, 12, 25)  # FR does not move
    assert award_notice_due(date(2026, 12, 15)) == date(2027, 1, 14)  # Art. 50(1): within 30 days
