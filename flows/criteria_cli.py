"""`tenderscore criteria`: browse a criteria library, lint it, compose a rule set from it, merge two.

Every command reads the library tenderscore ships unless --library names another (an installed library's
id, or a folder). Nothing here imports more than the library and the rule language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from scoring.errors import InputError, OutputError, os_problem

criteria_app = typer.Typer(help="The criteria library: browse, lint, compose rule sets, merge.", no_args_is_help=True)

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2

LibraryOption = Annotated[
    str,
    typer.Option(
        "--library",
        metavar="LIBRARY",
        help="An installed library's id, or a library folder (default: tenderscore's own).",
    ),
]
LanguageOption = Annotated[str, typer.Option("--language", help="en, nl, fr or de.")]


def _library(reference: str):
    from scoring.rules.library import load_library, resolve

    return load_library(resolve(reference, Path.cwd()))


def _language(language: str) -> str:
    from scoring.rules.library import LANGUAGES

    if language not in LANGUAGES:
        raise InputError("--language", f"use one of: {', '.join(LANGUAGES)}")
    return language


def _shown(text: object) -> str:
    from flows.cli import shown

    return shown(text)


@criteria_app.command("list")
def list_entries(
    library: LibraryOption = "tenderscore-ict",
    stage: Annotated[
        str | None, typer.Option(help="selection, technical_specification, award_criterion, contract_clause.")
    ] = None,
    theme: Annotated[
        str | None,
        typer.Option(
            help="labels, life_extension, energy, packaging, end_of_life, transparency, electronics_watch, ..."
        ),
    ] = None,
    level: Annotated[str | None, typer.Option(help="core, comprehensive or spearhead.")] = None,
    device: Annotated[str | None, typer.Option(help="notebook, desktop, monitor, tablet, smartphone, ...")] = None,
    language: LanguageOption = "en",
    every_version: Annotated[bool, typer.Option("--every-version", help="Every version, not only the latest.")] = False,
) -> int:
    """List the library's entries (the latest version of each), by stage, theme and level."""
    from scoring.rules.library import DEVICES, LEVELS, STAGES, THEMES

    language = _language(language)
    for value, allowed, option in ((stage, STAGES, "--stage"), (theme, THEMES, "--theme"), (level, LEVELS, "--level")):
        if value is not None and value not in allowed:
            raise InputError(option, f"no such value {value!r}; use one of: {', '.join(allowed)}")
    if device is not None and device not in DEVICES:
        raise InputError("--device", f"no such device type {device!r}; use one of: {', '.join(DEVICES)}")
    lib = _library(library)
    entries = list(lib.entries.values()) if every_version else lib.latest()
    shown = [
        e
        for e in entries
        if (stage is None or e.stage == stage)
        and (theme is None or e.theme == theme)
        and (level is None or e.level == level)
        and (device is None or device in e.scope.devices)
    ]
    print(f"{lib.manifest.id} {lib.manifest.version}: {lib.manifest.title} ({len(lib.entries)} entries)")
    for e in sorted(shown, key=lambda e: (list(STAGES).index(e.stage), e.theme, e.id, e.version)):
        print(f"  {e.id:<34} {e.version:>2}  {e.stage:<23} {e.level:<13} {e.theme:<18} {_shown(e.title.get(language))}")
    print(f"{len(shown)} shown; tenderscore criteria show <id> for one in full")
    return EXIT_OK


@criteria_app.command("show")
def show_entry(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="The entry's id.")],
    version: Annotated[int | None, typer.Option(help="The version (default: the latest).")] = None,
    library: LibraryOption = "tenderscore-ict",
    language: LanguageOption = "en",
) -> int:
    """Show one entry in full: its text, source, legal basis, response, verification, rule and eForms codes."""
    from scoring.rules.library import EQUIVALENCE, LEVELS, STAGES, THEMES

    language = _language(language)
    lib = _library(library)
    entry = lib.get(entry_id, version)
    if entry is None:
        from scoring.rules.uses import unknown_entry

        raise InputError(entry_id, unknown_entry(lib, entry_id, version))
    s = entry.source
    out = [
        f"{entry.id} version {entry.version} ({lib.manifest.id} {lib.manifest.version}, {lib.files[entry.key].name}, "
        f"SHA-256 {lib.hashes[entry.key][:16]}…)",
        f"  {entry.title.get(language)}",
        f"  {entry.text.get(language)}",
        f"stage:        {STAGES[entry.stage]}",
        f"level:        {LEVELS[entry.level]}",
        f"theme:        {THEMES[entry.theme]}",
        f"scope:        {', '.join(entry.scope.devices)}"
        + (f"; CPV {', '.join(entry.scope.cpv)}" if entry.scope.cpv else ""),
        f"legal basis:  {'; '.join(entry.legal_basis)}",
        f"source:       {s.publisher}, {s.document}, {s.section}" + (f" ({s.level})" if s.level else ""),
        f"              {s.url}"
        + (f", dated {s.date.isoformat()}" if s.date else "")
        + f", consulted {s.consulted.isoformat()}",
        f"              {s.licence}",
    ]
    for also in entry.see_also:
        out.append(f"see also:     {also.publisher}, {also.document}, {also.section} ({also.url})")
    if entry.response.fields:
        out.append(f"response:     {', '.join(entry.response.fields)}")
    if entry.response.document:
        out.append(f"document:     {entry.response.document.get(language)}")
    v = entry.verification
    out.append(f"evidence:     {v.evidence.get(language)}")
    if v.labels:
        out.append(
            f"labels:       {', '.join(v.labels)}" + (f"; registers {', '.join(v.registers)}" if v.registers else "")
        )
    for code in v.equivalence:
        out.append(f"equivalence:  {EQUIVALENCE[code]}")
    out += _rule_lines(entry)
    if entry.notes:
        out.append(f"notes:        {entry.notes.get(language)}")
    print("\n".join(_shown(line) for line in out))
    return EXIT_OK


def _flow(value: object) -> str:
    """A value as a rule file writes it, on one line (YAML's flow style), not as Python shows it."""
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False).strip()


def _rule_lines(entry) -> list[str]:
    """What an entry becomes in a rule set: its criterion or knock-out, labels, follow-up and eForms codes."""
    out: list[str] = []
    if entry.criterion is not None:
        c = entry.criterion
        params = f" {_flow(c['params'])}" if c.get("params") else ""
        assert entry.recommended_weight is not None
        low, high = entry.recommended_weight
        out.append(
            f"criterion:    {c['id']}: {c['function']} on {c['field']}"
            + (f" ({c['aggregate']})" if c.get("aggregate") else "")
            + params
        )
        out.append(f"weight:       {low}-{high} % recommended")
    if entry.requirement is not None:
        r = {k: v for k, v in entry.requirement.items() if k != "id"}
        out.append(f"knock-out:    {entry.requirement['id']}: {_flow(r)}")
    for name, requirement in entry.labels.items():
        out.append(f"label:        {name}: {_flow(requirement)}")
    if entry.follow_up is not None:
        every = f", every {entry.follow_up.every_months} months" if entry.follow_up.every_months else ""
        out.append(f"follow-up:    {entry.follow_up.commitment}{every}")
    e = entry.eforms
    codes = [
        f"BT-539 {e.criterion_type}" if e.criterion_type else "",
        f"BT-805 {e.gpp}" if e.gpp else "",
        f"BT-774 {', '.join(e.green)}" if e.green else "",
        f"BT-775 {', '.join(e.social)}" if e.social else "",
    ]
    if any(codes):
        out.append(f"eForms:       {'; '.join(c for c in codes if c)}")
    return out


@criteria_app.command("lint")
def lint_command(
    library: Annotated[
        str, typer.Argument(metavar="LIBRARY", help="An installed library's id, or a folder.")
    ] = "tenderscore-ict",
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rules", metavar="FILE", help="Also check a rule file against the entries it uses (repeatable)."
        ),
    ] = None,
    catalogue: Annotated[
        str | None, typer.Option(metavar="FILE", help="The label catalogue to check the entries' labels in.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Warnings fail too (CI checks the library tenderscore ships so).")
    ] = False,
) -> int:
    """Check a library's entries (languages, fields, labels, company-level schemes, eForms codes, file names),
    and rule files against the entries they use. Exit 1 on an error (or, with --strict, a warning)."""
    from scoring.rules.compose import lint_library, lint_rule_file

    lib = _library(library)
    cat = None
    if catalogue is not None:
        from scoring.rules.catalogue import load_catalogue

        cat = load_catalogue(catalogue)
    findings = [str(f) for f in lint_library(lib, cat)]
    errors = sum(1 for f in findings if f.startswith("error"))
    for rule_file in rules or []:
        from scoring.rules.load import load_rules

        findings += [str(f) for f in lint_rule_file(lib, load_rules(rule_file), rule_file)]
    for finding in findings:
        print(_shown(finding))
    warnings = len(findings) - errors
    counted = f"{len(lib.entries)} {'entry' if len(lib.entries) == 1 else 'entries'}"
    checked = f", {len(rules)} rule file(s) checked" if rules else ""
    print(f"{lib.manifest.id} {lib.manifest.version}: {counted}{checked}, {errors} error(s), {warnings} warning(s)")
    return EXIT_FAILED if errors or (strict and warnings) else EXIT_OK


def _chosen(entries: list[str]) -> list[tuple[str, int | None]]:
    chosen: list[tuple[str, int | None]] = []
    for text in entries:
        entry_id, _, version = text.partition("@")
        if version and not version.isdigit():
            raise InputError(text, "an entry is named id or id@version, the version a whole number")
        chosen.append((entry_id, int(version) if version else None))
    return chosen


def _weights_given(given: list[str]) -> dict[str, Decimal]:
    weights: dict[str, Decimal] = {}
    for text in given:
        key, _, value = text.partition("=")
        try:
            weights[key] = Decimal(value)
        except InvalidOperation:
            raise InputError(text, "a weight is given as ID=N, N in percent") from None
        if not weights[key].is_finite() or weights[key] <= 0:
            raise InputError(text, "a weight is a number above 0")
    return weights


def _write_new(out: str, text: str) -> None:
    """A rule file written where none is: never overwritten."""
    try:
        with open(out, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise OutputError(out, "exists already: a rule file is never overwritten; choose another --out") from None
    except OSError as exc:
        raise OutputError(out, os_problem(exc)) from None


@criteria_app.command("new")
def new_command(
    entries: Annotated[list[str], typer.Argument(metavar="ENTRY...", help="Entry ids, each optionally id@version.")],
    out: Annotated[str, typer.Option("--out", metavar="FILE", help="The rule file to write (never overwritten).")],
    rule_set_id: Annotated[str, typer.Option("--id", help="The rule set's id.")] = "new-rule-set",
    title: Annotated[str, typer.Option(help="The rule set's title.")] = "Rule set composed from the criteria library",
    weight: Annotated[
        list[str] | None, typer.Option(metavar="ID=N", help="A criterion's weight in % (repeatable).")
    ] = None,
    catalogue: Annotated[
        str | None, typer.Option(metavar="FILE", help="The label catalogue, when none is beside the rule file.")
    ] = None,
    library: LibraryOption = "tenderscore-ict",
) -> int:
    """Compose a rule set from chosen entries: criteria, knock-outs and the entries stated in the documents,
    weighted as given or by the entries' recommended ranges (scaled to 100), each commented with its source."""

    from scoring.rules.compose import ComposeError, compose, library_reference

    lib = _library(library)
    chosen, weights = _chosen(entries), _weights_given(weight or [])
    target = Path(out)
    reference = catalogue
    if catalogue is not None:
        if not Path(catalogue).is_file():
            raise InputError(catalogue, "no label catalogue here")
        from scoring.rules.compose import path_from

        reference = path_from(target, Path(catalogue))
    try:
        text = compose(
            lib,
            chosen,
            rule_set_id=rule_set_id,
            title=title,
            weights=weights,
            library_reference=library_reference(lib, target),
            catalogue=reference,
        )
    except ComposeError as exc:
        raise InputError("criteria new", str(exc)) from None
    needs_labels = any(e.labels for i, v in chosen if (e := lib.get(i, v)) is not None)
    if needs_labels and catalogue is None and not (target.resolve().parent / "labels.yaml").is_file():
        raise InputError(
            out,
            "the chosen entries ask for labels, and no label catalogue (labels.yaml) is beside this file: give one "
            "with --catalogue (tenderscore init writes one)",
        )
    _write_new(out, text)
    print(
        f"wrote {_shown(out)}: {len(chosen)} entries of {lib.manifest.id} {lib.manifest.version}; check it with "
        f"tenderscore check-rules {_shown(out)}"
    )
    from scoring.rules.load import load_rules

    for w in load_rules(target).warnings:  # what check-rules will say: a weight outside its entry's range
        if w.code.startswith("library."):
            print(f"warning: {w.code}: {w.rule}: {_shown(w.message)}")
    return EXIT_OK


@criteria_app.command("expand")
def expand_command(
    rules_file: Annotated[str, typer.Argument(metavar="FILE", help="A rule file built on a library.")],
    out: Annotated[str | None, typer.Option("--out", metavar="FILE", help="Write it here (never overwritten).")] = None,
) -> int:
    """Print a rule file with its library entries written out in full: the same rule set, readable without the
    library (to publish with the tender documents, or to change by hand)."""
    import sys

    import yaml

    from scoring.rules.load import load_rules
    from scoring.rules.uses import written_out

    loaded = load_rules(rules_file)  # every check first: an expanded file is a rule set that holds
    if not loaded.libraries:
        raise InputError(rules_file, "uses no criteria library: there is nothing to write out")
    data = written_out(rules_file)
    if out is not None:
        _named_from(data, loaded.rules, Path(rules_file), Path(out))
    from scoring.rules.compose import named

    used = "; ".join(named(u.id, u.version, u.sha256) for u in loaded.libraries)
    header = f"# {Path(rules_file).name} with the entries of {used} written out by tenderscore criteria expand.\n"
    stated = [e for u in loaded.libraries for e in u.entries if e.role == "document"]
    if stated:
        header += "# Stated in the tender documents, not checked on the bids (so not below):\n" + "".join(
            f"#   {e.id} version {e.version} ({e.stage.replace('_', ' ')})\n" for e in stated
        )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    _write_new(out, text)
    print(f"wrote {_shown(out)}")
    return EXIT_OK


def _named_from(data: dict, rules, rules_file: Path, out: Path) -> None:
    """The catalogue and registers, given or by default beside the rule file, named from where `out` is."""
    from scoring.rules.compose import path_from

    if out.resolve().parent == rules_file.resolve().parent:
        return
    for key in ("catalogue", "registers"):
        there = rules_file.resolve().parent / str(getattr(rules, key))
        if key in data or there.exists():  # a default beside the rule file named, since it is not beside `out`
            data[key] = path_from(out, there)


@criteria_app.command("merge")
def merge_command(
    first: Annotated[str, typer.Argument(metavar="LIBRARY", help="One library (an installed id or a folder).")],
    second: Annotated[str, typer.Argument(metavar="OTHER", help="The other library.")],
    out: Annotated[
        str, typer.Option("--out", metavar="DIR", help="The folder to write the merged library to (new or empty).")
    ],
    library_id: Annotated[str, typer.Option("--id", help="The merged library's id.")] = "merged",
    version: Annotated[str, typer.Option(help="The merged library's version.")] = "1",
) -> int:
    """Merge two buyers' libraries: every entry of both, the same id at different versions side by side; the
    same id and version with different content is a conflict, named, and nothing is written."""
    from scoring.rules.compose import merge_libraries, write_merged
    from scoring.rules.library import Manifest

    a, b = _library(first), _library(second)
    try:
        Manifest(id=library_id, version=version, title="-", publisher="-", licence="-")
    except ValueError:
        raise InputError("--id", "a library id is lower-case letters, digits, dots and dashes") from None
    merged = merge_libraries(a, b)
    for conflict in merged.conflicts:
        print(f"conflict: {_shown(conflict)}")
    if merged.conflicts:
        print(f"{len(merged.conflicts)} conflict(s): nothing written")
        return EXIT_FAILED
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(out, "exists and is not an empty folder: a library is merged into a new one")
    try:
        count = write_merged(merged, a, b, target, library_id=library_id, version=version)
    except OSError as exc:
        raise OutputError(out, os_problem(exc)) from None
    for entry_id in merged.side_by_side:
        print(f"side by side: {entry_id} at versions {', '.join(str(v) for i, v in merged.entries if i == entry_id)}")
    print(
        f"wrote {_shown(out)}: {count} entries from {a.manifest.id} {a.manifest.version} "
        f"and {b.manifest.id} {b.manifest.version}"
    )
    return EXIT_OK
