"""The buyer's national law where the documents depend on it: one declared table, each fact with its source.

What a letter, a clarification request, the committee report, `tenderscore status` and `tenderscore award`
need of the law of the buyer's country (tender.yaml `jurisdiction:`): the standstill period by means of
sending and how it is counted, whether a period ending on a Saturday, a Sunday or a public holiday moves to
the next working day, the provisions to cite, the time limit to seek annulment, and the public holidays
(the `holidays` library, by country and region). `EU` is the Directive's minimum, for a buyer whose law is
not in the table.

The facts are as the sources named read on 2026-12-01; each is tested with dated cases
(tests/test_law.py). They are not legal advice: a buyer's legal service confirms them for its procedure,
and a tender may override the period (`letters.standstill_days`) where its law or its documents give more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

Means = Literal["electronic", "other"]


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    standstill: dict[str, int]  # means of sending -> calendar days, counted from the day after sending
    standstill_provision: dict[str, str]  # language -> the provision as a letter cites it
    moves_to_working_day: bool  # a period ending on a Saturday, Sunday or public holiday ends the next working day
    moves_provision: str  # where that rule comes from (or why it does not apply)
    annulment_days: int | None  # the time limit to seek annulment of the decision, when the law sets one
    annulment_provision: dict[str, str] = field(default_factory=dict)
    annulment_from: Literal["notification", "publication", "knowledge"] = "notification"
    holidays: str | None = None  # the holidays library's country code
    sources: tuple[str, ...] = ()


JURISDICTIONS: dict[str, Jurisdiction] = {
    "EU": Jurisdiction(
        code="EU",
        standstill={"electronic": 10, "other": 15},
        standstill_provision={
            "en": "Art. 2a(2) of Directive 89/665/EEC, as amended by Directive 2007/66/EC",
            "nl": "art. 2 bis, lid 2, van Richtlijn 89/665/EEG, gewijzigd bij Richtlijn 2007/66/EG",
            "fr": "art. 2 bis, paragraphe 2, de la directive 89/665/CEE, modifiée par la directive 2007/66/CE",
            "de": "Art. 2a Abs. 2 der Richtlinie 89/665/EWG in der Fassung der Richtlinie 2007/66/EG",
        },
        moves_to_working_day=True,
        moves_provision="Art. 3(4) of Regulation (EEC, Euratom) No 1182/71",
        annulment_days=None,
        sources=(
            "https://eur-lex.europa.eu/eli/dir/2007/66/oj",
            "https://eur-lex.europa.eu/eli/reg/1971/1182/oj",
        ),
    ),
    "BE": Jurisdiction(
        code="BE",
        standstill={"electronic": 15, "other": 15},
        standstill_provision={
            "en": "Art. 11 of the Belgian law of 17 June 2013 on reasons, information and remedies",
            "nl": "art. 11 van de wet van 17 juni 2013 betreffende de motivering, de informatie en de rechtsmiddelen",
            "fr": "art. 11 de la loi du 17 juin 2013 relative à la motivation, à l'information et aux voies de recours",
            "de": "Art. 11 des Gesetzes vom 17. Juni 2013 über die Begründung, die Unterrichtung und die Rechtsmittel",
        },
        moves_to_working_day=True,
        moves_provision="Art. 3(4) of Regulation 1182/71, applied to the periods of the law of 17 June 2013",
        annulment_days=30,
        annulment_provision={
            "en": "Art. 23 of the law of 17 June 2013",
            "nl": "art. 23 van de wet van 17 juni 2013",
            "fr": "art. 23 de la loi du 17 juin 2013",
            "de": "Art. 23 des Gesetzes vom 17. Juni 2013",
        },
        holidays="BE",
        sources=("https://www.ejustice.just.fgov.be/eli/loi/2013/06/17/2013021053/justel",),
    ),
    "NL": Jurisdiction(
        code="NL",
        standstill={"electronic": 20, "other": 20},
        standstill_provision={
            "en": "Art. 2.127 of the Dutch Public Procurement Act 2012 (Aanbestedingswet 2012)",
            "nl": "art. 2.127 van de Aanbestedingswet 2012",
            "fr": "art. 2.127 de la loi néerlandaise sur les marchés publics de 2012 (Aanbestedingswet 2012)",
            "de": "Art. 2.127 des niederländischen Vergabegesetzes 2012 (Aanbestedingswet 2012)",
        },
        moves_to_working_day=True,
        moves_provision="Art. 1 of the Algemene termijnenwet (General Time Limits Act)",
        annulment_days=None,  # review in summary proceedings before the civil court, within the standstill
        holidays="NL",
        sources=("https://wetten.overheid.nl/BWBR0032203/", "https://wetten.overheid.nl/BWBR0002448/"),
    ),
    "FR": Jurisdiction(
        code="FR",
        standstill={"electronic": 11, "other": 16},
        standstill_provision={
            "en": "Art. R2182-1 of the French Public Procurement Code (Code de la commande publique)",
            "nl": "art. R2182-1 van het Franse wetboek overheidsopdrachten (Code de la commande publique)",
            "fr": "article R2182-1 du code de la commande publique",
            "de": "Art. R2182-1 des französischen Gesetzbuchs über öffentliche Aufträge (Code de la commande publique)",
        },
        moves_to_working_day=False,
        moves_provision="R2182-1 sets a minimum time between sending and signing; no extension rule applies",
        annulment_days=None,  # référé précontractuel until signing; then two months from the award notice
        holidays="FR",
        sources=("https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000037730646",),
    ),
    "DE": Jurisdiction(
        code="DE",
        standstill={"electronic": 10, "other": 15},
        standstill_provision={
            "en": "Section 134(2) of the German Act against Restraints of Competition (GWB)",
            "nl": "§ 134, lid 2, van de Duitse wet tegen concurrentiebeperkingen (GWB)",
            "fr": "§ 134, alinéa 2, de la loi allemande contre les restrictions de concurrence (GWB)",
            "de": "§ 134 Abs. 2 GWB",
        },
        moves_to_working_day=True,
        moves_provision="Sections 187, 188 and 193 of the German Civil Code (BGB)",
        annulment_days=None,  # review by the public procurement chamber before the contract is concluded
        holidays="DE",
        sources=("https://www.gesetze-im-internet.de/gwb/__134.html",),
    ),
    "IE": Jurisdiction(
        code="IE",
        standstill={"electronic": 14, "other": 16},
        standstill_provision={
            "en": "Regulation 5 of the European Communities (Public Authorities' Contracts) (Review Procedures) "
            "Regulations 2010 (S.I. No. 130 of 2010)",
            "nl": "regel 5 van de Ierse European Communities (Public Authorities' Contracts) (Review Procedures) "
            "Regulations 2010 (S.I. No. 130 of 2010)",
            "fr": "règle 5 des European Communities (Public Authorities' Contracts) (Review Procedures) "
            "Regulations 2010 irlandais (S.I. No. 130 of 2010)",
            "de": "Regel 5 der irischen European Communities (Public Authorities' Contracts) (Review Procedures) "
            "Regulations 2010 (S.I. No. 130 of 2010)",
        },
        moves_to_working_day=True,
        moves_provision="Art. 3(4) of Regulation 1182/71",
        annulment_days=30,
        annulment_provision={
            "en": "Regulation 7 of S.I. No. 130 of 2010 and Order 84A of the Rules of the Superior Courts",
            "nl": "regel 7 van S.I. No. 130 of 2010 en Order 84A van de Rules of the Superior Courts",
            "fr": "règle 7 du S.I. No. 130 of 2010 et Order 84A des Rules of the Superior Courts",
            "de": "Regel 7 des S.I. No. 130 of 2010 und Order 84A der Rules of the Superior Courts",
        },
        annulment_from="knowledge",
        holidays="IE",
        sources=("https://www.irishstatutebook.ie/eli/2010/si/130/made/en/print",),
    ),
}


def jurisdiction(code: str) -> Jurisdiction:
    return JURISDICTIONS[code.upper()]


@lru_cache(maxsize=64)
def _holidays(country: str, region: str | None, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=region, years=year))


def working_day(day: date, law: Jurisdiction, region: str | None = None) -> bool:
    """Neither a Saturday, a Sunday nor a public holiday of the jurisdiction (and region)."""
    if day.weekday() >= 5:
        return False
    return law.holidays is None or day not in _holidays(law.holidays, region, day.year)


@dataclass(frozen=True)
class Period:
    """A period counted from the day after an event: its last day and, when it moved, the day it would
    have ended on."""

    ends: date
    days: int
    counted_to: date  # the last day before any move
    moved: bool

    @property
    def next_day(self) -> date:
        """The first day after the period: e.g. the earliest day the contract may be signed."""
        return self.ends + timedelta(days=1)


def period(start: date, days: int, law: Jurisdiction, region: str | None = None) -> Period:
    """`days` calendar days from the day after `start`; moved to the next working day where the law says so."""
    end = counted = start + timedelta(days=days)
    if law.moves_to_working_day:
        while not working_day(end, law, region):
            end += timedelta(days=1)
    return Period(end, days, counted, end != counted)


def standstill(sent_on: date, means: Means, law: Jurisdiction, region: str | None = None, days: int | None = None):
    """The standstill after the award decision is sent: when it ends and when the contract may be signed."""
    return period(sent_on, days if days is not None else law.standstill[means], law, region)


def reply_by(sent_on: date, days: int, law: Jurisdiction, region: str | None = None) -> date:
    """The day a reply is due, `days` calendar days after sending, on a working day of the jurisdiction."""
    end = sent_on + timedelta(days=days)
    while not working_day(end, law, region):
        end += timedelta(days=1)
    return end


# Art. 50(1) of Directive 2014/24/EU: the contract award notice within 30 days after the conclusion.
AWARD_NOTICE_DAYS = 30


def award_notice_due(concluded_on: date) -> date:
    return concluded_on + timedelta(days=AWARD_NOTICE_DAYS)
