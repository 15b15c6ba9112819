"""Changes to the YAML files people also edit by hand (reviews.yaml, clarifications.yaml, committee.yaml):
an entry appended to a list, keys set in one entry of a list, a key set in a mapping, written into the
file's own text so that its comments, order and layout stay as they were.

Each change is checked by reading the result back with the strict loader: it must hold exactly the data
the change means. Where the text cannot be changed in place that way (a layout this module does not
place text in), the file is written anew from its data, and the caller is told so (its comments are lost
then, never its data). Writes replace the file atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

from scoring.errors import InputError
from scoring.yamlio import load_yaml

Match = Callable[[dict], bool]


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _block(value: Any, indent: int) -> str:
    pad = " " * indent
    return "".join(pad + line + "\n" for line in _dump(value).splitlines())


def _write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path) -> tuple[str, Any, yaml.Node | None]:
    if not path.is_file():
        return "", {}, None
    data = load_yaml(path, InputError, top=(dict, type(None))).data or {}  # strict: a problem is never edited
    text = path.read_text(encoding="utf-8-sig")
    return text, data, yaml.compose(text, Loader=yaml.SafeLoader)


def _key_node(mapping: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _line_end(text: str, index: int) -> int:
    """The index just after the end of the line holding `index` (or of the text)."""
    at = text.find("\n", index)
    return len(text) if at < 0 else at + 1


def _content_end(text: str, node: yaml.Node) -> int:
    """Where a block node's own text ends: after its last line that is not a comment or blank."""
    end = node.end_mark.index
    start = text.rfind("\n", 0, end) + 1 if end and text[end - 1 : end] != "\n" else end
    if text[start:end].strip() == "" and end > node.start_mark.index:  # the mark sits at the next line's start
        end = start
    lines = text[node.start_mark.index : end].split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return _line_end(text, node.start_mark.index + len("\n".join(lines)) - 1)


def _settle(path: Path, text: str, expected: Any, edited: str | None) -> bool:
    """Write the edited text when it reads back as `expected`, else the data itself; True when in place."""
    if edited is not None:
        try:
            back = yaml.load(edited, Loader=yaml.SafeLoader)  # the safe loader
        except yaml.YAMLError:
            back = None
        if back == expected:
            _write(path, edited)
            return True
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#") and line) if text else ""
    _write(path, header + _dump(expected))
    return False


def append(path: Path, key: str, entry: dict) -> bool:
    """Append `entry` to the top-level list `key` (made when missing). True when written in place."""
    text, data, root = _read(path)
    expected = deepcopy(data) if data else {}
    expected.setdefault(key, [])
    if expected[key] is None:
        expected[key] = []
    if not isinstance(expected[key], list):
        raise InputError(path, f"'{key}' is not a list", key=key)
    expected[key].append(entry)
    found = _key_node(root, key)
    edited: str | None = None
    if found is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        edited = body + f"{key}:\n" + _block([entry], 2)
    elif isinstance(found[1], yaml.SequenceNode) and not found[1].flow_style and found[1].value:
        sequence = found[1]
        indent = sequence.start_mark.column
        at = _content_end(text, sequence)
        edited = text[:at] + _block([entry], indent) + text[at:]
    elif found[1].tag.endswith(":null") or (isinstance(found[1], yaml.SequenceNode) and not found[1].value):
        key_node, value = found  # `decisions:` or `decisions: []`: the list's text replaces the empty value
        colon = text.index(":", key_node.end_mark.index)
        end = max(value.end_mark.index, colon + 1)
        rest = text[end:]
        edited = (
            text[:colon]
            + ":\n"
            + _block([entry], key_node.start_mark.column + 2).rstrip("\n")
            + (rest if rest.startswith("\n") or not rest else "\n" + rest)
        )
        if not edited.endswith("\n"):
            edited += "\n"
    return _settle(path, text, expected, edited)


def update(path: Path, key: str, match: Match, changes: dict) -> bool:
    """Set `changes` in the entries of the top-level list `key` that `match` (exactly one must). True when
    written in place."""
    text, data, root = _read(path)
    entries = (data or {}).get(key)
    if not isinstance(entries, list):
        raise InputError(path, f"no list '{key}'", key=key)
    hits = [n for n, e in enumerate(entries) if isinstance(e, dict) and match(e)]
    if len(hits) != 1:
        raise InputError(path, f"{len(hits)} entries of '{key}' match, not one", key=key)
    expected = deepcopy(data)
    expected[key][hits[0]].update(changes)
    found = _key_node(root, key)
    edited: str | None = None
    if found is not None and isinstance(found[1], yaml.SequenceNode):
        node = found[1].value[hits[0]]
        if isinstance(node, yaml.MappingNode):
            edited = _set_in(text, node, changes)
    return _settle(path, text, expected, edited)


def set_key(path: Path, key: str, changes: dict) -> bool:
    """Set `changes` in the top-level mapping `key` (made when missing). True when written in place."""
    text, data, root = _read(path)
    expected = deepcopy(data) if data else {}
    current = expected.get(key)
    if current is None:
        expected[key] = dict(changes)
    elif isinstance(current, dict):
        current.update(changes)
    else:
        raise InputError(path, f"'{key}' is not a mapping", key=key)
    found = _key_node(root, key)
    edited: str | None = None
    if found is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        edited = body + _dump({key: dict(changes)})
    elif isinstance(found[1], yaml.MappingNode):
        edited = _set_in(text, found[1], changes)
    return _settle(path, text, expected, edited)


def _inline(value: Any) -> str:
    """A value as it is written after `key: ` on one line (a flow scalar or collection)."""
    return (
        yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000)
        .removesuffix("\n...\n")
        .strip()
    )


def _set_in(text: str, node: yaml.MappingNode, changes: dict) -> str | None:
    """The text with `changes` set in the mapping `node`: a present key's scalar value replaced, the others
    added at its end (inside the braces of a flow mapping, as new lines of a block one)."""
    edits: list[tuple[int, int, str]] = []
    added = {}
    for k, v in changes.items():
        hit = _key_node(node, k)
        if hit is None:
            added[k] = v
        elif isinstance(hit[1], yaml.ScalarNode) and hit[1].style not in ("|", ">"):
            edits.append((hit[1].start_mark.index, hit[1].end_mark.index, _inline(v)))
        else:
            return None
    if added and node.flow_style:
        close = text.rfind("}", node.start_mark.index, node.end_mark.index)
        if close < 0:
            return None
        edits.append((close, close, "".join(f", {k}: {_inline(v)}" for k, v in added.items())))
    elif added:
        at = _content_end(text, node)
        edits.append((at, at, _block(added, node.value[0][0].start_mark.column)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text
