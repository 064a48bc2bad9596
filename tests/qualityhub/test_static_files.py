"""Static files come from the app server itself (WhiteNoise), with no CDN and no other server."""

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_collected_static_files_are_served_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()  # its middleware, WhiteNoise included, starts after collectstatic
    response = client.get("/static/plotly/plotly.min.js")
    assert response.status_code == 200
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()
    css = client.get("/static/css/qualityhub.css")
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert client.get("/static/no-such-file.js").status_code == 404
