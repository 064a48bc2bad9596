"""The final assessment as csv, as an xlsx workbook and as a printable page (for the PDF).

Written by ``qualityhub.spreadsheets`` like every other file QualityHub produces, so a quote or
a department's name that begins with ``=`` is text, never a formula.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from qualityhub.spreadsheets import XlsxBook, format_number, write_csv

#: The csv's columns, one row per target.
CSV_COLUMNS = (
    "document",
    "clause",
    "indicator_code",
    "name_zh",
    "unit",
    "comparator",
    "target_value",
    "target_year",
    "last_value",
    "last_period",
    "met",
    "gap",
    "percent_of_target",
    "status",
    "departments",
)


def _met(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def csv_rows(assessment) -> list[dict]:
    """One dict per target, keyed by :data:`CSV_COLUMNS`; the status is the method's code
    (achieved, on_track, at_risk, off_track, no_data), or a qualitative target's last progress
    (not_started, in_progress, done, blocked)."""
    return [
        {
            "document": row.target.document.code,
            "clause": row.target.clause,
            "indicator_code": row.indicator.code,
            "name_zh": row.indicator.name_zh,
            "unit": row.indicator.unit,
            # A qualitative target has no figure to compare with.
            "comparator": row.target.comparator if row.target.value is not None else "",
            "target_value": row.target.value,
            "target_year": row.target.year,
            "last_value": row.last_value,
            "last_period": row.last_period,
            "met": _met(row.met),
            "gap": row.gap,
            "percent_of_target": row.percent_of_target,
            "status": row.status,
            "departments": row.departments_text,
        }
        for row in assessment.rows
    ]


def render_csv(assessment) -> bytes:
    return write_csv(CSV_COLUMNS, csv_rows(assessment))


def title(assessment) -> str:
    where = assessment.department.name_zh if assessment.department else _("全区")
    return _("%(year)s 年目标期末评估 · %(where)s") % {"year": assessment.year, "where": where}


def met_label(met: bool | None) -> str:
    if met is None:
        return _("无法判断")
    return _("已实现") if met else _("未实现")


def _target_text(row) -> str:
    if row.target.value is None:
        return _("定性目标")
    return f"{row.target.get_comparator_display()} {format_number(row.target.value)}"


def render_xlsx(assessment) -> bytes:
    """One sheet, the documents one after another, with Chinese column headers."""
    book = XlsxBook()
    sheet = book.sheet(_("期末评估"))
    sheet.widths((28, 10, 30, 34, 8, 12, 9, 14, 10, 10, 12, 12, 14, 50, 60))
    sheet.append([title(assessment)], bold=True, size=14)
    sheet.append([_("截止日期：%(date)s") % {"date": assessment.deadline.isoformat()}])
    sheet.blank()
    sheet.header(
        [
            _("文件"),
            _("条款"),
            _("指标代码"),
            _("指标"),
            _("单位"),
            _("目标"),
            _("目标年份"),
            _("最近审核通过值"),
            _("期间"),
            _("是否实现"),
            _("差距"),
            _("完成比例（%）"),
            _("截止时状态"),
            _("责任部门"),
            _("原文"),
        ]
    )
    for section in assessment.sections:
        for row in section.rows:
            sheet.append(
                [
                    section.document.title_zh,
                    row.target.clause,
                    row.indicator.code,
                    row.indicator.name_zh,
                    row.indicator.unit,
                    _target_text(row),
                    row.target.year,
                    row.last_value,
                    row.last_period,
                    met_label(row.met),
                    row.gap,
                    row.percent_of_target,
                    row.status_label,
                    row.departments_text,
                    row.target.quote,
                ],
                wrap=(0, 3, 13, 14),
            )
    return book.save()


def render_html(assessment, *, created_at=None) -> str:
    """The printable page: the document the PDF is printed from."""
    return render_to_string(
        "reports/assessment_document.html",
        {
            "assessment": assessment,
            "title": title(assessment),
            "sections": display_sections(assessment),
            "created_at": created_at,
        },
    )


def display_sections(assessment) -> list[dict]:
    """Each document with its rows, and the texts the page and the printed page show."""
    return [
        {
            "document": section.document,
            "rows": [
                {"row": row, "target_text": _target_text(row), "met_label": met_label(row.met)}
                for row in section.rows
            ],
        }
        for section in assessment.sections
    ]
