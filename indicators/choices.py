from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentKind(models.TextChoices):
    PLAN = "plan", _("规划文件")
    ARTICLE = "article", _("报道文章")


class Comparator(models.TextChoices):
    """How an actual value is compared with its target.

    The plans write "达到X以上" (at least X), "超过X" (more than X) and "控制在X以内" (at most X);
    ``>`` and ``<`` keep the documents' own numbers instead of rewriting "超过40家" as "≥41".
    """

    GTE = ">=", "≥"
    GT = ">", ">"
    LTE = "<=", "≤"
    LT = "<", "<"
    EQ = "=", "="


class ValueKind(models.TextChoices):
    RATE = "rate", _("比率（%）")
    SCORE = "score", _("得分")
    INDEX = "index", _("指数")
    COUNT = "count", _("数量（存量）")
    CUMULATIVE_COUNT = "cumulative_count", _("累计数量")
    INCREMENT = "increment", _("新增数量")
    QUALITATIVE = "qualitative", _("定性")


class Frequency(models.TextChoices):
    # 季度 is also the word for "quarter" (a period); the context keeps the two apart.
    QUARTERLY = "quarterly", pgettext_lazy("frequency", "季度")
    HALF_YEARLY = "half_yearly", pgettext_lazy("frequency", "半年")
    ANNUAL = "annual", pgettext_lazy("frequency", "年度")


class Category(models.TextChoices):
    """The Outline's headings."""

    ECONOMIC = "economic", _("经济发展质量效益")
    INDUSTRY = "industry", _("产业质量竞争力")
    PRODUCTS = "products", _("产品、工程、服务质量")
    BRANDS = "brands", _("品牌建设")
    INFRASTRUCTURE = "infrastructure", _("质量基础设施")
    GOVERNANCE = "governance", _("质量治理体系")


class Aggregation(models.TextChoices):
    """How department figures combine into the region-wide figure.

    ``lead``: one department's figure is the region's (``Indicator.region_department``, or the
    catalogue's lead). ``sum`` only where departments report disjoint parts, written down in
    ``Indicator.region_parts``: several reports of one regional statistic are never added.
    """

    LEAD = "lead", _("取一个部门的数值")
    SUM = "sum", _("各部门分项求和")
    MIN = "min", _("取最小值")
    MEAN = "mean", _("取平均值")


class ResponsibilityRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    RESPONSIBLE = "responsible", _("负责")
    SHARED = "shared", _("按照职责分工负责")
    SUPPORT = "support", _("配合")


#: Roles whose department enters the figure itself; a support department only sees it.
REPORTING_ROLES = (
    ResponsibilityRole.LEAD,
    ResponsibilityRole.RESPONSIBLE,
    ResponsibilityRole.SHARED,
)
