"""Errors about the evaluation's own inputs (tender.yaml, rule files).

Bad *bid* data never raises (it becomes issues); a bad tender or rule file stops
the evaluation, so it raises one of these with the file and the key at fault.
"""

from __future__ import annotations


class InputError(Exception):
    """An input the evaluation cannot run without is missing or wrong."""

    def __init__(self, path: object, problem: str, key: str | None = None):
        self.path = str(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}" + (f", at '{key}'" if key else "")
        super().__init__(f"{where}: {problem}")


class TenderError(InputError):
    pass


class RuleError(InputError):
    pass
