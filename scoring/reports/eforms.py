"""eForms notices checked offline against the SDK vendored in scoring/data/eforms (OP-TED/eForms-SDK, CC BY 4.0;
its NOTICE.md says which version and what of it): the UBL XSD (lxml) and the Schematron phase of the notice's
subtype (SaxonC-HE, through saxonche).

The Schematron is turned into XSLT by the ISO Schematron skeleton lxml ships (its include, abstract-pattern and
SVRL steps, run by Saxon), once per SDK and subtype, and cached in the data folder; the SDK's rules are written
for XPath 2 (queryBinding xslt2), which Saxon runs: the generated stylesheet is declared XSLT 2.0, and the tests
of its SVRL output escaped as text. The vendored SDK's own examples, valid or not, check the result (tests).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SDK = Path(__file__).resolve().parent.parent / "data" / "eforms" / "sdk-1.15.1"
SVRL = "http://purl.oclc.org/dsdl/svrl"
SCH = "http://purl.oclc.org/dsdl/schematron"


@dataclass(frozen=True)
class Failure:
    rule: str  # the SDK's rule id (BR-BT-00701-0036), or "XSD" for the schema
    field: str | None  # the field it is about (BT-701-notice), as fields.json names it
    name: str | None  # that field's name (Notice Identifier)
    location: str  # where in the notice
    test: str  # what the rule requires, as the SDK writes it

    def __str__(self) -> str:
        about = f" {self.field} ({self.name})" if self.field else ""
        return f"{self.rule}{about} at {self.location}: {self.test}"


@dataclass
class Validation:
    subtype: str
    failures: list[Failure] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.failures


@lru_cache(maxsize=1)
def _fields() -> dict:
    data: dict = json.loads((SDK / "fields" / "fields.json").read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def field_names() -> dict[str, str]:
    """Field id -> its name, from the SDK's fields.json."""
    return {f["id"]: f.get("name", "") for f in _fields()["fields"]}


def sdk_version() -> str:
    return str(_fields()["sdkVersion"]).removeprefix("eforms-sdk-")


def check_xsd(xml: bytes) -> list[Failure]:
    from lxml import etree

    schema = _schema()
    document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    if schema.validate(document):
        return []
    return [Failure("XSD", None, None, f"line {e.line}", e.message) for e in schema.error_log]


@lru_cache(maxsize=1)
def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SDK / "schemas" / "maindoc" / "UBL-ContractAwardNotice-2.3.xsd")))


def _phase_schema(subtype: str) -> bytes:
    """The SDK's complete-validation.sch with only the phase of the subtype and the patterns it activates."""
    text = (SDK / "schematrons" / "complete-validation.sch").read_text(encoding="utf-8")
    head = text[: text.index("\t<phase id=")]
    phase = re.search(rf'\t<phase id="eforms-{re.escape(subtype)}">.*?</phase>\n', text, re.S)
    if phase is None:
        raise ValueError(f"the SDK has no phase for subtype {subtype}")
    patterns = re.findall(r'pattern="EFORMS-(validation-stage-[\w-]+)"', phase.group(0))
    includes = "".join(f'\t<include href="{p}.sch"/>\n' for p in patterns)
    diagnostics = text[text.index("\t<diagnostics>") :]
    return (head + phase.group(0) + includes + diagnostics).encode("utf-8")


@lru_cache(maxsize=1)
def _process_cache() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="tenderscore-eforms-"))


def validator_xslt(subtype: str, cache: Path | None = None) -> Path:
    """The Schematron of the subtype as XSLT, made once per SDK and subtype and kept in `cache` (the data
    folder's cache/eforms/, as the pipeline passes it), or for this process only."""
    folder = cache or _process_cache()
    folder.mkdir(parents=True, exist_ok=True)
    import lxml
    from lxml import etree
    from saxonche import PySaxonProcessor

    schema = _phase_schema(subtype)
    key = hashlib.sha256(schema + sdk_version().encode()).hexdigest()[:16]
    made = folder / f"eforms-{subtype}-{key}.xsl"
    if made.is_file():
        return made
    iso = Path(lxml.__file__).parent / "isoschematron" / "resources" / "xsl" / "iso-schematron-xslt1"
    work = folder / f".making-{subtype}-{key}-{os.getpid()}"
    work.mkdir(exist_ok=True)
    try:
        source = work / "phase.sch"
        source.write_bytes(schema)
        for path in (SDK / "schematrons").glob("validation-stage-*.sch"):  # the includes, beside it
            (work / path.name).write_bytes(path.read_bytes())
        with PySaxonProcessor(license=False) as processor:
            xslt = processor.new_xslt30_processor()
            step = source
            for name in ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt1.xsl"):
                executable = xslt.compile_stylesheet(stylesheet_file=str(iso / name))
                if name == "iso_svrl_for_xslt1.xsl":
                    executable.set_parameter("phase", processor.make_string_value(f"eforms-{subtype}"))
                    executable.set_parameter("allow-foreign", processor.make_string_value("true"))
                out = work / f"{name}.out"
                executable.transform_to_file(source_file=str(step), output_file=str(out))
                if name == "iso_abstract_expand.xsl":  # the skeleton's query binding check: the rules are XPath 2
                    out.write_text(
                        out.read_text(encoding="utf-8").replace('queryBinding="xslt2"', 'queryBinding="xslt"', 1)
                    )
                step = out
        tree = etree.parse(str(step))
        stylesheet = tree.getroot()
        stylesheet.set("version", "2.0")
        for element in stylesheet.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
            test = element.get("test")
            if test is not None:  # an attribute value template: braces of a regular expression are text
                element.set("test", test.replace("{", "{{").replace("}", "}}"))
        staged = work / "validator.xsl"
        tree.write(str(staged))
        staged.replace(made)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return made


def check_schematron(xml: bytes, subtype: str, cache: Path | None = None) -> list[Failure]:
    """Each rule of the subtype's phase the notice fails, with its id, field and test."""
    from lxml import etree
    from saxonche import PySaxonProcessor

    stylesheet = validator_xslt(subtype, cache)
    with PySaxonProcessor(license=False) as processor:
        executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
        document = processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = executable.transform_to_string(xdm_node=document)
    svrl = etree.fromstring(report.encode("utf-8"))
    names = field_names()
    failures = []
    for failed in svrl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        rule = failed.get("id") or ""
        reference = failed.find(f"{{{SVRL}}}diagnostic-reference")
        field_id = reference.get("diagnostic") if reference is not None else None
        failures.append(
            Failure(
                rule=rule,
                field=field_id,
                name=names.get(field_id or ""),
                location=failed.get("location") or "",
                test=failed.get("test") or "",
            )
        )
    return failures


def validate(xml: bytes, subtype: str, cache: Path | None = None) -> Validation:
    """The notice against the XSD, then (when it passes) against the Schematron of its subtype."""
    found = check_xsd(xml)
    if not found:
        found = check_schematron(xml, subtype, cache)
    return Validation(subtype, found)
