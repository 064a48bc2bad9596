"""The error a values file is refused with, as a whole.

Reading the file is :mod:`qualityhub.spreadsheets` (xlsx, xls, csv) and :mod:`.dhis2`; finding its
table is :mod:`.layout`; what each cell means is :mod:`.meaning`; checking every row against the
catalogue is :mod:`.checking`.
"""

from __future__ import annotations


class ImportFileError(Exception):
    """The file cannot be read as a table of reported values; the message says why, in Chinese."""
