"""The gap-to-target engine: pure, vectorised computation on pandas frames.

Method (written down, with every difference from the reference, in docs/gaps.md): Statistics
Canada's progress measure for quantitative targets, as implemented by Open SDG's sdg-build
(``sdg/ProgressMeasure.py``, ``SeriesProgress.methodology_2``). It works on annual steps. For a
series with the base year's figure ``b`` in year ``y0``, a current figure ``x`` of year ``y``
and a target ``T`` for year ``yT``:

    observed CAGR  r_o = (x / b) ** (1 / (y - y0)) - 1
    required CAGR  r_r = (T / b) ** (1 / (yT - y0)) - 1
    ratio          p   = sign(b) * direction * r_o / |r_r|

A zero base or target counts as 0.001 in these two rates. Status: achieved when the current value
meets the target; otherwise on track when p ≥ 0.95, at risk when 0.6 ≤ p < 0.95, off track when
p < 0.6 (the reference's "limited progress" and "deterioration" together; the ratio is kept).
No ratio (insufficient data) with less than one whole year between the base year and the
current figure, a base and current value of opposite signs, or no numeric target. Where
QualityHub departs from the reference (a target whose year has ended unmet is off track whatever
the trend; ``>`` and ``<`` are strict; no numeric target, no status), docs/gaps.md says why.

A figure of a quarter or half-year is the year-to-date figure at its end, so it stands for its
year: it is compared with the base year's figure over whole years. The base year's figure is its
annual value, or without one its last reported period. Required pace and projection, which are
QualityHub's own additions, run on the time left to the end of the target year, measured from
the end of the period (2024Q3 → 2024.75, 2024 → 2025.0).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

ON_TRACK, AT_RISK, LOW = 0.95, 0.6, 0.0
EPSILON = 0.001  # the reference replaces a zero base value or target with 0.001
#: Projections at or beyond this size are not kept (GapResult.projection holds 14 integer digits).
PROJECTION_LIMIT = 1e14
#: The stored status words, in GapStatus order (reports/choices.py).
STATUSES = ["achieved", "on_track", "at_risk", "off_track", "no_data"]

# Comparator codes → direction (+1: higher is better, -1: lower is better).
DIRECTION = {">=": 1, ">": 1, "=": 1, "<=": -1, "<": -1}


def _per_distinct(periods: pd.Series, function) -> pd.Series:
    """Apply ``function`` to the distinct period ids only (a few dozen), then spread back."""
    if isinstance(periods.dtype, pd.CategoricalDtype):
        categories, codes = periods.cat.categories, periods.cat.codes.to_numpy()
    else:
        categorical = pd.Categorical(periods)
        categories, codes = categorical.categories, categorical.codes
    distinct = function(pd.Series(np.asarray(categories, dtype=object), dtype=object).astype(str))
    return pd.Series(np.asarray(distinct)[codes], index=periods.index)


def _end_years(text: pd.Series) -> np.ndarray:
    year = text.str.slice(0, 4).astype(int).to_numpy()
    kind = text.str.slice(4, 5).to_numpy()
    number = pd.to_numeric(text.str.slice(5, 6), errors="coerce").fillna(1).astype(int).to_numpy()
    months = np.select([kind == "Q", kind == "S"], [3 * number, 6 * number], default=12)
    return year + months / 12.0


def period_end_years(periods: pd.Series) -> pd.Series:
    """2024Q3 → 2024.75, 2024S1 → 2024.5, 2024 → 2025.0 (vectorised over period ids)."""
    return _per_distinct(periods, _end_years)


def period_years(periods: pd.Series) -> pd.Series:
    return _per_distinct(periods, lambda text: text.str.slice(0, 4).astype(int).to_numpy())


def period_is_annual(periods: pd.Series) -> pd.Series:
    """True for a year's own period id (``2024``), False for a quarter or half-year."""
    return _per_distinct(periods, lambda text: (text.str.len() == 4).to_numpy())


def attach_targets(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Give each value row the target in force for its year.

    ``targets``: indicator_id, target_id, year, value (target value), comparator,
    doc_year (the plan's issue year), doc_code. The target in force is the nearest target year at
    or after the value's year, the more recent plan winning a tie; with none ahead, the latest
    target (flagged ``expired``).
    """
    values = values.copy()
    values["year"] = period_years(values["period"])
    if targets.empty:
        for column in ("target_id", "target", "comparator", "target_year", "base_year"):
            values[column] = np.nan
        values["expired"] = False
        return values
    t = targets.sort_values(["indicator_id", "year", "doc_year"], ascending=[True, True, False])
    t = t.drop_duplicates(["indicator_id", "year"], keep="first")
    pairs = values[["indicator_id", "year"]].drop_duplicates()
    ahead = pairs.merge(t, on="indicator_id", suffixes=("", "_t"))
    ahead = ahead[ahead["year_t"] >= ahead["year"]].sort_values("year_t")
    ahead = ahead.drop_duplicates(["indicator_id", "year"], keep="first").assign(expired=False)
    latest = t.sort_values("year").drop_duplicates("indicator_id", keep="last")
    behind = pairs.merge(latest, on="indicator_id", suffixes=("", "_t")).assign(expired=True)
    chosen = pd.concat([ahead, behind]).drop_duplicates(["indicator_id", "year"], keep="first")
    chosen = chosen.rename(columns={"value": "target", "year_t": "target_year"})[
        [
            "indicator_id",
            "year",
            "target_id",
            "target",
            "comparator",
            "target_year",
            "doc_year",
            "expired",
        ]
    ]
    chosen["base_year"] = chosen["doc_year"] - 1  # a plan's baseline is the year before it
    return values.merge(chosen.drop(columns="doc_year"), on=["indicator_id", "year"], how="left")


def _series_starts(*keys: np.ndarray) -> np.ndarray:
    """Row positions where a new series begins, in rows sorted by ``keys``."""
    n = len(keys[0])
    start = np.zeros(n, dtype=bool)
    if n:
        start[0] = True
        for key in keys:
            start[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(start)


def _base_figures(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's baseline: the base year and that year's figure, for the row's series.

    ``frame`` is sorted by series (indicator, unit, target) and period end. The base year is the
    plan's base year, or the first later year with a figure (as the reference takes the next
    available year). Its figure is the year's annual value or, without one, its last reported
    period: a quarter's figure is the year-to-date one (docs/imports.md reads 1-9月累计 as Q3),
    so the last of the year is the year's. Rows of a series with no figure in or after the
    base year get NaN.
    """
    n = len(frame)
    starts = _series_starts(
        frame["indicator_id"].to_numpy(),
        frame["unit_id"].to_numpy(),
        frame["target_id"].fillna(-1).to_numpy(),
    )
    series = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    year = frame["year"].to_numpy()
    eligible = year >= frame["base_year"].to_numpy(dtype=float)  # NaN (no target) is False
    never = np.iinfo(np.int64).max
    first_year = np.minimum.reduceat(np.where(eligible, year, never).astype(np.int64), starts)
    in_base_year = eligible & (year == first_year[series])
    # The annual value outranks the fourth quarter, which ends at the same moment.
    rank = np.where(in_base_year, frame["t"].to_numpy() + 0.5 * frame["annual"].to_numpy(), -np.inf)
    best = np.maximum.reduceat(rank, starts)
    chosen = in_base_year & (rank == best[series])
    base_value = np.full(len(starts), np.nan)
    base_value[series[chosen]] = frame["value"].to_numpy()[chosen]
    base_year = np.where(first_year == never, np.nan, first_year.astype(float))
    return base_year[series], base_value[series]


def compute(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Gap results for every row of ``values`` (indicator_id, unit_id, period, value).

    ``unit_id`` is the department (or -1 for the region-wide series). Each row is assessed as
    the current value of its series, against the baseline of that series for its target.
    """
    if values.empty:
        return _empty()
    frame = attach_targets(values, targets)
    frame["t"] = period_end_years(frame["period"])
    frame["annual"] = period_is_annual(frame["period"])
    frame["value"] = frame["value"].astype(float)
    frame["target"] = frame["target"].astype(float)
    frame = frame.sort_values(["indicator_id", "unit_id", "target_id", "t"], kind="stable")
    base_year, base = _base_figures(frame)

    direction = frame["comparator"].map(DIRECTION).fillna(1).to_numpy()
    x = frame["value"].to_numpy()
    target = frame["target"].to_numpy()
    year = frame["year"].to_numpy().astype(float)
    target_year = frame["target_year"].to_numpy().astype(float)
    t = frame["t"].to_numpy()
    has_target = ~np.isnan(target)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shortfall = np.where(direction > 0, target - x, x - target)
        comparator = frame["comparator"].to_numpy()
        achieved = (
            np.select(
                [comparator == ">=", comparator == ">", comparator == "<=", comparator == "<"],
                [x >= target, x > target, x <= target, x < target],
                default=np.isclose(x, target),
            )
            & has_target
        )
        percent = np.where(direction > 0, x / target, target / x) * 100.0
        progress = (x - base) / (target - base)
        # The reference's growth rates (SeriesProgress.methodology_2), in whole years.
        b = np.where(base == 0, EPSILON, base)
        goal = np.where(target == 0, EPSILON, target)
        span = year - base_year
        to_target = target_year - base_year
        r_obs = np.power(x / b, 1.0 / span) - 1.0
        r_req = np.power(goal / b, 1.0 / to_target) - 1.0
        ratio = np.where(b < 0, -1.0, 1.0) * direction * r_obs / np.abs(r_req)
        # Pace and projection run on the time left from the end of the period.
        remaining = target_year + 1.0 - t
        pace = np.where(remaining > 0, (target - x) / remaining, np.nan)
        projection = np.where(remaining > 0, x * np.power(1.0 + r_obs, remaining), np.nan)

    opposite = ((b > 0) & (x < 0)) | ((b < 0) & (x > 0))
    rated = has_target & (span >= 1) & (to_target > 0) & ~opposite
    # A base equal to the target makes the required rate 0: a fall away from it is a ratio of
    # -inf (deterioration), as in the reference; only finite ratios are stored.
    ratio = np.where(rated, ratio, np.nan)
    status = np.select(
        [
            ~has_target,
            achieved,
            has_target & (remaining <= 0),  # the target year has ended and it was not met
            np.isnan(ratio),
            ratio >= ON_TRACK,
            ratio >= AT_RISK,
        ],
        [4, 0, 3, 4, 1, 2],
        default=3,
    )
    # A compounding trend can project beyond any storable figure; such a projection says nothing.
    projection = np.where(
        np.isfinite(ratio) & (np.abs(projection) < PROJECTION_LIMIT), projection, np.nan
    )
    out = pd.DataFrame(
        {
            "indicator_id": frame["indicator_id"].to_numpy(),
            "unit_id": frame["unit_id"].to_numpy(),
            "period": frame["period"].array,
            "target_id": frame["target_id"].to_numpy(),
            "actual": x,
            "target_value": target,
            "gap": np.where(has_target, shortfall, np.nan),
            "percent_of_target": np.where(has_target & np.isfinite(percent), percent, np.nan),
            "progress": np.where(
                has_target & (span >= 1) & np.isfinite(progress), progress, np.nan
            ),
            "required_pace": np.where(has_target, pace, np.nan),
            "projection": projection,
            "ratio": np.where(np.isfinite(ratio), ratio, np.nan),
            "status": pd.Categorical.from_codes(status, categories=STATUSES),
            "period_end": t,
            "is_demo": frame["is_demo"].to_numpy()
            if "is_demo" in frame
            else np.zeros(len(frame), dtype=bool),
        }
    )
    return out


def indicator_chunks(values: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    """``values`` in slices of whole indicators of about ``rows`` rows each.

    Every series, and every region figure, belongs to one indicator, so each slice can be
    assessed on its own; an indicator larger than ``rows`` is a slice by itself.
    """
    if values.empty:
        return
    if not values["indicator_id"].is_monotonic_increasing:
        values = values.sort_values("indicator_id", kind="stable", ignore_index=True)
    ids = values["indicator_id"].to_numpy()
    bounds = np.flatnonzero(ids[1:] != ids[:-1]) + 1  # where each indicator but the first begins
    start = 0
    for end in [*bounds, len(ids)]:
        if end - start >= rows or end == len(ids):
            yield values.iloc[start:end]
            start = end


def aggregate_region(values: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Region-wide series (unit_id = -1) from department values, by each indicator's rule.

    ``rules``: indicator_id, aggregation (lead | sum | min | mean), lead_unit_id (under
    ``lead``, the one department whose figure is the region's). An indicator without a rule
    takes ``lead`` with no department, so it gets no region figure: nothing is ever summed
    unless the catalogue says its departments report disjoint parts.
    """
    if values.empty:
        return values.iloc[0:0]
    merged = values.merge(rules, on="indicator_id", how="left")
    merged["aggregation"] = merged["aggregation"].fillna("lead")
    merged["lead_unit_id"] = merged["lead_unit_id"].fillna(-2)
    parts = []
    if "is_demo" not in merged:
        merged["is_demo"] = False
    lead = merged[(merged["aggregation"] == "lead") & (merged["unit_id"] == merged["lead_unit_id"])]
    parts.append(lead[["indicator_id", "period", "value", "is_demo"]])
    for rule in ("sum", "min", "mean"):
        subset = merged[merged["aggregation"] == rule]
        if not subset.empty:
            grouped = subset.groupby(["indicator_id", "period"], as_index=False).agg(
                value=("value", rule), is_demo=("is_demo", "any")
            )
            parts.append(grouped)
    region = pd.concat(parts, ignore_index=True)
    region["unit_id"] = -1
    return region[["indicator_id", "unit_id", "period", "value", "is_demo"]]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "indicator_id",
            "unit_id",
            "period",
            "target_id",
            "actual",
            "target_value",
            "gap",
            "percent_of_target",
            "progress",
            "required_pace",
            "projection",
            "ratio",
            "status",
            "period_end",
            "is_demo",
        ]
    )
