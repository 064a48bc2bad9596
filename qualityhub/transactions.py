"""Follow-up work after a commit, registered once however many writes ask for it."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


class _Once:
    """A callback waiting for the commit; it equals the function it runs."""

    def __init__(self, func: Callable[[], object]):
        self.func = func
        self.ran = False
        self.__qualname__ = getattr(func, "__qualname__", repr(func))

    def __call__(self) -> None:
        self.ran = True
        self.func()

    def __eq__(self, other) -> bool:
        return other is self or other is self.func

    def __hash__(self) -> int:
        return hash(self.func)


def on_commit_once(func: Callable[[], object]) -> None:
    """Run ``func`` once the current transaction commits, however often it is asked for.

    A thousand values written in one transaction all ask for fresh dashboards and a new gap
    computation; one of each is wanted. Outside a transaction ``func`` runs at once, as with
    :func:`django.db.transaction.on_commit`. A request made inside a savepoint that is rolled
    back is dropped with it (Django removes its callbacks), so a later one registers again.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, registered, _robust in connection.run_on_commit:
            if isinstance(registered, _Once) and registered.func is func and not registered.ran:
                return
    transaction.on_commit(_Once(func))
