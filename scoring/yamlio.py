"""Reading YAML inputs with errors that name the file, the key and the problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scoring.errors import InputError

# libyaml's parser when PyYAML was built with it (its wheels are): the same safe loading, ten times faster,
# which counts when a re-score loads the rule set, catalogue and snapshots of hundreds of tenders.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_mapping(path: Path, error: type[InputError]) -> dict[str, Any]:
    if not path.is_file():
        raise error(path, "file not found")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise error(path, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise error(path, "not a UTF-8 text file") from None
    if not isinstance(data, dict):
        raise error(path, "expected a mapping of keys to values at the top level")
    return data


def first_error(
    path: Path, exc: ValidationError, error: type[InputError], untag: Callable[[tuple], tuple] = lambda loc: loc
) -> InputError:
    """The first pydantic error as an InputError naming the key path (`untag` drops union tags from it)."""
    first = exc.errors()[0]
    key = ".".join(str(p) for p in untag(tuple(first["loc"]))) or None
    message = first["msg"]
    if first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "extra_forbidden":
        message = "unknown key (misspelt?)"
    more = len(exc.errors()) - 1
    return error(path, message + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""), key)
