"""Every list of the API is paged (``?page=``, ``?page_size=`` up to 1,000).

A page number needs the list's length. For the lists of figures, reports and gap results, which
run to a million rows for the office, counting them is most of a page's time; their length is
kept in the cache under the dashboards' generation (``reports.cache``), which every write of a
figure, a report or a gap result bumps after its commit. The cached length is therefore the
length of the list as it stands, for every user and filter alike (the key is the list's SQL).
The values list keeps its pages there too (:class:`GenerationCachedList`), as the overview
keeps its page.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import get_language
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from reports.cache import dashboard_version

COUNT_TIMEOUT = 600


def generation_key(kind: str, queryset, *extra) -> str | None:
    """A cache key for what ``queryset`` reads, valid while the dashboards' generation lasts
    (``None`` when it cannot be keyed: not a queryset, or one that matches nothing by
    construction)."""
    if not isinstance(queryset, QuerySet):
        return None
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    digest = hashlib.sha256(repr((sql, params, extra)).encode()).hexdigest()
    return f"api:{kind}:{dashboard_version()}:{digest}"


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class GenerationCountedPaginator(Paginator):
    """A paginator whose count is cached for as long as the dashboards' generation lasts."""

    @cached_property
    def count(self) -> int:
        key = generation_key("count", self.object_list)
        if key is None:
            return super().count
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            cache.set(key, count, COUNT_TIMEOUT)
        return count


class GenerationCountedPagination(Pagination):
    """:class:`Pagination` for lists whose every write bumps the dashboards' generation."""

    django_paginator_class = GenerationCountedPaginator


class GenerationCachedList:
    """A list view whose pages are kept in the cache under the dashboards' generation.

    The key is the list's SQL (so the user's scope and the filters), the page asked for, the
    language and the site's address (the rows link to their pages); every write of the rows
    bumps the generation, so a kept page is the page as it stands.
    """

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        key = generation_key(
            "page",
            queryset,
            sorted(request.query_params.lists()),
            get_language(),
            request.build_absolute_uri("/"),
        )
        data = cache.get(key) if key is not None else None
        if data is None:
            page = self.paginate_queryset(queryset)
            data = self.get_paginated_response(self.get_serializer(page, many=True).data).data
            if key is not None:
                cache.set(key, data, COUNT_TIMEOUT)
        return Response(data)
