import random
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from indicators.selectors import departments_with_responsibilities
from reports.choices import ChangeVia, ValueSource, ValueState
from reports.gaps.services import gaps_compute
from reports.models import ReportedValue
from reports.periods import Period
from reports.reporting.selectors import department_forms
from reports.reporting.services import demo_values_remove, reported_value_write

DEMO_NOTE = "演示数据：自动生成的历史数值，非真实填报。"


class Command(BaseCommand):
    help = (
        "Add a generated quarterly history so the dashboards have something to show. Every "
        "generated value is marked as demo data (source=demo) and never replaces a real value; "
        "--remove deletes them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="delete every demo value")
        parser.add_argument("--start", default="2023Q1", help="first quarter (default 2023Q1)")
        parser.add_argument("--end", default="2026Q2", help="last quarter (default 2026Q2)")
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args, remove=False, start="2023Q1", end="2026Q2", seed=2025, **options):
        if remove:
            deleted = demo_values_remove()
            gaps_compute()
            self.stdout.write(self.style.SUCCESS(f"demo data removed ({deleted} rows)"))
            return
        created = self._generate(Period.parse(start), Period.parse(end), random.Random(seed))
        run = gaps_compute()
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} demo values added (marked 演示数据); {run.results} gap results"
            )
        )

    @transaction.atomic
    def _generate(self, start: Period, end: Period, rng: random.Random) -> int:
        """Demo values go through the same service as any other figure (checked, recorded in
        the history as a job's), and never replace a value that exists."""
        existing = set(ReportedValue.objects.values_list("indicator_id", "department_id", "period"))
        created, quarter, step = 0, start, 0
        trends: dict[tuple, tuple[float, float]] = {}
        departments = departments_with_responsibilities()
        while quarter <= end:
            forms = department_forms(departments, quarter)
            for department in departments:
                for row in forms[department.pk].value_rows:
                    key = (row.indicator.pk, department.pk, row.period.id)
                    if key in existing or row.target is None or row.target.value is None:
                        continue
                    existing.add(key)
                    reported_value_write(
                        indicator=row.indicator,
                        department=department,
                        period=row.period.id,
                        value=self._value(row, department, step, trends, rng),
                        note=DEMO_NOTE,
                        state=ValueState.APPROVED,
                        source=ValueSource.DEMO,
                        acting_user=None,
                        via=ChangeVia.JOB,
                        expected_version=0,
                        comment="demo_history",
                    )
                    created += 1
            quarter, step = quarter.next(), step + 1
        return created

    @staticmethod
    def _value(row, department, step, trends, rng) -> Decimal:
        """A plausible path towards the target: some series get there, some do not."""
        target = float(row.target.value)
        higher_is_better = row.target.comparator in (">=", ">", "=")
        key = (row.indicator.pk, department.pk)
        if key not in trends:
            gap = abs(target) * rng.uniform(0.03, 0.25) or 1.0
            start = target - gap if higher_is_better else target + gap
            speed = rng.uniform(-0.2, 1.3) * gap / 12  # per quarter
            trends[key] = (start, speed if higher_is_better else -speed)
        start, speed = trends[key]
        value = start + speed * step + rng.gauss(0, abs(speed) * 0.6 + abs(target) * 0.003)
        indicator = row.indicator
        low = float(indicator.min_value) if indicator.min_value is not None else None
        high = float(indicator.max_value) if indicator.max_value is not None else None
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        quantum = Decimal(1).scaleb(-indicator.decimals)
        return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
