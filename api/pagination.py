"""Every list of the API is paged (``?page=``, ``?page_size=`` up to 1,000).

A page number needs the list's length. For the lists of figures, reports and gap results, which
run to a million rows for the office, counting them is most of a page's time; their length is
kept in the cache under the dashboards' generation (``reports.cache``), which every write of a
figure, a report or a gap result bumps after its commit. The cached length is therefore the
length of the list as it stands, for every user and filter alike (the key is the list's SQL).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from reports.cache import dashboard_version

COUNT_TIMEOUT = 600


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class GenerationCountedPaginator(Paginator):
    """A paginator whose count is cached for as long as the dashboards' generation lasts."""

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        sql, params = self.object_list.query.sql_with_params()
        digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        key = f"api:count:{dashboard_version()}:{digest}"
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            cache.set(key, count, COUNT_TIMEOUT)
        return count


class GenerationCountedPagination(Pagination):
    """:class:`Pagination` for lists whose every write bumps the dashboards' generation."""

    django_paginator_class = GenerationCountedPaginator
