"""DHIS2's data-value resource, under ``/api/`` (included by ``api.urls``): docs/api.md,
"DHIS2-compatible endpoints"."""

from django.urls import path

from . import dhis2

urlpatterns = [
    path("dataValueSets", dhis2.DataValueSetsView.as_view(), name="dhis2-data-value-sets"),
    path(
        "dataValueSets.json",
        dhis2.DataValueSetsJsonView.as_view(),
        {"format": "json"},
        name="dhis2-data-value-sets-json",
    ),
    path(
        "dataValueSets.csv",
        dhis2.DataValueSetsCsvView.as_view(),
        {"format": "csv"},
        name="dhis2-data-value-sets-csv",
    ),
]
