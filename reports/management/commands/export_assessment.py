import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from departments.models import Department
from reports.assessment.render import render_csv, render_xlsx
from reports.assessment.selectors import final_assessment, target_years, year_ended


class Command(BaseCommand):
    help = (
        "Write the final assessment of a target year: one row per target of every document, "
        "with the last approved value, whether it is met, the gap and the departments "
        "(region-wide, or one department's with --department)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="target year, e.g. 2025")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--department", help="department code: that department's table")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, year, format="csv", department=None, output=None, **options):
        years = target_years()
        if year not in years:
            known = "、".join(str(y) for y in years) or "无"
            raise CommandError(f"{year} 年没有目标。有目标的年份：{known}。")
        unit = None
        if department:
            unit = Department.objects.current().filter(code=department).first()
            if unit is None:
                raise CommandError(f"没有代码为 {department} 的现有部门。")
        if not year_ended(year):
            self.stderr.write(f"{year} 年尚未结束：这是截至目前的情况，不是期末评估。")
        assessment = final_assessment(year, department=unit)
        data = render_csv(assessment) if format == "csv" else render_xlsx(assessment)
        if output:
            try:
                output.write_bytes(data)
            except OSError as exc:
                raise CommandError(f"{output}：无法写入（{exc.strerror}）。") from exc
            self.stderr.write(f"written to {output}")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
