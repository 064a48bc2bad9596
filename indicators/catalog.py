"""Reading and checking the catalogue fixtures (``fixtures/catalog/*.yaml``).

The format is described in ``fixtures/FORMAT.md``. This module only reads and validates; the
writes live in :func:`indicators.services.catalog_load`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path

import yaml

from departments.services import NameOwners, name_fold, name_key

from .choices import (
    REPORTING_ROLES,
    Aggregation,
    Category,
    Comparator,
    DocumentKind,
    Frequency,
    ResponsibilityRole,
    ValueKind,
)

DOCUMENT_FILES = (
    "outline_2023.yaml",
    "action_plan_2023.yaml",
    "plan_2016.yaml",
    "reported_indicators.yaml",
)

_WHITESPACE = re.compile(r"\s+")

#: Where an English name comes from: ``official`` (a document gives it, quoted in
#: ``name_en_source``) or ``translation`` (made for QualityHub). See fixtures/FORMAT.md.
NAME_EN_BASES = ("official", "translation")


class CatalogError(ValueError):
    """The fixtures contradict themselves or their sources; the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("catalogue fixtures are invalid:\n  - " + "\n  - ".join(problems))


def squeeze(text: str) -> str:
    """Remove all whitespace; quotes are checked against sources squeezed the same way."""
    return _WHITESPACE.sub("", text or "")


@cache
def _squeezed_source(path: Path) -> str:
    return squeeze(path.read_text(encoding="utf-8"))


def quote_in_source(quote: str, sources_dir: Path, quote_file: str) -> bool:
    """Whether ``quote`` occurs verbatim in the fixture file ``sources_dir / quote_file``."""
    needle = squeeze(quote)
    return bool(needle) and needle in _squeezed_source(Path(sources_dir) / quote_file)


@lru_cache(maxsize=8)
def _squeezed_text(text: str) -> str:
    # A load checks hundreds of quotes against the same few documents: squeeze each text once.
    return squeeze(text)


def quote_in_text(quote: str, text: str) -> bool:
    """Whether ``quote`` occurs verbatim in ``text`` (a document's ``source_text``), with all
    whitespace removed from both, exactly as :func:`quote_in_source` checks the fixtures."""
    needle = squeeze(quote)
    return bool(needle) and needle in _squeezed_text(text or "")


def read_source_text(sources_dir: Path, quote_file: str) -> str:
    """The text of a fixture document's quote file, as stored in ``Document.source_text``."""
    return (Path(sources_dir) / quote_file).read_text(encoding="utf-8")


def to_decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


@dataclass
class Catalog:
    """The parsed fixtures, keyed as the loader needs them."""

    documents: list[dict] = field(default_factory=list)
    departments: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    responsibilities: list[dict] = field(default_factory=list)
    reported_values: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)

    def alias_map(self) -> dict[str, str]:
        """Every spelling of every department (code, names, aliases) → department code."""
        names: dict[str, str] = {}
        for dept in self.departments:
            for name in (dept["code"], dept["name_zh"], *dept.get("aliases", [])):
                names.setdefault(name, dept["code"])
        return names


def _read_yaml(path: Path):
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as handle:
        # libyaml's safe loader where PyYAML was built with it: the same result, ten times faster.
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_catalog(directory: Path) -> Catalog:
    directory = Path(directory)
    catalog = Catalog(
        documents=_read_yaml(directory / "documents.yaml") or [],
        departments=_read_yaml(directory / "departments.yaml") or [],
        reported_values=_read_yaml(directory / "reported_values.yaml") or [],
        assignments=_read_yaml(directory / "assignments.yaml") or [],
    )
    for name in DOCUMENT_FILES:
        data = _read_yaml(directory / name)
        if not data:
            continue
        document = data["document"]
        catalog.indicators.extend(data.get("indicators") or [])
        for key in ("targets", "tasks", "responsibilities"):
            for row in data.get(key) or []:
                row.setdefault("document", document)
                getattr(catalog, key).append(row)
    return catalog


def validate_catalog(catalog: Catalog, sources_dir: Path) -> None:
    """Raise :class:`CatalogError` listing every inconsistency, or return quietly.

    The published figures (``reported_values.yaml``) are checked by the reports app, which
    stores them: :func:`reports.reporting.services.catalogue_load`.
    """
    problems = catalog_problems(catalog, sources_dir)
    if problems:
        raise CatalogError(problems)


#: Department kinds a row may give (``departments.choices.DepartmentKind``).
DEPARTMENT_KINDS = ("department", "coordinating_office")
#: A step to a successor after this year cites its announcement (the 2018 reform and later).
SUCCESSION_SOURCE_AFTER = 2018


def _succession_problems(where: str, dept: dict) -> list[str]:
    """A department row's kind, the year and source of the step to its successor, and the
    ``unconfirmed`` mark. The successor's sentence comes from outside the seed documents, so it
    is not looked up in them."""
    problems = []
    kind = dept.get("kind", "department")
    if kind not in DEPARTMENT_KINDS:
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(DEPARTMENT_KINDS)}")
    year, successor = dept.get("successor_year"), dept.get("successor")
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            problems.append(f"{where}: successor_year {year!r} is not a year from 2000 to 2100")
            year = None
        elif not successor:
            problems.append(f"{where}: successor_year without a successor")
    source, quote = dept.get("successor_source"), dept.get("successor_quote")
    for key, value in (("successor_source", source), ("successor_quote", quote)):
        if value is not None and not isinstance(value, str):
            problems.append(f"{where}: {key} must be text")
    if bool(source) != bool(quote):
        problems.append(f"{where}: successor_source and successor_quote go together")
    if successor and year is not None and year > SUCCESSION_SOURCE_AFTER and not (source and quote):
        problems.append(
            f"{where}: a successor set after {SUCCESSION_SOURCE_AFTER} needs successor_source"
            " and successor_quote"
        )
    unconfirmed = dept.get("unconfirmed")
    if unconfirmed is not None and not isinstance(unconfirmed, str):
        problems.append(f"{where}: unconfirmed must be text (why the resolution is unconfirmed)")
    return problems


def catalog_problems(catalog: Catalog, sources_dir: Path) -> list[str]:
    """Every inconsistency of the catalogue's documents, departments, indicators, targets,
    tasks, responsibilities and assignments, as lines for :class:`CatalogError`."""
    problems: list[str] = []
    documents = {doc["code"]: doc for doc in catalog.documents}
    for doc in catalog.documents:
        if doc.get("kind") not in DocumentKind.values:
            problems.append(f"document {doc['code']}: kind {doc.get('kind')!r}")
        for key in ("source_file", "quote_file"):
            if not (Path(sources_dir) / doc[key]).exists():
                problems.append(f"document {doc['code']}: {key} {doc[key]} not found")

    def check_quote(where: str, row: dict, document_code: str | None = None) -> None:
        code = document_code or row.get("document")
        doc = documents.get(code)
        if doc is None:
            problems.append(f"{where}: unknown document {code!r}")
            return
        if not row.get("clause"):
            problems.append(f"{where}: no clause")
        if not quote_in_source(row.get("quote", ""), sources_dir, doc["quote_file"]):
            problems.append(
                f"{where}: quote not found verbatim in {doc['quote_file']}: {row.get('quote')!r}"
            )

    def check_name_en(where: str, row: dict) -> None:
        """An English name says where it comes from; an official one quotes its document."""
        basis = row.get("name_en_basis")
        if not (row.get("name_en") or "").strip():
            if basis is not None:
                problems.append(f"{where}: name_en_basis without a name_en")
            return
        if basis not in NAME_EN_BASES:
            problems.append(f"{where}: name_en_basis {basis!r} (official or translation)")
        source = row.get("name_en_source")
        if basis == "official":
            if not isinstance(source, dict):
                problems.append(f"{where}: an official name_en needs a name_en_source")
                return
            check_quote(f"{where} name_en_source", source)
            if squeeze(row["name_en"]) not in squeeze(source.get("quote") or ""):
                problems.append(f"{where}: the name_en_source quote does not contain name_en")
        elif source is not None:
            problems.append(f"{where}: name_en_source is for an official name_en only")

    # Departments.
    dept_codes = {}
    for dept in catalog.departments:
        if dept["code"] in dept_codes:
            problems.append(f"department {dept['code']}: defined twice")
        dept_codes[dept["code"]] = dept
    seen_alias: dict[str, str] = {}
    for dept in catalog.departments:
        where = f"department {dept['code']}"
        status = dept.get("status")
        successor = dept.get("successor")
        if status == "historical":
            if successor not in dept_codes:
                problems.append(f"{where}: successor {successor!r} is not a department")
        elif status == "current":
            if successor:
                problems.append(f"{where}: a current department has no successor")
        else:
            problems.append(f"{where}: status {status!r}")
        for alias in {dept["name_zh"], *dept.get("aliases", [])}:
            owner = seen_alias.setdefault(alias, dept["code"])
            if owner != dept["code"]:
                problems.append(f"{where}: alias {alias!r} also belongs to {owner}")
        for i, source in enumerate(dept.get("sources") or []):
            check_quote(f"{where} source {i + 1}", source)
        check_name_en(where, dept)
        problems.extend(_succession_problems(where, dept))
    for dept in catalog.departments:  # every chain of successors ends at a current department
        seen, code = set(), dept["code"]
        while code in dept_codes and dept_codes[code].get("status") == "historical":
            if code in seen:
                problems.append(f"department {dept['code']}: successor cycle")
                break
            seen.add(code)
            code = dept_codes[code].get("successor")

    # Indicators.
    indicators = {}
    for ind in catalog.indicators:
        where = f"indicator {ind['code']}"
        if ind["code"] in indicators:
            problems.append(f"{where}: defined twice")
        indicators[ind["code"]] = ind
        check_name_en(where, ind)
        for key, choices in (
            ("value_kind", ValueKind),
            ("frequency", Frequency),
            ("category", Category),
            ("aggregation", Aggregation),
        ):
            if ind.get(key) not in choices.values:
                problems.append(f"{where}: {key} {ind.get(key)!r}")
        try:
            low, high = to_decimal(ind.get("min_value")), to_decimal(ind.get("max_value"))
            if low is not None and high is not None and low > high:
                problems.append(f"{where}: min_value > max_value")
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
        region, parts = ind.get("region_department"), (ind.get("region_parts") or "").strip()
        if region and dept_codes.get(region, {}).get("status") != "current":
            problems.append(f"{where}: region_department must be the code of a current department")
        if region and ind.get("aggregation") != Aggregation.LEAD:
            problems.append(f"{where}: region_department is for aggregation lead only")
        if (ind.get("aggregation") == Aggregation.SUM) != bool(parts):
            problems.append(f"{where}: aggregation sum needs region_parts, and only sum has them")

    # Indicator aliases: each a document's wording, quoted, and a name of one indicator only.
    spellings = NameOwners.of(
        (name, ind["code"])
        for ind in catalog.indicators
        for name in (
            ind["code"],
            ind.get("name_zh"),
            ind.get("name_en"),
            *(alias.get("name") for alias in ind.get("aliases") or []),
        )
        if name
    )
    for ind in catalog.indicators:
        for alias in ind.get("aliases") or []:
            name = alias.get("name") or ""
            where = f"indicator {ind['code']} alias {name!r}"
            if not name.strip():
                problems.append(f"{where}: no name")
                continue
            check_quote(where, alias)
            if squeeze(name) not in squeeze(alias.get("quote") or ""):
                problems.append(f"{where}: the quote does not contain the name")
            # Stricter than the services, which let the office tell apart two rows that
            # already share a name: the fixtures' indicators share none.
            key = name_key(name)
            others = (
                spellings.folded.get(name_fold(name), set()) | spellings.keyed.get(key, set())
            ) - {ind["code"]}
            if not key:
                problems.append(f"{where}: nothing is left once prefix, quotes and unit go")
            elif others:
                problems.append(f"{where}: also names {', '.join(sorted(others))}")

    # Targets.
    target_keys = set()
    for target in catalog.targets:
        where = f"target {target.get('document')}/{target.get('indicator')}/{target.get('year')}"
        ind = indicators.get(target.get("indicator"))
        if ind is None:
            problems.append(f"{where}: unknown indicator")
            continue
        key = (target["indicator"], target["document"], target.get("year"))
        if key in target_keys:
            problems.append(f"{where}: defined twice")
        target_keys.add(key)
        if target.get("comparator") not in Comparator.values:
            problems.append(f"{where}: comparator {target.get('comparator')!r}")
        try:
            value = to_decimal(target.get("value"))
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            value = None
        if (value is None) != (ind["value_kind"] == ValueKind.QUALITATIVE):
            problems.append(f"{where}: a value is required unless the indicator is qualitative")
        check_quote(where, target)

    # Tasks and responsibilities.
    tasks = {}
    for task in catalog.tasks:
        where = f"task {task['code']}"
        if task["code"] in tasks:
            problems.append(f"{where}: defined twice")
        tasks[task["code"]] = task
        check_quote(where, task)
    aliases = catalog.alias_map()
    responsibility_keys = set()
    for i, resp in enumerate(catalog.responsibilities):
        subject = resp.get("indicator") or resp.get("task")
        where = f"responsibility {resp.get('document')}/{subject}/{resp.get('department')}"
        if bool(resp.get("indicator")) == bool(resp.get("task")):
            problems.append(f"{where}: name exactly one of indicator or task")
        elif resp.get("indicator") and resp["indicator"] not in indicators:
            problems.append(f"{where}: unknown indicator")
        elif resp.get("task") and resp["task"] not in tasks:
            problems.append(f"{where}: unknown task")
        if resp.get("department") not in aliases:
            problems.append(f"{where}: department {resp.get('department')!r} matches no department")
        if resp.get("role") not in ResponsibilityRole.values:
            problems.append(f"{where}: role {resp.get('role')!r}")
        key = (
            resp.get("indicator"),
            resp.get("task"),
            aliases.get(resp.get("department")),
            resp.get("document"),
            resp.get("role"),
        )
        if key in responsibility_keys:
            problems.append(f"{where}: listed twice (row {i + 1})")
        responsibility_keys.add(key)
        check_quote(where, resp)

    # Office assignments: no quote, but a basis; only current departments report.
    assignment_keys = set()
    for row in catalog.assignments:
        where = f"assignment {row.get('indicator')}/{row.get('department')}"
        if row.get("indicator") not in indicators:
            problems.append(f"{where}: unknown indicator")
        dept = dept_codes.get(row.get("department"))
        if dept is None or dept.get("status") != "current":
            problems.append(f"{where}: department must be the code of a current department")
        if row.get("role") not in ResponsibilityRole.values:
            problems.append(f"{where}: role {row.get('role')!r}")
        if not (row.get("basis") or "").strip():
            problems.append(f"{where}: no basis")
        key = (row.get("indicator"), row.get("department"), row.get("role"))
        if key in assignment_keys:
            problems.append(f"{where}: listed twice")
        assignment_keys.add(key)

    # Region departments: one of the departments that report the indicator, where any does.
    def today(code: str | None) -> str | None:
        seen = set()
        while code in dept_codes and dept_codes[code].get("successor") and code not in seen:
            seen.add(code)
            code = dept_codes[code]["successor"]
        return code

    reporting_roles = {role.value for role in REPORTING_ROLES}
    reporting: dict[str, set] = {}
    for resp in catalog.responsibilities:
        if resp.get("indicator") and resp.get("role") in reporting_roles:
            code = today(aliases.get(resp.get("department")))
            reporting.setdefault(resp["indicator"], set()).add(code)
    for row in catalog.assignments:
        if row.get("role") in reporting_roles:
            reporting.setdefault(row.get("indicator"), set()).add(row.get("department"))
    for ind in catalog.indicators:
        region, held = ind.get("region_department"), reporting.get(ind["code"])
        if region and held and region not in held:
            problems.append(
                f"indicator {ind['code']}: region_department {region} does not report it"
                f" (reporting: {', '.join(sorted(held))})"
            )

    return problems
