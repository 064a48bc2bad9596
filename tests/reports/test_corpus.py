"""The import corpus: each file laid out as a department really sends it, and what it gives.

For each file (``tests/reports/corpus/files``, built by ``corpus/build.py``): the dry run shows
what the office needs (the sheets read and skipped, the layout, the columns read past, the rows
skipped, the errors, the values that need confirming); a real run writes exactly the expected
values, with history naming the file, sheet and row; a refused file writes nothing; and neither
the import page nor the command ends in a server error or a traceback.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from departments.models import Department
from indicators.models import Indicator
from reports.exchange.checking import parse_values_file
from reports.exchange.parsing import ImportFileError
from reports.exchange.services import import_values
from reports.models import ReportedValue, ReportedValueChange
from tests.factories import reported_value

from .corpus.build import CASES, FILES

pytestmark = pytest.mark.django_db

BY_NAME = {case.name: case for case in CASES}


def _data(case) -> bytes:
    return (FILES / case.name).read_bytes()


def _department(case):
    return Department.objects.get(code=case.department) if case.department else None


def _before(case) -> None:
    for code, department, period, value in case.before:
        reported_value(
            indicator=Indicator.objects.get(code=code),
            department=Department.objects.get(code=department),
            period=period,
            value=value,
            state="entered",
        )


def _stored(code, department, period):
    return ReportedValue.objects.filter(
        indicator__code=code, department__code=department, period=period
    ).first()


def test_the_corpus_has_a_file_for_every_situation():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)
    for case in CASES:
        assert (FILES / case.name).is_file(), f"run python -m tests.reports.corpus.build ({case})"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_the_dry_run_shows_what_the_office_needs(catalog, name):
    case = BY_NAME[name]
    _before(case)
    if case.outcome == "refused":
        with pytest.raises(ImportFileError) as excinfo:
            parse_values_file(_data(case), case.name, department=_department(case))
        assert case.message in str(excinfo.value)
        return
    preview = parse_values_file(_data(case), case.name, department=_department(case))
    errors = [e.message for e in preview.errors]
    if case.outcome == "errors":
        assert errors and any(case.message in e for e in errors), errors
        if case.suggestion:
            offered = [s["name"] for u in preview.unmatched for s in u["suggestions"]]
            assert case.suggestion in offered
        return
    assert not errors, errors
    found = {(r.indicator.code, r.department.code, r.period): r.value for r in preview.rows}
    for code, department, period, value in case.values:
        assert found.get((code, department, period)) == Decimal(value), (
            (code, department, period),
            found,
        )
    assert len(preview.skipped) == case.skipped, preview.skipped
    for skipped in preview.skipped:
        assert skipped["reason"] and skipped["row"]
    used = [s["name"] for s in preview.sheets if s["status"] == "used"]
    skipped_sheets = [s["name"] for s in preview.sheets if s["status"] != "used"]
    if case.sheets_used:
        assert used == case.sheets_used
    if case.sheets_skipped:
        assert set(case.sheets_skipped) <= set(skipped_sheets)
        for sheet in preview.sheets:
            if sheet["name"] in case.sheets_skipped:
                assert sheet["reason"]  # never lost silently
    if case.layout:
        first = next(s for s in preview.sheets if s["status"] == "used")
        assert first["layout"] == case.layout
    for header in case.ignored:
        columns = [c for s in preview.sheets for c in s["columns"] if c["header"] == header]
        assert columns and not any(c["field"] for c in columns), header
    if case.outcome == "flags":
        assert preview.flags and case.message in preview.flags[0]["message"]
    else:
        assert not preview.flags, preview.flags


@pytest.mark.parametrize(
    "name", [case.name for case in CASES if case.outcome in ("ok", "flags") or case.mapping]
)
def test_a_real_run_writes_exactly_that_with_history_naming_file_sheet_and_row(
    catalog, people, name
):
    case = BY_NAME[name]
    _before(case)
    mapping = {header: field for header, field in case.mapping.items()}
    preview = parse_values_file(
        _data(case), case.name, department=_department(case), mapping=mapping or None
    )
    assert preview.ok, [e.message for e in preview.errors]
    before = ReportedValue.objects.count()
    if case.outcome == "flags":
        with pytest.raises(ImportFileError):
            import_values(preview, acting_user=people.office)
        assert ReportedValue.objects.count() == before
        counts = import_values(preview, acting_user=people.office, accept_flags=True)
    else:
        counts = import_values(preview, acting_user=people.office)
    assert counts["new"] + counts["updated"] == len(preview.rows)
    assert ReportedValue.objects.count() == before + counts["new"]
    for code, department, period, value in case.values:
        stored = _stored(code, department, period)
        assert stored is not None and stored.value == Decimal(value), (code, period)
        change = stored.changes.order_by("id").last()
        assert change.via == "import" and case.name in change.comment
        row = next(
            r
            for r in preview.rows
            if (r.indicator.code, r.department.code, r.period) == (code, department, period)
        )
        assert f"第 {row.row} 行" in change.comment
        if preview.sheets_named:
            assert f"工作表“{row.sheet}”" in change.comment


@pytest.mark.parametrize(
    "name", [case.name for case in CASES if case.outcome in ("errors", "refused")]
)
def test_a_refused_file_writes_nothing(catalog, people, name):
    case = BY_NAME[name]
    before = (ReportedValue.objects.count(), ReportedValueChange.objects.count())
    try:
        preview = parse_values_file(_data(case), case.name, department=_department(case))
    except ImportFileError:
        preview = None
    if preview is not None:
        with pytest.raises(ImportFileError):
            import_values(preview, acting_user=people.office)
    assert (ReportedValue.objects.count(), ReportedValueChange.objects.count()) == before


@pytest.mark.parametrize("name", list(BY_NAME))
def test_the_import_page_and_the_command_never_end_in_an_error_of_their_own(
    catalog, people, login, name, tmp_path, capsys
):
    case = BY_NAME[name]
    client = login(people.office)
    data = {"file": SimpleUploadedFile(case.name, _data(case))}
    if case.department:
        data["department"] = Department.objects.get(code=case.department).pk
    response = client.post(reverse("reports:imports"), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    if case.outcome == "refused":
        assert case.message in page
    else:
        assert 'id="counts"' in page
    path = tmp_path / case.name
    path.write_bytes(_data(case))
    arguments = [str(path), "--dry-run"]
    if case.department:
        arguments += ["--department", case.department]
    if case.outcome in ("errors", "refused"):
        with pytest.raises(CommandError):
            call_command("import_values", *arguments)
    else:
        call_command("import_values", *arguments)
    assert "Traceback" not in capsys.readouterr().out
