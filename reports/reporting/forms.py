"""The department's quarterly form, and the office's review forms."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qualityhub.numbers import parse_number
from reports.choices import TaskStatus
from reports.periods import Period

from .rules import comment_problem, note_required_reason, reporting_period_problem, value_problem
from .selectors import DepartmentForm, QualitativeRow, ValueRow, expected_ranges

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of old Word and Excel files
_ZIP = b"PK\x03\x04"  # the container of .docx and .xlsx
#: Accepted evidence: suffix → the bytes such a file begins with (None: text, checked apart).
EVIDENCE_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".xlsx": (_ZIP,),
    ".docx": (_ZIP,),
    ".xls": (_OLE,),
    ".doc": (_OLE,),
    ".csv": None,
}
EVIDENCE_SUFFIXES = set(EVIDENCE_SIGNATURES)


def _validate_evidence(upload) -> None:
    """Suffix, size, and content: a file must be what its name says (a renamed .exe is not)."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in EVIDENCE_SIGNATURES:
        raise ValidationError(
            _("佐证材料只接受 PDF、图片、Word、Excel 或 CSV 文件（%(allowed)s）。")
            % {"allowed": "、".join(sorted(EVIDENCE_SUFFIXES))}
        )
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("佐证材料不能超过 10 MB。"))
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    signatures = EVIDENCE_SIGNATURES[suffix]
    if signatures is None:
        genuine = bool(head) and b"\x00" not in head and _decodes(head)
    else:
        genuine = head.startswith(signatures)
    if not genuine:
        raise ValidationError(
            _("“%(name)s”的内容不是 %(kind)s 文件，请检查后重新上传。")
            % {"name": upload.name, "kind": suffix.lstrip(".").upper()}
        )


def _decodes(head: bytes) -> bool:
    """Text in UTF-8 or GB18030; the last character may be cut off at the 4,096-byte mark."""
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:
                return True
    return False


class DepartmentReportForm(forms.Form):
    """One value, note and evidence field per row; a status and narrative per qualitative row.

    Rows that may not be edited (submitted, approved, closed period, support rows) are not
    fields at all, so nothing posted for them can change them.
    """

    def __init__(self, sheet: DepartmentForm, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.value_rows: list[ValueRow] = []
        self.qualitative_rows: list[QualitativeRow] = []
        for row in sheet.value_rows:
            if not (sheet.open and row.editable_state):
                continue
            key = row.key
            self.fields[f"value_{key}"] = forms.CharField(
                required=False, max_length=40, label=str(row.indicator)
            )
            self.fields[f"note_{key}"] = forms.CharField(
                required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"evidence_{key}"] = forms.FileField(
                required=False, validators=[_validate_evidence]
            )
            self.fields[f"version_{key}"] = forms.IntegerField(
                required=False, widget=forms.HiddenInput
            )
            if not self.is_bound:
                self.initial[f"value_{key}"] = (
                    f"{row.value.value.normalize():f}"
                    if row.value and row.value.value is not None
                    else ""
                )
                self.initial[f"note_{key}"] = row.value.note if row.value else ""
                # 0: the page showed no value; saving then creates it, unless someone has since.
                self.initial[f"version_{key}"] = row.value.version if row.value else 0
            self.value_rows.append(row)
        for row in sheet.qualitative_rows:
            if not (sheet.open and row.editable_state):
                continue
            key = row.key
            self.fields[f"status_{key}"] = forms.ChoiceField(
                required=False,
                choices=[("", gettext_lazy("—请选择—")), *TaskStatus.choices],
            )
            self.fields[f"narrative_{key}"] = forms.CharField(
                required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
            )
            self.fields[f"qversion_{key}"] = forms.IntegerField(
                required=False, widget=forms.HiddenInput
            )
            if not self.is_bound:
                self.initial[f"status_{key}"] = row.report.status if row.report else ""
                self.initial[f"narrative_{key}"] = row.report.narrative if row.report else ""
                self.initial[f"qversion_{key}"] = row.report.version if row.report else 0
            self.qualitative_rows.append(row)

    def field(self, name: str, key: str):
        """The bound field ``<name>_<key>``, or None when the row is not editable."""
        full = f"{name}_{key}"
        return self[full] if full in self.fields else None

    def clean(self):
        cleaned = super().clean()
        typed = []  # (row, figure, the note rule's reason) of each row with a valid figure
        for row in self.value_rows:
            key = row.key
            indicator = row.indicator
            name = f"value_{key}"
            if name in self._errors:
                continue
            try:
                value = parse_number(cleaned.get(name, ""), unit=indicator.unit)
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            if value is not None and (problem := value_problem(indicator, value)):
                self.add_error(name, problem)
                continue
            cleaned[name] = value
            previous = row.previous.value if row.previous else None
            if value is not None:
                typed.append((row, value, note_required_reason(row.target, previous, value)))
        self._check_notes(cleaned, typed)
        return cleaned

    def _check_notes(self, cleaned, typed) -> None:
        """A figure needs a note where it lies outside its expected range, or where the note
        rule says so (the service's order: the range's reason first). The ranges of every row
        are read at once (``selectors.expected_ranges``)."""
        if not typed:
            return
        department_id = self.sheet.department.pk
        ranges = expected_ranges(
            (row.indicator, department_id, row.period.id) for row, _value, _reason in typed
        )
        for row, value, note_reason in typed:
            key = row.key
            expected = ranges.get((row.indicator.pk, department_id, row.period.id))
            reason = (expected.reason(value) if expected is not None else None) or note_reason
            if reason and not (cleaned.get(f"note_{key}") or "").strip():
                self.add_error(f"note_{key}", reason)

    def row_errors(self, key: str) -> bool:
        return any(
            f"{name}_{key}" in self._errors
            for name in ("value", "note", "evidence", "version", "status", "narrative", "qversion")
        )


class ReviewForm(forms.Form):
    """The office's decision on one submitted (or approved) row."""

    action = forms.ChoiceField(
        choices=[("approve", "approve"), ("return", "return"), ("reopen", "reopen")]
    )
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    # The version of the row the reviewer saw: a row changed since is not decided unseen.
    version = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)

    def clean(self):
        cleaned = super().clean()
        action, comment = cleaned.get("action"), cleaned.get("comment") or ""
        if action and (problem := comment_problem(action, comment)):
            self.add_error("comment", problem)
        return cleaned


class FollowupForm(forms.Form):
    """The office's follow-up mark on one value: set (``1``) or taken off (``0``)."""

    followup = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda text: text == "1"
    )
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class ReportingPeriodForm(forms.Form):
    period = forms.CharField(label=gettext_lazy("期间"), max_length=6)
    deadline = forms.DateField(
        label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_period(self):
        text = self.cleaned_data["period"].strip().upper()
        try:
            period = Period.parse(text)
        except ValueError:
            raise ValidationError(_("请按季度填写期间，例如 2026Q3。")) from None
        if problem := reporting_period_problem(period):
            raise ValidationError(problem)
        return period
