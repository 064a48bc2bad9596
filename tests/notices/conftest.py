"""A real SMTP server in the test process (aiosmtpd), and the cast of the access matrix with
e-mail addresses."""

from __future__ import annotations

import email
import socket
import time
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.reports.conftest import QUARTER, people  # noqa: F401  (Alice, Bob, Charlie, Olivia)

__all__ = ["QUARTER"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received; ``delay`` makes each message slow to accept."""

    def __init__(self):
        self.envelopes = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # holds the server's loop: a slow server, on purpose
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=policy.default)
            for e in self.envelopes
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    @property
    def recipients(self) -> list[str]:
        return sorted(r for e in self.envelopes for r in e.rcpt_tos)


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10


@pytest.fixture
def mailbox(settings):
    """An SMTP server on 127.0.0.1 and a free port; Django's SMTP backend points at it."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    settings.SITE_URL = "https://qualityhub.example"
    yield box
    controller.stop()


@pytest.fixture
def cast(people):  # noqa: F811
    """The access matrix's people, each with an e-mail address."""
    for user in (people.owner, people.reviewer, people.outsider, people.office, people.admin):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return people
