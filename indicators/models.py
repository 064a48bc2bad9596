from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.choices import DepartmentStatus
from qualityhub.language import pick
from qualityhub.spreadsheets import format_number

from .catalog import quote_in_text
from .choices import (
    Aggregation,
    Category,
    Comparator,
    DocumentKind,
    Frequency,
    ResponsibilityRole,
    ValueKind,
)
from .units import unit_label

QUOTE_HELP = _("文件原文中的一句，须逐字出现在该文件的原文文本中（空白不计）。")
NO_QUOTE_HELP = _("确实无法引用原文时填写理由；原文和理由至少填一项。")


def quote_or_reason(prefix: str) -> models.CheckConstraint:
    """Every target, task and responsibility cites its document, or says why it cannot."""
    return models.CheckConstraint(
        condition=~Q(quote="") | ~Q(no_quote_reason=""),
        name=f"{prefix}_quote_or_no_quote_reason",
        violation_error_message=_("请填写原文引用，或说明无原文引用的理由。"),
    )


class Document(models.Model):
    """A source document: a plan that sets targets, or an article that reports figures."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DocumentKind.choices)
    title_zh = models.CharField(_("标题"), max_length=200)
    title_en = models.CharField(_("英文标题"), max_length=300, blank=True)
    issuer_zh = models.CharField(_("发布机关"), max_length=300, blank=True)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    issued_year = models.PositiveSmallIntegerField(_("发布年份"))
    date_note = models.TextField(_("日期说明"), blank=True)
    horizon_years = models.JSONField(_("目标年份"), default=list, blank=True)
    source_file = models.CharField(
        _("原文文件"),
        max_length=100,
        blank=True,
        help_text=_("原文文件名：基础目录中的文件在 fixtures/sources/ 下；上传的文件记其原名。"),
    )
    quote_file = models.CharField(
        _("引用文本文件"),
        max_length=100,
        blank=True,
        help_text=_("引用核对所用的文本（繁体原文的简体副本）；仅基础目录中的文件有。"),
    )
    source_text = models.TextField(
        _("原文文本"),
        blank=True,
        help_text=_("核对引用所用的全文：上传的文本文件，或基础目录的引用文本文件。"),
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        ordering = ["issued_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the interface's language: ``title_en`` in English where there is one."""
        return pick(self.title_zh, self.title_en)

    def contains_quote(self, quote: str) -> bool | None:
        """Whether ``quote`` occurs verbatim in the source text (whitespace ignored, as in
        :func:`indicators.catalog.quote_in_source`); ``None`` when there is no text to check."""
        if not self.source_text:
            return None
        return quote_in_text(quote, self.source_text)

    def in_force(self, year: int) -> bool:
        """A plan is in force from the year it was issued to its last horizon year."""
        if self.kind != DocumentKind.PLAN or not self.horizon_years:
            return False
        return self.issued_year <= year <= max(self.horizon_years)


class Indicator(models.Model):
    """A measurable quantity (or a qualitative target) that departments report on."""

    code = models.CharField(_("代码"), max_length=64, unique=True)
    name_zh = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    value_kind = models.CharField(_("数值类型"), max_length=20, choices=ValueKind.choices)
    decimals = models.PositiveSmallIntegerField(_("小数位数"), default=2)
    min_value = models.DecimalField(
        _("有效范围下限"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("有效范围上限"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    frequency = models.CharField(
        _("填报频率"), max_length=16, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    aggregation = models.CharField(
        _("全区汇总方式"), max_length=8, choices=Aggregation.choices, default=Aggregation.LEAD
    )
    region_department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("全区数值填报部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="region_indicators",
        limit_choices_to={"status": DepartmentStatus.CURRENT},
        help_text=_(
            "“取一个部门的数值”时，全区数值就是该部门的填报值。须为现部门，且对该指标负有填报职责"
            "（牵头、负责、按照职责分工负责或办公室指定）。留空则取目录中的牵头部门。"
        ),
    )
    region_parts = models.TextField(
        _("各部门所报部分"),
        blank=True,
        help_text=_(
            "“各部门分项求和”时必填：逐个写明每个填报部门所报的部分，各部分互不重叠。"
            "几个部门报同一个全区统计数时不能求和，应改为“取一个部门的数值”。"
        ),
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value_kind__in=ValueKind.values), name="indicator_value_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="indicator_frequency_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="indicator_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(aggregation__in=Aggregation.values), name="indicator_aggregation_valid"
            ),
            models.CheckConstraint(
                condition=Q(region_department__isnull=True) | Q(aggregation=Aggregation.LEAD),
                name="indicator_region_department_only_for_lead",
            ),
            models.CheckConstraint(
                condition=~Q(aggregation=Aggregation.SUM) | ~Q(region_parts=""),
                name="indicator_sum_declares_parts",
            ),
            models.CheckConstraint(condition=Q(decimals__lte=6), name="indicator_decimals_max_6"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="indicator_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the interface's language: ``name_en`` in English where there is one,
        else ``name_zh``."""
        return pick(self.name_zh, self.name_en)

    @property
    def display_unit(self) -> str:
        """The unit in the interface's language (:func:`indicators.units.unit_label`)."""
        return unit_label(self.unit)

    @property
    def is_qualitative(self) -> bool:
        return self.value_kind == ValueKind.QUALITATIVE

    def in_range(self, value: Decimal) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        return not (self.max_value is not None and value > self.max_value)


class AliasSource(models.TextChoices):
    """Where an indicator's other name comes from."""

    DOCUMENT = "document", _("文件原文")
    OFFICE = "office", _("办公室确认")


class IndicatorAlias(models.Model):
    """Another name of an indicator: the wording a document uses for it (with the passage that
    says so), or a name a file wrote that the office confirmed as this indicator.

    Files of reported values find indicators by these names too (``reports.exchange.names``).
    A name belongs to one indicator, also as files compare names (the region's prefix, quotes
    and a unit in brackets aside: :func:`departments.services.name_key`).
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("名称写法"), max_length=200, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=AliasSource.choices)
    document = models.ForeignKey(
        Document,
        verbose_name=_("文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_aliases",
    )
    clause = models.CharField(_("条款"), max_length=40, blank=True)
    quote = models.TextField(
        _("原文"),
        blank=True,
        help_text=_("文件中含有该写法的一句，须逐字出现在该文件的原文文本中（空白不计）。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("指标别名")
        verbose_name_plural = _("指标别名")
        ordering = ["indicator__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=AliasSource.values), name="indicator_alias_source_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(source=AliasSource.OFFICE, document__isnull=True, quote="")
                    | (Q(source=AliasSource.DOCUMENT, document__isnull=False) & ~Q(quote=""))
                ),
                name="indicator_alias_document_quoted",
                violation_error_message=_(
                    "文件原文中的写法须注明文件和原文；办公室确认的写法不引用文件。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """What a document says an indicator must reach by a year."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="targets"
    )
    document = models.ForeignKey(
        Document, verbose_name=_("文件"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("目标年份"))
    comparator = models.CharField(_("比较方式"), max_length=2, choices=Comparator.choices)
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=6, null=True, blank=True)
    clause = models.CharField(_("条款"), max_length=40)
    quote = models.TextField(_("原文"), blank=True, help_text=QUOTE_HELP)
    no_quote_reason = models.TextField(_("无原文引用的理由"), blank=True, help_text=NO_QUOTE_HELP)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["indicator__code", "year", "document__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "document", "year"], name="target_unique_per_document_year"
            ),
            models.CheckConstraint(
                condition=Q(comparator__in=Comparator.values), name="target_comparator_valid"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="target_year_plausible"
            ),
            quote_or_reason("target"),
        ]

    def __str__(self) -> str:
        # ``value`` may still be what a form or file gave (an int, a float) before it is saved.
        value = "—" if self.value is None else format_number(self.value)
        return f"{self.indicator} {self.get_comparator_display()} {value}（{self.year}）"

    def is_met_by(self, actual: Decimal | None) -> bool | None:
        """Whether ``actual`` meets this target; ``None`` when either side has no number."""
        if actual is None or self.value is None:
            return None
        return {
            Comparator.GTE: actual >= self.value,
            Comparator.GT: actual > self.value,
            Comparator.LTE: actual <= self.value,
            Comparator.LT: actual < self.value,
            Comparator.EQ: actual == self.value,
        }[self.comparator]


class Task(models.Model):
    """A qualitative task of a plan, tracked by a status and a narrative rather than a value."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    document = models.ForeignKey(
        Document, verbose_name=_("文件"), on_delete=models.PROTECT, related_name="tasks"
    )
    title_zh = models.CharField(_("任务"), max_length=300)
    clause = models.CharField(_("条款"), max_length=40)
    quote = models.TextField(_("原文"), blank=True, help_text=QUOTE_HELP)
    no_quote_reason = models.TextField(_("无原文引用的理由"), blank=True, help_text=NO_QUOTE_HELP)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["document__code", "code"]
        constraints = [quote_or_reason("task")]

    def __str__(self) -> str:
        return f"{self.clause} {self.title_zh}"


class Responsibility(models.Model):
    """A department's part in an indicator or a task, as one document assigns it.

    ``department_as_written`` keeps the document's own wording (for example 自治区质监局 in 2016);
    ``department`` is the row that wording names, which may be historical; ``current_department``
    follows successors to today's department.
    """

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("指标"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responsibilities",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responsibilities",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    department_as_written = models.CharField(_("原文部门写法"), max_length=100)
    role = models.CharField(_("职责"), max_length=16, choices=ResponsibilityRole.choices)
    document = models.ForeignKey(
        Document, verbose_name=_("文件"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    clause = models.CharField(_("条款"), max_length=40)
    quote = models.TextField(_("原文"), blank=True, help_text=QUOTE_HELP)
    no_quote_reason = models.TextField(_("无原文引用的理由"), blank=True, help_text=NO_QUOTE_HELP)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("职责分工")
        verbose_name_plural = _("职责分工")
        ordering = ["document__code", "clause", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=ResponsibilityRole.values), name="responsibility_role_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(indicator__isnull=False, task__isnull=True)
                    | Q(indicator__isnull=True, task__isnull=False)
                ),
                name="responsibility_indicator_xor_task",
            ),
            models.UniqueConstraint(
                fields=["indicator", "department", "document", "role"],
                condition=Q(indicator__isnull=False),
                name="responsibility_unique_indicator",
            ),
            models.UniqueConstraint(
                fields=["task", "department", "document", "role"],
                condition=Q(task__isnull=False),
                name="responsibility_unique_task",
            ),
            quote_or_reason("responsibility"),
        ]

    def __str__(self) -> str:
        subject = self.indicator or self.task
        return f"{subject} · {self.department_as_written}（{self.get_role_display()}）"

    @property
    def current_department(self):
        return self.department.current()


class ReportingAssignment(models.Model):
    """The office's decision that a department reports an indicator no document assigns.

    The Outline and the Action Plan's main targets name no department. Assignments fill that gap
    without pretending to be document content: they carry a ``basis`` (the department's remit)
    instead of a clause and quote.
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="assignments"
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(_("职责"), max_length=16, choices=ResponsibilityRole.choices)
    basis = models.TextField(_("指定依据"))

    class Meta:
        verbose_name = _("填报指定")
        verbose_name_plural = _("填报指定")
        ordering = ["indicator__code", "department__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "department", "role"], name="assignment_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=ResponsibilityRole.values), name="assignment_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.department}（{self.get_role_display()}）"
