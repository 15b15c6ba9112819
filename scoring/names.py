"""Identifiers as file and folder names, and the one check that a write lands where it must.

A tender id, a lot id, a bid id or a commitment id comes from a YAML file or a bid's cell; none of them is
ever used as a path as it stands. `safe_name` is the only way from an identifier to a name on disk: an
identifier that is already a plain name (letters, digits, `.`, `_`, `-`, starting with a letter or digit)
is kept, so the sample's folders keep their names; any other is turned into one and given the first eight
hex digits of its SHA-256, so two identifiers never share a name (`BE/2026/14` -> `BE-2026-14-1f0c...`,
`/../../x` -> `x-...`, `..` -> `id-...`). `inside` is checked on every path a run writes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def safe_name(identifier: object) -> str:
    """The identifier as one file or folder name: itself when plain, else a plain form with its hash."""
    text = str(identifier)
    if PLAIN.fullmatch(text) and not text.endswith(".") and text.split(".")[0].casefold() not in RESERVED:
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text)
    slug = re.sub(r"\.{2,}", ".", slug).strip("-._")[:60].rstrip("-._") or "id"
    if slug.split(".")[0].casefold() in RESERVED:
        slug = f"id-{slug}"
    return f"{slug}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


class OutsideFolder(Exception):
    """A path a run was about to write is outside its output folder: a bug, never to be written."""


def inside(base: Path | str, path: Path | str) -> Path:
    """`path` when it lies inside `base` (both resolved, links followed); raises OutsideFolder otherwise."""
    root = Path(base).resolve()
    target = Path(path).resolve()
    if target != root and root not in target.parents:
        raise OutsideFolder(f"{target} is outside {root}")
    return Path(path)


_NOT_ALNUM = re.compile(r"[^0-9a-z]")


@lru_cache(maxsize=65536)  # the same few model names come back in every bid and register entry
def normalise_model(name: str) -> str:
    """'ThinkPad T14 Gen 5' and 'thinkpad-t14 gen5' name the same model."""
    return _NOT_ALNUM.sub("", name.casefold())
