"""The rows of departments that are historical at migrate time move to the department that
holds their duties today (as ``reports.reporting.services.values_follow_successors`` does after
every catalogue change), with plain queries on the historical models.

A migration of its own: the schema change before it creates indexes at its end, which
PostgreSQL refuses on a table with rows updated in the same transaction."""

import logging

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce

logger = logging.getLogger(__name__)


def _today(successor: dict, pk: int) -> int:
    seen = set()
    while successor.get(pk) is not None and pk not in seen:
        seen.add(pk)
        pk = successor[pk]
    return pk


def _follow(rows, key, moves, *, original=None, bump_version=False):
    """Move ``rows`` of the departments in ``moves`` to today's; a row whose key is taken at
    today's department stays. Returns (moved, pks that stayed)."""
    model = rows.model
    moved, stayed = 0, []
    present = set(rows.filter(department_id__in=moves).values_list("department_id", flat=True))
    for old in sorted(present):
        new = moves[old]
        mine = rows.filter(department_id=old)
        clash = Exists(
            model._default_manager.filter(department_id=new, **{f: OuterRef(f) for f in key})
        )
        stayed += list(mine.filter(clash).values_list("pk", flat=True))
        updates = {"department_id": new}
        if original:
            updates[f"{original}_id"] = Coalesce(F(f"{original}_id"), Value(old))
        if bump_version:
            updates["version"] = F("version") + 1
        moved += mine.filter(~clash).update(**updates)
    return moved, stayed


def follow_successors(apps, schema_editor):
    """Reported values, qualitative reports (keeping ``department_as_reported``), expected
    ranges, column mappings, assignments and memberships of historical departments follow the
    successors; no history row is written, and a row whose place is taken stays."""
    Department = apps.get_model("departments", "Department")
    successor = dict(Department.objects.values_list("pk", "successor_id"))
    moves = {pk: _today(successor, pk) for pk in successor}
    moves = {pk: today for pk, today in moves.items() if today != pk}
    if not moves:
        return
    ReportedValue = apps.get_model("reports", "ReportedValue")
    QualitativeReport = apps.get_model("reports", "QualitativeReport")
    steps = (
        (ReportedValue.objects.all(), ("indicator", "period"), True),
        (QualitativeReport.objects.filter(task__isnull=False), ("task", "period"), True),
        (QualitativeReport.objects.filter(indicator__isnull=False), ("indicator", "period"), True),
        (apps.get_model("reports", "ValueBounds").objects.all(), ("indicator",), False),
        (
            apps.get_model("reports", "ImportColumnMapping").objects.filter(
                department__isnull=False
            ),
            ("header",),
            False,
        ),
        (
            apps.get_model("indicators", "ReportingAssignment").objects.all(),
            ("indicator", "role"),
            False,
        ),
        (apps.get_model("departments", "Membership").objects.all(), ("user",), False),
    )
    for rows, key, workflow in steps:
        moved, stayed = _follow(
            rows,
            key,
            moves,
            original="department_as_reported" if workflow else None,
            bump_version=workflow,
        )
        if moved or stayed:
            logger.info(
                "%s: %d rows followed successors, %d stayed (pks %s)",
                rows.model.__name__,
                moved,
                len(stayed),
                stayed,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0002_add_department_kind_and_succession"),
        ("indicators", "0007_add_indicator_region_department"),
        ("reports", "0013_add_department_as_reported"),
    ]

    operations = [migrations.RunPython(follow_successors, migrations.RunPython.noop)]
