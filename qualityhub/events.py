"""Signals that let a lower app tell a higher one that follow-up work is due.

The catalogue (``departments``, ``indicators``) sits below ``reports`` and may not import it, yet a
changed target must lead to a new gap computation and fresh dashboards. Every catalogue service
sends :data:`catalogue_changed` once its transaction has committed; ``reports`` listens (see
``reports.apps``). This is the only signal in QualityHub: everything else is a direct call.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

#: Sent after a commit that changed documents, indicators, targets, tasks, responsibilities,
#: assignments or departments. ``sender`` is the model class that changed.
catalogue_changed = Signal()


def catalogue_changed_on_commit(sender: type) -> None:
    transaction.on_commit(lambda: catalogue_changed.send(sender=sender))
