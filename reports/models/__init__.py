"""The reports app's models, one module per topic, all under the ``reports`` app label.

Tables and migrations are those of the single ``reports`` app; the split is for readers only.
"""

from .exchange import ImportColumnMapping, ImportJob
from .gaps import GapResult
from .periods import ReportingPeriod
from .quality import ValueBounds
from .scorecards import Scorecard, ScorecardRun, scorecard_upload_to
from .values import (
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    evidence_upload_to,
)
from .workflow import DepartmentScopedQuerySet, WorkflowRow

__all__ = [
    "DepartmentScopedQuerySet",
    "GapResult",
    "ImportColumnMapping",
    "ImportJob",
    "QualitativeReport",
    "QualitativeReportChange",
    "ReportedValue",
    "ReportedValueChange",
    "ReportingPeriod",
    "Scorecard",
    "ScorecardRun",
    "ValueBounds",
    "WorkflowRow",
    "evidence_upload_to",
    "scorecard_upload_to",
]
