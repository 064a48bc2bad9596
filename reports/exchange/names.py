"""Finding the indicator and the department a file names, as people write them.

A department's file writes 自治区市场监督管理局 for 市场监管局, an indicator's name with its unit
in brackets, straight quotes or none, an old plan's wording. Names are compared by
:func:`normalise` (the region's prefix, quotes, spaces, width, case and a trailing unit aside),
against every name the catalogue holds: codes, Chinese and English names, short names, and the
aliases (a department's former names, each plan's wording of an indicator, names the office
confirmed). A department's name leads to today's department.

Nothing is guessed. A name is found when it is exactly one row's name as typed (width, case and
spaces aside), or else when it compares equal to names of one row only; a name that compares
equal to two rows' names is found as neither, and both are offered. So is a name the catalogue
writes only with the region's prefix, written without it, where another row's name holds it too
(质检中心数量: 自治区质检中心数量 or 国家质检中心数量?). What is not found gets the closest names
instead ("did you mean"), which the office may confirm: the name is then kept as an alias
(``indicators.services.indicator_alias_save``, ``departments.services.department_alias_save``)
and the next file finds it, exactly as typed even where it compares equal to several rows.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from departments.models import Department, DepartmentAlias
from departments.selectors import current_department_ids
from departments.services import NameOwners, name_fold, name_key, split_name
from indicators.models import Indicator, IndicatorAlias

#: Suggestions score at least this (0–1; see :func:`similarity`). A typo in a name of four or
#: more characters scores about 0.75 and above, a name half written about 0.65; two unrelated
#: names that share a common ending (…合格率, …局) stay below.
SUGGESTION_THRESHOLD = 0.6
#: ...and no further than this below the closest: one clear match is offered alone.
SUGGESTION_MARGIN = 0.15
#: Distinct names per file that get suggestions; beyond that a file is not a list of names
#: with typos, and scoring each against the whole catalogue would only slow its check down.
SUGGESTED_NAMES_MAX = 1000

T = TypeVar("T")


def normalise(text: str) -> str:
    """The key a file's name and a catalogue name are compared by.

    NFKC (full-width letters, digits and brackets as ASCII), no whitespace or invisible
    characters, case folded; quotation marks (“”‘’"'「」『』《》〈〉) removed; trailing punctuation
    and a trailing unit in brackets (``（%）``, ``(%)``, ``（个）``, ``（万件）``, ``[%]``,
    ``（单位：%）``) or a bare ``%`` removed; then one leading 内蒙古自治区, 内蒙古 or 自治区. See
    :func:`departments.services.name_key`, which the catalogue's services use too, so that an
    alias they accept is one this index can find.
    """
    return name_key(text)


#: No catalogue name is longer (``Indicator.name_zh``, ``IndicatorAlias.name``).
NAME_MAX_CHARS = 200


def looks_like_name(key: str) -> bool:
    """Whether a normalised text could be a name at all: two to 200 characters, with a letter
    or a Chinese character (not empty, not a number, not a lone character, not a paragraph)."""
    return 2 <= len(key) <= NAME_MAX_CHARS and any(c.isalpha() for c in key)


def similarity(a: str, b: str) -> float:
    """How close two normalised names are, 0–1: the best of difflib's ratio (characters in
    order), the characters they share whatever the order (产品制造业 for 制造业产品) discounted a
    little, and containment (监督管理局 in 市场监督管理局) weighted by how much of the longer
    name it covers."""
    matcher = difflib.SequenceMatcher(None, b, a, autojunk=False)
    return _score(matcher, a, b)


def _score(matcher: difflib.SequenceMatcher, a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    score = max(matcher.ratio(), 0.9 * matcher.quick_ratio())
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 2 and shorter in longer:
        score = max(score, 0.25 + 0.75 * len(shorter) / len(longer))
    return score


class _Names(Generic[T]):
    """One kind of row by all its names: look-ups by dictionary, suggestions by similarity."""

    def __init__(self, rows: dict[Hashable, T], names: Iterable[tuple[str, Hashable]]):
        self.rows = rows
        names = [(name, owner) for name, owner in names if name and owner in rows]
        self.owners = NameOwners.of(names)
        #: Keys some row's name reaches as written, without dropping the region's prefix.
        self.unprefixed = {
            key for name, _ in names for prefix, key in [split_name(name)] if not prefix
        }
        #: Each distinct key once per row, for suggestions.
        self.keys = sorted({(key, owner) for name, owner in names if (key := name_key(name))})
        self._found: dict[str, T | None] = {}
        self._suggested: dict[tuple[str, int], list[T]] = {}
        self._scored = 0  # texts scored against every name (SUGGESTED_NAMES_MAX)

    def meant(self, text: str) -> set[Hashable]:
        """The rows ``text`` may mean: the rows whose name it is as typed, or else those whose
        names it compares equal to.

        One guard: where the catalogue writes a name only with the region's prefix and the text
        leaves it out, the prefix may be what told two rows apart (自治区质检中心数量 beside
        国家质检中心数量, 内蒙古老字号 beside 中华老字号企业), so every row whose name holds
        the rest (质检中心数量, 老字号) may be meant too.
        """
        if not isinstance(text, str):
            return set()
        exact = self.owners.folded.get(name_fold(text))
        if exact:
            return set(exact)
        prefix, key = split_name(text)
        meant = set(self.owners.keyed.get(key, ()))
        if meant and not prefix and key not in self.unprefixed:
            meant |= {owner for name, owner in self.keys if key in name}
        return meant

    def find(self, text: str) -> T | None:
        try:
            return self._found[text]
        except KeyError:
            pass
        meant = self.meant(text)
        found = self.rows[next(iter(meant))] if len(meant) == 1 else None
        self._found[text] = found
        return found

    def suggest(self, text: str, n: int) -> list[T]:
        cache_key = (text, n)
        if cache_key not in self._suggested:
            self._suggested[cache_key] = self._suggest(text, n)
        return self._suggested[cache_key]

    def _suggest(self, text: str, n: int) -> list[T]:
        if not isinstance(text, str) or n <= 0:
            return []
        key = name_key(text)
        meant = self.meant(text)
        if meant:  # found, or rows that share the name: offer them, closest first
            best = self._scores(key, only=meant)
            return self._ranked(best, floor=0.0, n=n)
        if not looks_like_name(key) or self._scored >= SUGGESTED_NAMES_MAX:
            return []
        self._scored += 1
        best = self._scores(key)
        if not best:
            return []
        floor = max(SUGGESTION_THRESHOLD, max(best.values()) - SUGGESTION_MARGIN)
        return self._ranked(best, floor=floor, n=n)

    def _scores(self, key: str, only: set[Hashable] | None = None) -> dict[Hashable, float]:
        """Each row's best score against ``key`` over its names: of the rows ``only`` names,
        or of those above the threshold."""
        best: dict[Hashable, float] = {}
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(key)  # difflib caches what it learns about the second sequence
        for name, owner in self.keys:
            if only is not None and owner not in only:
                continue
            matcher.set_seq1(name)
            # Cheap upper bounds of the ratio and the shared characters first: most names
            # share too little to come close.
            if (
                only is None
                and not (key in name or name in key)
                and (
                    matcher.real_quick_ratio() < SUGGESTION_THRESHOLD
                    or matcher.quick_ratio() < SUGGESTION_THRESHOLD
                )
            ):
                continue
            score = _score(matcher, key, name)
            if score >= best.get(owner, -1.0):
                best[owner] = score
        return best

    def _ranked(self, best: dict[Hashable, float], *, floor: float, n: int) -> list[T]:
        ranked = sorted(
            (owner for owner, score in best.items() if score >= floor),
            key=lambda owner: (-best[owner], str(self.rows[owner])),
        )
        return [self.rows[owner] for owner in ranked[:n]]


class NameIndex:
    """Built once per file check: a few queries, then dictionary look-ups.

    ``indicator`` and ``department`` return the one row a name means, or ``None`` when it
    means none or more than one; each distinct text is worked out once. ``*_suggestions``
    return at most ``n`` rows for a name that was not found, closest first (the rows a shared
    name means, for one that means several), also worked out once per text.
    """

    def __init__(self):
        indicators = {i.pk: i for i in Indicator.objects.all()}
        indicator_names = [
            (name, i.pk) for i in indicators.values() for name in (i.code, i.name_zh, i.name_en)
        ]
        indicator_names += IndicatorAlias.objects.values_list("name", "indicator_id")
        self._indicators = _Names(indicators, indicator_names)

        departments = {d.pk: d for d in Department.objects.all()}
        today = current_department_ids()
        department_names = [
            (name, today.get(d.pk, d.pk))
            for d in departments.values()
            for name in (d.code, d.name_zh, d.short_name_zh, d.name_en)
        ]
        department_names += [
            (name, today.get(pk, pk))
            for name, pk in DepartmentAlias.objects.values_list("name", "department_id")
        ]
        current = {pk: departments[pk] for pk in set(today.values()) if pk in departments}
        self._departments = _Names(current, department_names)

    def indicator(self, text: str) -> Indicator | None:
        return self._indicators.find(text)

    def department(self, text: str) -> Department | None:
        """Today's department: a former name leads to the department that took over."""
        return self._departments.find(text)

    def indicator_suggestions(self, text: str, n: int = 3) -> list[Indicator]:
        return self._indicators.suggest(text, n)

    def department_suggestions(self, text: str, n: int = 3) -> list[Department]:
        return self._departments.suggest(text, n)
