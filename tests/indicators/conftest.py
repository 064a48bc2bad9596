import io

import pytest
from django.test import Client
from openpyxl import Workbook

from departments.services import catalogue_batch
from indicators.services import document_save
from tests.factories import UserFactory

#: The text of a plan that is not in the fixtures, as an admin would upload it.
PLAN_TEXT = (
    "内蒙古自治区质量强区建设三年行动计划（2026—2028年）\n"
    "一、主要目标\n"
    "到2028年，制造业产品质量合格率达到96%以上，\n"
    "消费品质量合格率不低于80%，\n"
    "农畜产品质量安全例行监测合格率保持在98%以上。\n"
)


@pytest.fixture
def admin_client(catalog) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def plan(catalog):
    """A new plan whose source text is in the database (as if uploaded in the admin)."""
    with catalogue_batch():
        return document_save(
            code="plan-2026",
            kind="plan",
            title_zh="质量强区建设三年行动计划",
            issued_year=2026,
            horizon_years=[2028],
            source_text=PLAN_TEXT,
            source_file="行动计划.txt",
            acting_user=None,
        ).obj


def xlsx(*rows) -> bytes:
    """An xlsx whose cells are exactly ``rows`` (ints stay numeric cells, ``None`` is empty)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
