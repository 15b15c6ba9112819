"""The units a rule set may give a criterion's raw value that every report words in each language (the
catalogues translate them; tests/test_i18n.py keeps them translated). Any other unit is the rule set's own:
its criterion gives it per language (`units: {nl: ..., fr: ...}`), or the documents in a language without it
are drafts until it does (award/readiness.py)."""

from __future__ import annotations

from scoring.facts import N_

UNITS = {
    "y": N_("y"),
    "years": N_("years"),
    "months": N_("months"),
    "%": "%",
    "kWh/y": N_("kWh/y"),
    "kWh": "kWh",
    "W": "W",
    "kg": "kg",
    "g": "g",
}
