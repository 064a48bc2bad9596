"""factory_boy factories for test data that is not the real catalogue."""

import factory
from django.contrib.auth import get_user_model

from departments.choices import DepartmentStatus
from departments.models import Department
from indicators.choices import Aggregation, Category, Comparator, Frequency, ValueKind
from indicators.models import Document, Indicator, Target


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"T_DEPT_{n}")
    name_zh = factory.Sequence(lambda n: f"测试部门{n}")
    short_name_zh = factory.Sequence(lambda n: f"测试{n}")
    status = DepartmentStatus.CURRENT


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    code = factory.Sequence(lambda n: f"test-doc-{n}")
    kind = "plan"
    title_zh = factory.Sequence(lambda n: f"测试规划{n}")
    issued_year = 2026
    source_file = "001_30bb0d2f8fb04b9c.txt"
    quote_file = "001_30bb0d2f8fb04b9c.txt"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"T_IND_{n}")
    name_zh = factory.Sequence(lambda n: f"测试指标{n}")
    unit = "%"
    value_kind = ValueKind.RATE
    decimals = 2
    min_value = 0
    max_value = 100
    frequency = Frequency.QUARTERLY
    category = Category.PRODUCTS
    aggregation = Aggregation.LEAD


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    document = factory.SubFactory(DocumentFactory)
    year = 2030
    comparator = Comparator.GTE
    value = 95
    clause = "一（一）"
    quote = "测试"
