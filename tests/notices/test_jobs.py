"""Beat names the notices' tasks that Celery's autodiscovery registers, and the demo's console
backend prints the mail."""

import pytest
from django.conf import settings

from notices.choices import NoticeKind
from notices.services import notice_email_send, notices_create
from qualityhub.celery import app
from tests.factories import UserFactory


def test_beat_runs_the_notices_tasks_under_their_stable_names():
    app.loader.import_default_modules()  # what a worker and beat do at start
    entries = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"].startswith("notices.")
    }
    assert entries == {
        "notices-tick-hourly": "notices.tasks.notices_tick_task",
        "notices-digest-weekly": "notices.tasks.notices_digest_task",
    }
    assert set(entries.values()) <= set(app.tasks)
    assert "notices.tasks.notices_send_task" in app.tasks


@pytest.mark.django_db
def test_the_console_backend_prints_the_mail(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    user = UserFactory(username="console", email="console@example.org")
    (notice,) = notices_create(
        recipients=[user],
        kind=NoticeKind.SUBMITTED,
        key="submitted:AGRI:2026Q3:1",
        params={"department": {"zh": "农牧厅", "en": ""}, "period": "2026Q3", "count": 2},
        link="/reports/inbox/",
    )
    assert notice_email_send(notice.pk)
    printed = capsys.readouterr().out
    assert "To: console@example.org" in printed and "Subject:" in printed
