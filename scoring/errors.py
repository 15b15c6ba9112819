"""Errors about the evaluation's own inputs (tender.yaml, rule files, the decisions beside them).

Bad *bid* data never raises (it becomes issues); a bad tender or rule file stops the evaluation, so it
raises one of these with every problem found in it: the file, the line, the key and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where it is and what is wrong, in words."""

    path: str
    problem: str
    key: str | None = None  # the key's path as the loaders compute it (criteria.3.weight)
    shown: str | None = None  # the same key as people read it (criteria[warranty].weight)
    line: int | None = None  # the line of the file it is on, counted from 1

    def __str__(self) -> str:
        where = self.path + (f", line {self.line}" if self.line else "")
        key = self.shown or self.key
        return where + (f", at '{key}'" if key else "") + f": {self.problem}"


class InputError(Exception):
    """An input the evaluation cannot run without is missing or wrong; `problems` holds each problem found."""

    def __init__(
        self,
        path: object,
        problem: str,
        key: str | None = None,
        *,
        line: int | None = None,
        shown: str | None = None,
        more: Iterable[Problem] = (),
    ):
        self.problems = [Problem(str(path), problem, key, shown, line), *more]
        super().__init__(str(self))

    def __reduce__(self) -> tuple:
        """Pickled with every problem (an error raised in another process, as the workspace's evaluations)."""
        return (_rebuilt, (type(self), self.problems))

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> Self:
        """One error carrying several problems (at least one)."""
        first, *rest = list(problems)
        return cls(first.path, first.problem, first.key, line=first.line, shown=first.shown, more=rest)

    @property
    def path(self) -> str:
        return self.problems[0].path

    @property
    def key(self) -> str | None:
        return self.problems[0].key

    @property
    def problem(self) -> str:
        return self.problems[0].problem

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _rebuilt(cls: type[InputError], problems: list[Problem]) -> InputError:
    return cls.of(problems)


class TenderError(InputError):
    pass


class RuleError(InputError):
    pass


class OutputError(Exception):
    """The reports or the ledger could not be written (a full disk, no permission): said in one line."""

    def __init__(self, where: object, problem: str):
        self.where = str(where)
        self.problem = problem
        super().__init__(f"{self.where}: {problem}")

    def __reduce__(self) -> tuple:
        return (type(self), (self.where, self.problem))


class LedgerError(Exception):
    """The ledger could not be opened, read or written: said in words, never a driver's traceback."""


def os_problem(error: OSError) -> str:
    """An operating system's error in words, without a traceback."""
    import errno

    words = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "no permission to write there",
        errno.EPERM: "no permission to write there",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EEXIST: "a file is in the way",
        errno.EXDEV: "the folder is on another file system than its staging folder",
        errno.ENAMETOOLONG: "a file name is too long for the file system",
    }
    return words.get(error.errno or 0, error.strerror or type(error).__name__)
