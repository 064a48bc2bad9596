"""Signals that let a lower app tell a higher one that follow-up work is due.

The catalogue (``departments``, ``indicators``) sits below ``reports`` and may not import it, yet a
changed target must lead to a new gap computation and fresh dashboards. Every catalogue service
sends :data:`catalogue_changed` once its transaction has committed; ``reports`` listens (see
``reports.apps``).

In the same way ``reports`` sits below ``notices``: the review workflow
(``reports.reporting.services``) sends :data:`row_returned` and :data:`rows_submitted` after its
commit, and ``notices`` tells the people concerned (see ``notices.apps``). These three are the
only signals in QualityHub: everything else is a direct call.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.dispatch import Signal

#: Sent after a commit that changed documents, indicators, targets, tasks, responsibilities,
#: assignments or departments. ``sender`` is the model class that changed.
catalogue_changed = Signal()


def catalogue_changed_on_commit(sender: type) -> None:
    transaction.on_commit(lambda: catalogue_changed.send(sender=sender))


#: Sent after a commit that returned a submitted row to its department, or reopened an approved
#: one. ``sender`` is the row's model class; keyword arguments ``row`` (the reported value or
#: qualitative report), ``action`` (``return`` or ``reopen``), ``comment`` (why) and
#: ``acting_user`` (the office user).
row_returned = Signal()

#: Sent after a commit that submitted a department's rows for review. ``sender`` is the model
#: class of the row (one row submitted on its own) or ``Department`` (a whole quarter's form);
#: keyword arguments ``department``, ``period`` (a period id, ``2026Q3``), ``count`` (rows
#: submitted), ``acting_user`` and ``row`` (the row, or ``None`` for a whole form).
rows_submitted = Signal()

# Inside a form's submission, each row's own announcement is held back: the form announces them
# together, once.
_one_submission: ContextVar[bool] = ContextVar("one_submission", default=False)


@contextmanager
def one_submission():
    """Rows submitted inside this block announce nothing; the caller announces them together."""
    token = _one_submission.set(True)
    try:
        yield
    finally:
        _one_submission.reset(token)


def row_returned_on_commit(row, *, action: str, comment: str, acting_user) -> None:
    # send_robust: a receiver's failure is logged and never undoes or fails the committed write.
    transaction.on_commit(
        lambda: row_returned.send_robust(
            sender=type(row), row=row, action=action, comment=comment, acting_user=acting_user
        )
    )


def rows_submitted_on_commit(
    *, sender: type, department, period: str, count: int, acting_user, row=None
) -> None:
    if row is not None and _one_submission.get():
        return
    transaction.on_commit(
        lambda: rows_submitted.send_robust(
            sender=sender,
            department=department,
            period=period,
            count=count,
            acting_user=acting_user,
            row=row,
        )
    )
