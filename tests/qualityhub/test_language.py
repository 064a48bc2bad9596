import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    return client


def test_chinese_is_shown_even_to_a_browser_that_prefers_english(staff_client):
    url = reverse("admin:indicators_indicator_changelist")
    response = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "指标" in page and "English" in page  # the switch offers English


def test_english_is_available_through_the_language_switch(staff_client):
    response = staff_client.post(
        reverse("set_language"), {"language": "en", "next": "/admin/"}, follow=False
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = staff_client.get(reverse("admin:indicators_indicator_changelist")).content.decode()
    assert "Select Indicator to change" in page
    assert "中文" in page
    page = staff_client.get(reverse("admin:indicators_target_changelist")).content.decode()
    assert "Comparator" in page and "Target year" in page


def test_periods_and_the_two_senses_of_quarter_read_right_in_english(staff_client):
    from django.utils import translation

    from indicators.choices import Frequency
    from reports.periods import Period

    with translation.override("en"):
        assert Period.parse("2024Q3").label == "2024 Q3"
        assert Period.parse("2024S1").label == "2024 H1" and Period.parse("2024").label == "2024"
        assert str(Frequency.QUARTERLY.label) == "Quarterly"
    with translation.override("zh-hans"):
        assert Period.parse("2024Q3").label == "2024年第三季度"
        assert str(Frequency.QUARTERLY.label) == "季度"
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = staff_client.get(reverse("reports:overview") + "?period=2026Q3").content.decode()
    assert "2026 Q3" in page and "Quarter<input" in page and "2026年第三季度" not in page
