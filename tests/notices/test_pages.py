"""The notices list, the header's unread count, marking read, and the preferences page: each
user reaches their own notices only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices.choices import NoticeKind
from notices.models import Notice, NoticePreference
from notices.selectors import unread_count
from notices.services import notices_create

pytestmark = pytest.mark.django_db


def _reminder(user, key="reminder:2026Q3:IPA"):
    (notice,) = notices_create(
        recipients=[user],
        kind=NoticeKind.REMINDER,
        key=key,
        params={
            "quarter": "2026Q3",
            "deadline": "2026-10-15",
            "department": {"zh": "知识产权局", "en": "Intellectual Property Administration"},
            "missing": 2,
            "draft": 1,
            "returned": 0,
            "open": 3,
        },
        link="/reports/form/?period=2026Q3",
    )
    return notice


def test_the_header_counts_the_unread_notices_in_one_query(cast, client, django_assert_num_queries):
    _reminder(cast.outsider)
    _reminder(cast.outsider, key="reminder:2026Q2:IPA")
    with django_assert_num_queries(1):
        assert unread_count(cast.outsider) == 2
    client.force_login(cast.outsider)
    page = client.get(reverse("reports:form")).content.decode()
    assert 'id="notices-unread"' in page and ">2</span>" in page
    client.force_login(cast.owner)
    assert 'id="notices-unread"' not in client.get(reverse("reports:form")).content.decode()


def test_the_list_shows_the_users_own_notices_in_the_readers_language(cast, client):
    _reminder(cast.outsider)
    client.force_login(cast.outsider)
    page = client.get("/notices/").content.decode()
    assert "2026年第三季度填报将于2026-10-15截止" in page
    assert "知识产权局在2026年第三季度还有 3 项未完成" in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/notices/"})
    english = client.get("/notices/").content.decode()
    assert "2026 Q3" in english and "Intellectual Property Administration" in english

    client.force_login(cast.owner)
    assert "填报将于" not in client.get("/notices/").content.decode()


def test_mark_read_and_mark_all_read(cast, client):
    first = _reminder(cast.outsider)
    second = _reminder(cast.outsider, key="reminder:2026Q2:IPA")
    client.force_login(cast.outsider)

    response = client.post("/notices/read/", {"notice": first.pk, "page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notices/"
    first.refresh_from_db()
    assert first.read_at is not None and unread_count(cast.outsider) == 1

    response = client.post("/notices/read/", {"notice": second.pk, "open": "1"})
    assert response["Location"] == "/reports/form/?period=2026Q3"

    third = _reminder(cast.outsider, key="reminder:2026Q1:IPA")
    client.post("/notices/read-all/")
    third.refresh_from_db()
    assert third.read_at is not None and unread_count(cast.outsider) == 0


def test_nobody_marks_anothers_notice_and_bad_ids_are_refused_politely(cast, client):
    notice = _reminder(cast.outsider)
    client.force_login(cast.owner)
    for value in (notice.pk, "abc", "9" * 40, "-1", "１２", ""):
        response = client.post("/notices/read/", {"notice": value}, follow=True)
        assert response.status_code == 200
        assert "没有找到这条通知。" in response.content.decode()
    client.post("/notices/read-all/")
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_pages_need_a_login_and_posts_only(cast, client):
    assert client.get("/notices/").status_code == 302
    assert client.post("/notices/read-all/").status_code == 302
    client.force_login(cast.outsider)
    assert client.get("/notices/read/").status_code == 405
    assert client.get("/notices/?page=99999999999999999999").status_code == 200


def test_the_list_is_paged(cast, client):
    for n in range(25):
        _reminder(cast.outsider, key=f"reminder:{n}")
    client.force_login(cast.outsider)
    first = client.get("/notices/").content.decode()
    assert first.count('name="notice"') == 20 and "第 1 / 2 页" in first
    assert client.get("/notices/?page=2").content.decode().count('name="notice"') == 5


def test_preferences_offer_the_kinds_of_the_users_role(cast, client):
    client.force_login(cast.owner)
    page = client.get("/notices/preferences/").content.decode()
    for kind in ("reminder", "overdue", "returned"):
        assert f'name="email_{kind}"' in page and f'name="in_app_{kind}"' in page
    assert 'name="email_digest"' not in page

    client.force_login(cast.office)
    page = client.get("/notices/preferences/").content.decode()
    assert 'name="email_digest"' in page and 'name="in_app_submitted"' in page
    response = client.post(
        "/notices/preferences/", {"email_digest": "on", "email_reminder": "on"}, follow=True
    )
    assert "通知设置已保存。" in response.content.decode()
    stored = {
        p.kind: (p.email, p.in_app) for p in NoticePreference.objects.filter(user=cast.office)
    }
    assert stored == {"digest": (True, False), "submitted": (False, False)}

    client.force_login(cast.admin)
    assert "你的角色没有可设置的通知。" in client.get("/notices/preferences/").content.decode()


def test_a_notice_is_made_once_per_recipient_and_occasion(cast):
    _reminder(cast.outsider)
    assert (
        notices_create(
            recipients=[cast.outsider],
            kind=NoticeKind.REMINDER,
            key="reminder:2026Q3:IPA",
            params={},
        )
        == []
    )
    assert Notice.objects.count() == 1
