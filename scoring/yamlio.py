"""The one way every YAML input is read: strict, bounded, and with errors that name the file, line and key.

tender.yaml, committee.yaml, reviews.yaml, clarifications.yaml, follow-up.yaml, an opening record in YAML,
rule files, the label catalogue and the register index all come through `load_yaml`. It refuses, as an
InputError and never a traceback or a crash:
- a key given twice in one mapping (YAML would keep the last silently), naming both lines;
- nesting deeper than MAX_DEPTH (libyaml's composer recurses in C: 100,000 levels end the process), and
  aliases that expand to more than MAX_NODES nodes (a "billion laughs");
- a file over MAX_BYTES, one that is not UTF-8, or several documents in one file.
An impossible date (2026-02-30) and `.nan` or `.inf` stay the text they were written as, so the model that
reads the key says what is wrong with it, at that key. `Document.validate` turns every problem pydantic
finds into one named problem each (not the first only): the key as people read it (criteria by their id,
other entries counted from 1), the line it is on, the value found, and "did you mean" for a misspelt key.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scoring.errors import InputError, Problem

# libyaml's parser when PyYAML was built with it (its wheels are): the same safe loading, ten times faster,
# which counts when a re-score loads the rule set, catalogue and snapshots of hundreds of tenders.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64  # mappings and lists inside each other
MAX_NODES = 1_000_000  # values once every alias is expanded

T = TypeVar("T", bound=BaseModel)
Loc = tuple[str | int, ...]


class _Loader(SafeLoader):  # type: ignore[misc, valid-type]  # PyYAML's loaders are untyped
    """The safe loader, keeping what it cannot construct as the text it was written as."""


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:  # 2026-02-30: the model reading the key says it is no date
        return node.value


def _float(loader: Any, node: yaml.ScalarNode) -> Any:
    value = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    return value if value == value and value not in (float("inf"), float("-inf")) else node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)


@dataclass
class Document:
    """A YAML file's data, with the line of every key and entry in it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the key (or of the nearest key above it that the file has)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return None

    def shown(self, loc: Loc) -> str:
        return shown_key(self.data, loc)

    def problem(self, problem: str, loc: Loc | str | None = None) -> Problem:
        if isinstance(loc, str):
            loc = _split(loc)
        if not loc:
            return Problem(str(self.path), problem)
        key = ".".join(str(p) for p in loc)
        return Problem(str(self.path), problem, key, self.shown(loc), self.line_of(loc))

    def error(self, problem: str, loc: Loc | str | None = None, cls: type[InputError] = InputError) -> InputError:
        return cls.of([self.problem(problem, loc)])

    def refine(self, error: InputError) -> InputError:
        """An error raised with raw keys into this file, with its lines and keys as people read them."""
        problems = [
            self.problem(p.problem, p.key) if p.path == str(self.path) and p.line is None else p for p in error.problems
        ]
        return type(error).of(problems)

    def validate(
        self,
        model: type[T],
        cls: type[InputError] = InputError,
        *,
        data: Any = None,
        at: Loc = (),
        untag: Callable[[tuple], tuple] = lambda loc: loc,
    ) -> T:
        """The data (or `data`, found at `at` in this file) as `model`, or every problem in it at once."""
        try:
            return model.model_validate(self.data if data is None else data)
        except ValidationError as exc:
            raise cls.of(self.problems(exc, model, at=at, untag=untag)) from None

    def problems(
        self, exc: ValidationError, model: type[BaseModel], *, at: Loc = (), untag: Callable[[tuple], tuple]
    ) -> list[Problem]:
        out = []
        for e in exc.errors():
            loc = tuple(at) + tuple(untag(tuple(e["loc"])))
            out.append(self.problem(describe(e, model, untag(tuple(e["loc"]))), loc))
        return out


def load_yaml(
    path: Path | str,
    cls: type[InputError] = InputError,
    *,
    top: type | tuple[type, ...] = dict,
    data: bytes | None = None,
) -> Document:
    """A YAML file read strictly (see the module's notes); raises `cls` naming the file and line. `data`: the
    file's bytes, when the caller has read them already (a run reads each input once)."""
    path = Path(path)
    if data is None:
        if not path.is_file():
            raise cls(path, "file not found")
        if path.stat().st_size > MAX_BYTES:
            raise cls(path, f"larger than {MAX_BYTES // (1024 * 1024)} MB: not an input this tool reads")
        data = path.read_bytes()
    elif len(data) > MAX_BYTES:
        raise cls(path, f"larger than {MAX_BYTES // (1024 * 1024)} MB: not an input this tool reads")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise cls(path, "not a UTF-8 text file") from None
    try:
        _bounded(text)
        node = yaml.compose(text, Loader=_Loader)
        lines: dict[Loc, int] = {}
        if node is not None:
            _walk(node, (), lines)
        data = _Loader(text).construct_document(node) if node is not None else None
    except _Refused as refused:
        raise cls(path, refused.problem, line=refused.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise cls(path, f"not valid YAML: {exc.problem or exc.context}", line=mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, RecursionError):
        raise cls(path, "not valid YAML") from None
    if not isinstance(data, top):
        expected = "a mapping of keys to values" if top is dict else "a list of entries"
        raise cls(path, f"expected {expected} at the top level")
    return Document(path, data, lines)


def load_mapping(path: Path | str, cls: type[InputError] = InputError) -> dict[str, Any]:
    """A YAML file whose top level is a mapping, read by `load_yaml`."""
    data: dict[str, Any] = load_yaml(path, cls).data
    return data


def read_input(path: Path, cls: type[InputError], files: Any = None) -> bytes:
    """An input file's bytes (through the run's `Files` when given), or `cls` saying it is not there."""
    if not path.is_file():
        raise cls(path, "file not found")
    return files.read(path) if files is not None else path.read_bytes()


class _Refused(Exception):
    def __init__(self, problem: str, line: int | None):
        self.problem, self.line = problem, line
        super().__init__(problem)


def _bounded(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and aliases expanding past MAX_NODES, from the parser's events
    (libyaml's parser keeps its own stack; its composer, which builds the tree, would recurse)."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [nodes so far, anchor]
    total = 0
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor or "", 1)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([1, event.anchor])
            total += 1
            if len(stack) > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark.line + 1)
            continue
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            count, anchor = stack.pop()
            if anchor:
                sizes[anchor] = count
            if stack:
                stack[-1][0] += count
            continue
        else:
            continue
        total += size
        if stack:
            stack[-1][0] += size
        if total > MAX_NODES:
            raise _Refused(f"its aliases expand to more than {MAX_NODES:,} values", event.start_mark.line + 1)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    """The line of every key and entry; a key given twice in one mapping is refused."""
    if loc not in lines:
        lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                line = key_node.start_mark.line + 1
                identity = (key_node.tag, key_node.value)
                if identity in seen:
                    raise _Refused(
                        f"the key {key_node.value!r} is given twice in one mapping (lines {seen[identity]} and "
                        f"{line}); keep one",
                        line,
                    )
                seen[identity] = line
                lines[loc + (key_node.value,)] = line
                _walk(value_node, loc + (key_node.value,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for n, entry in enumerate(node.value):
            _walk(entry, loc + (n,), lines)


# --- problems in words -----------------------------------------------------------------------------------


def _split(key: str) -> Loc:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def shown_key(data: Any, loc: Loc) -> str:
    """A key's path as people read it: an entry of a list by its `id` when it has one (criteria[warranty]),
    else counted from 1 (decisions[#2])."""
    out = ""
    here = data
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit() and isinstance(here, list)):
            n = int(part)
            entry = here[n] if isinstance(here, list) and n < len(here) else None
            name = entry.get("id") if isinstance(entry, dict) else None
            out += f"[{name}]" if isinstance(name, (str, int)) and not isinstance(name, bool) else f"[#{n + 1}]"
            here = entry
        else:
            out += ("." if out else "") + str(part)
            here = here.get(part) if isinstance(here, dict) else None
    return out


WORDS = {
    "missing": "required key is missing",
    "int_parsing": "not a whole number",
    "int_from_float": "not a whole number",
    "float_parsing": "not a number",
    "decimal_parsing": "not a number",
    "date_parsing": "not a date (YYYY-MM-DD, or day first: 21/10/2026)",
    "date_from_datetime_parsing": "not a date (YYYY-MM-DD, or day first: 21/10/2026)",
    "date_from_datetime_inexact": "a date, not a time of day, is expected here",
    "datetime_parsing": "not a date and time (YYYY-MM-DDTHH:MM, with its zone)",
    "datetime_from_date_parsing": "not a date and time (YYYY-MM-DDTHH:MM, with its zone)",
    "bool_parsing": "not yes or no",
    "string_type": "expected text",
    "list_type": "expected a list of entries",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
}


def describe(error: Any, model: type[BaseModel] | None = None, loc: Loc = ()) -> str:
    """One pydantic error in words, with the value found where it helps and the likely key when misspelt."""
    kind = error["type"]
    if kind == "extra_forbidden":
        known = sorted(fields_at(model, loc[:-1])) if model is not None and loc else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6) if loc else []
        hint = f"; did you mean {close[0]!r}?" if close else (f"; known keys: {', '.join(known)}" if known else "")
        return "unknown key" + hint
    message = WORDS.get(kind)
    ctx = error.get("ctx") or {}
    if message is None:
        if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            sign = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}
            words = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
            bound = sign[kind]
            message = f"must be {words[bound]} {ctx.get(bound)}"
        elif kind == "literal_error":
            message = f"must be {ctx.get('expected', 'one of the allowed values')}"
        elif kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
            message = "must not be empty"
        else:
            message = _sentence(str(error["msg"]))
    if kind != "missing" and "input" in error:
        found = error["input"]
        if isinstance(found, (str, int, float)) and not isinstance(found, bool) or found is None:
            text = repr(found) if not isinstance(found, str) else repr(found[:60] + ("…" if len(found) > 60 else ""))
            message += f" (found {text})"
        elif isinstance(found, (dict, list)) and kind not in ("dict_type", "model_type", "list_type"):
            message += f" (found {'a mapping' if isinstance(found, dict) else 'a list'})"
    return message


def _sentence(message: str) -> str:
    """pydantic's 'Value error, ...' and 'Input should be ...' as the rest of our messages read."""
    message = re.sub(r"^(Value|Assertion) error, ", "", message)
    message = re.sub(r"^Input should be ", "must be ", message)
    return message[:1].lower() + message[1:]


def fields_at(model: type[BaseModel] | None, loc: Loc) -> set[str]:
    """The keys a model accepts at a location of its data (every member's, where a union is)."""
    out: set[str] = set()
    for cls in _models_at(model, loc):
        out |= {f.alias or name for name, f in cls.model_fields.items() if not f.exclude}
    return out


def _models_at(annotation: Any, loc: Loc) -> Iterator[type[BaseModel]]:
    for candidate in _members(annotation):
        if not loc:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                yield candidate
            continue
        head, rest = loc[0], loc[1:]
        origin = typing.get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            f = candidate.model_fields.get(str(head))
            if f is not None:
                yield from _models_at(f.annotation, rest)
        elif origin in (list, tuple, set, frozenset):
            yield from _models_at(typing.get_args(candidate)[0] if typing.get_args(candidate) else Any, rest)
        elif origin is dict:
            args = typing.get_args(candidate)
            yield from _models_at(args[1] if len(args) == 2 else Any, rest)


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [annotation]
