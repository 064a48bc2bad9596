"""The gap-to-target engine: pure, vectorised computation on pandas frames.

Method (written down in docs/gaps.md): the UN SDG progress assessment as implemented in Open
SDG's sdg-build ``ProgressMeasure`` (methodology 2, quantitative targets). For a series with a
baseline value ``b`` at time ``t0``, a current value ``x`` at ``t`` and a target ``T`` due at
``tT``:

    observed CAGR  r_o = (x / b) ** (1 / (t - t0)) - 1
    required CAGR  r_r = (T / b) ** (1 / (tT - t0)) - 1
    ratio          p   = sign(b) * direction * r_o / |r_r|

Status: achieved when the current value meets the target; otherwise on track when p ≥ 0.95,
at risk when 0.6 ≤ p < 0.95, off track when p < 0.6 (Open SDG's "limited progress" 0 ≤ p < 0.6
and "deterioration" p < 0 both count as off track; the ratio itself is kept). A series with one
point, or whose target year has ended unmet, has no ratio: "insufficient data" or off track.

Time is measured in years at the end of each period (2024Q3 → 2024.75, 2024 → 2025.0); a
target for year Y is due at the end of Y.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ON_TRACK, AT_RISK, LOW = 0.95, 0.6, 0.0
EPSILON = 0.001  # Open SDG replaces a zero base value or target with 0.001
#: Projections at or beyond this size are not kept (GapResult.projection holds 14 integer digits).
PROJECTION_LIMIT = 1e14

# Comparator codes → direction (+1: higher is better, -1: lower is better).
DIRECTION = {">=": 1, ">": 1, "=": 1, "<=": -1, "<": -1}


def _per_distinct(periods: pd.Series, function) -> pd.Series:
    """Apply ``function`` to the distinct period ids only (a few dozen), then spread back."""
    categorical = pd.Categorical(periods.astype(str))
    distinct = function(pd.Series(categorical.categories, dtype=object))
    return pd.Series(np.asarray(distinct)[categorical.codes], index=periods.index)


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


def compute(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Gap results for every row of ``values`` (indicator_id, unit_id, period, value).

    ``unit_id`` is the department (or -1 for the region-wide series). Each row is assessed as
    the current value of its series, against the baseline of that series for its target.
    """
    if values.empty:
        return _empty()
    frame = attach_targets(values, targets)
    frame["t"] = period_end_years(frame["period"])
    frame["value"] = frame["value"].astype(float)
    frame["target"] = frame["target"].astype(float)
    frame = frame.sort_values(["indicator_id", "unit_id", "target_id", "t"], kind="stable")

    # Baseline: the first value of the series in or after the plan's base year (Open SDG takes
    # the next available year when the base year has no data).
    eligible = frame["year"] >= frame["base_year"]
    firsts = (
        frame[eligible]
        .groupby(["indicator_id", "unit_id", "target_id"], sort=False)[["t", "value"]]
        .first()
        .rename(columns={"t": "base_t", "value": "base"})
    )
    frame = frame.join(firsts, on=["indicator_id", "unit_id", "target_id"])

    direction = frame["comparator"].map(DIRECTION).fillna(1).to_numpy()
    x = frame["value"].to_numpy()
    target = frame["target"].to_numpy()
    base = frame["base"].to_numpy()
    due = frame["target_year"].to_numpy() + 1.0
    t, t0 = frame["t"].to_numpy(), frame["base_t"].to_numpy()
    has_target = ~np.isnan(target)

    with np.errstate(divide="ignore", invalid="ignore"):
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
        b = np.where(base == 0, EPSILON, base)
        goal = np.where(target == 0, EPSILON, target)
        span = t - t0
        r_obs = np.power(x / b, 1.0 / span) - 1.0
        r_req = np.power(goal / b, 1.0 / (due - t0)) - 1.0
        ratio = np.sign(b) * direction * r_obs / np.abs(r_req)
        remaining = due - t
        pace = np.where(remaining > 0, (target - x) / remaining, np.nan)
        projection = np.where(remaining > 0, x * np.power(1.0 + r_obs, remaining), np.nan)

    valid_ratio = (
        has_target & (span > 0) & np.isfinite(ratio) & (np.sign(x) == np.sign(b)) & (due > t0)
    )
    ratio = np.where(valid_ratio, ratio, np.nan)
    # A compounding trend can project beyond any storable figure; such a projection says nothing.
    projection = np.where(valid_ratio & (np.abs(projection) < PROJECTION_LIMIT), projection, np.nan)
    status = np.select(
        [
            ~has_target,
            achieved,
            has_target & (remaining <= 0),  # the target year has ended and it was not met
            np.isnan(ratio),
            ratio >= ON_TRACK,
            ratio >= AT_RISK,
        ],
        ["no_data", "achieved", "off_track", "no_data", "on_track", "at_risk"],
        default="off_track",
    )
    out = pd.DataFrame(
        {
            "indicator_id": frame["indicator_id"].to_numpy(),
            "unit_id": frame["unit_id"].to_numpy(),
            "period": frame["period"].to_numpy(),
            "target_id": frame["target_id"].to_numpy(),
            "actual": x,
            "target_value": target,
            "gap": np.where(has_target, shortfall, np.nan),
            "percent_of_target": np.where(has_target & np.isfinite(percent), percent, np.nan),
            "progress": np.where(has_target & np.isfinite(progress) & (span > 0), progress, np.nan),
            "required_pace": np.where(has_target, pace, np.nan),
            "projection": projection,
            "ratio": ratio,
            "status": status,
            "period_end": t,
            "is_demo": frame["is_demo"].to_numpy()
            if "is_demo" in frame
            else np.zeros(len(frame), dtype=bool),
        }
    )
    return out


def aggregate_region(values: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Region-wide series (unit_id = -1) from department values, by each indicator's rule.

    ``rules``: indicator_id, aggregation (lead | sum | min | mean), lead_unit_id.
    """
    if values.empty:
        return values.iloc[0:0]
    merged = values.merge(rules, on="indicator_id", how="left")
    merged["aggregation"] = merged["aggregation"].fillna("lead")
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
        ]
    )
