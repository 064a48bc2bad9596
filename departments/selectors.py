"""Reads of departments."""

from __future__ import annotations

from .models import Department


def current_department_ids() -> dict[int, int]:
    """Every department's pk → the pk of the department that holds its duties today.

    One query; follows successors (the 2018 reform and later) to the end of the chain.
    """
    successor = dict(Department.objects.values_list("pk", "successor_id"))

    def current(pk: int) -> int:
        seen = set()
        while successor.get(pk) is not None and pk not in seen:
            seen.add(pk)
            pk = successor[pk]
        return pk

    return {pk: current(pk) for pk in successor}
