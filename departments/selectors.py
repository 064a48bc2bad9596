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


def unconfirmed_reasons() -> dict[int, list[str]]:
    """Every department's pk → the ``unconfirmed`` texts along its chain of successors (itself
    first), for the departments whose resolution to today's department is not confirmed. One
    query; a department missing from the result is confirmed."""
    rows = {
        pk: (successor_id, unconfirmed)
        for pk, successor_id, unconfirmed in Department.objects.values_list(
            "pk", "successor_id", "unconfirmed"
        )
    }
    reasons: dict[int, list[str]] = {}
    for start in rows:
        found, seen, pk = [], set(), start
        while pk is not None and pk in rows and pk not in seen:
            seen.add(pk)
            successor_id, unconfirmed = rows[pk]
            if unconfirmed:
                found.append(unconfirmed)
            pk = successor_id
        if found:
            reasons[start] = found
    return reasons
