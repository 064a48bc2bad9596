"""``department_as_reported`` on reported values and qualitative reports: the department a row
was reported under, kept when the row follows its department's successor."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0002_add_department_kind_and_succession"),
        ("reports", "0012_add_value_bounds_and_outlier_flags"),
    ]

    operations = [
        migrations.AddField(
            model_name="qualitativereport",
            name="department_as_reported",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="departments.department",
                verbose_name="填报时部门",
            ),
        ),
        migrations.AddField(
            model_name="reportedvalue",
            name="department_as_reported",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="departments.department",
                verbose_name="填报时部门",
            ),
        ),
    ]
