"""The gap engine's method on hand-computed cases (Open SDG ProgressMeasure, methodology 2)."""

import math

import pandas as pd
import pytest

from reports.gaps import engine as gaps

IND = 1
PLAN_2023 = {"target_id": 10, "year": 2025, "doc_year": 2023, "doc_code": "outline-2023"}


def _targets(*rows):
    return pd.DataFrame(
        [{"indicator_id": IND, **PLAN_2023, **row} for row in rows],
        columns=[
            "indicator_id",
            "target_id",
            "year",
            "value",
            "comparator",
            "doc_year",
            "doc_code",
        ],
    )


def _values(*points, unit=7):
    return pd.DataFrame(
        [{"indicator_id": IND, "unit_id": unit, "period": p, "value": v} for p, v in points]
    )


def _last(values, targets):
    result = gaps.compute(values, targets)
    return result.sort_values("period").iloc[-1]


def test_at_least_target_behind_the_required_pace_is_at_risk():
    # Base 2022 (the year before the 2023 plan): 80; 2024: 88; target ≥ 100 by 2025.
    row = _last(_values(("2022", 80), ("2024", 88)), _targets({"value": 100, "comparator": ">="}))
    observed = (88 / 80) ** (1 / 2) - 1  # two years between the end of 2022 and of 2024
    required = (100 / 80) ** (1 / 3) - 1  # three years to the end of 2025
    assert row.ratio == pytest.approx(observed / required)
    assert row.ratio == pytest.approx(0.6321, abs=1e-4)
    assert row.status == "at_risk"
    assert row.gap == pytest.approx(12)
    assert row.percent_of_target == pytest.approx(88)
    assert row.progress == pytest.approx(8 / 20)
    assert row.required_pace == pytest.approx(12 / 1)  # one year left
    assert row.projection == pytest.approx(88 * (1 + observed))


def test_at_most_target_uses_the_negative_direction_and_a_sign_corrected_gap():
    row = _last(_values(("2022", 20), ("2024", 15)), _targets({"value": 10, "comparator": "<="}))
    observed = (15 / 20) ** 0.5 - 1
    required = (10 / 20) ** (1 / 3) - 1
    assert row.ratio == pytest.approx(-observed / abs(required))
    assert row.ratio == pytest.approx(0.6495, abs=1e-4)
    assert row.status == "at_risk"
    assert row.gap == pytest.approx(5)  # 5 above the ceiling is a shortfall of 5
    assert row.percent_of_target == pytest.approx(10 / 15 * 100)


def test_a_target_already_met_is_achieved_with_a_negative_gap():
    row = _last(_values(("2022", 90), ("2024", 101)), _targets({"value": 100, "comparator": ">="}))
    assert row.status == "achieved" and row.gap == pytest.approx(-1)


def test_more_than_is_strict():
    met = _last(_values(("2024", 41)), _targets({"value": 40, "comparator": ">"}))
    not_met = _last(_values(("2024", 40)), _targets({"value": 40, "comparator": ">"}))
    assert met.status == "achieved" and not_met.status == "no_data"


def test_a_hundred_percent_target_on_a_fast_enough_trend_is_on_track():
    row = _last(_values(("2022", 95), ("2024", 99)), _targets({"value": 100, "comparator": ">="}))
    expected = ((99 / 95) ** 0.5 - 1) / ((100 / 95) ** (1 / 3) - 1)
    assert row.ratio == pytest.approx(expected) and expected > 0.95
    assert row.status == "on_track"


def test_one_data_point_gives_a_gap_but_no_trend():
    row = _last(_values(("2023", 93.71)), _targets({"value": 96.5, "comparator": ">="}))
    assert row.gap == pytest.approx(2.79)
    assert math.isnan(row.ratio) and math.isnan(row.projection)
    assert row.status == "no_data"


def test_without_a_baseline_in_or_after_the_base_year_there_is_no_ratio():
    values = _values(("2019", 80), ("2020", 85))  # before the 2023 plan's base year
    result = gaps.compute(values, _targets({"value": 100, "comparator": ">="}))
    assert result["ratio"].isna().all() and set(result["status"]) == {"no_data"}
    assert list(result["gap"]) == [20, 15]


def test_the_base_year_falls_back_to_the_next_year_with_data():
    row = _last(_values(("2023", 80), ("2025", 88)), _targets({"value": 100, "comparator": ">="}))
    # Baseline 2023 (no 2022 figure); due end of 2025; observed over two years.
    assert row.ratio == pytest.approx(((88 / 80) ** 0.5 - 1) / ((100 / 80) ** (1 / 2) - 1))


def test_a_target_year_that_ended_unmet_is_off_track():
    row = _last(_values(("2022", 80), ("2026", 95)), _targets({"value": 100, "comparator": ">="}))
    assert row.status == "off_track" and row.gap == pytest.approx(5)
    assert math.isnan(row.required_pace)


def test_falling_away_from_the_target_is_off_track():
    row = _last(_values(("2022", 90), ("2024", 85)), _targets({"value": 100, "comparator": ">="}))
    assert row.ratio < 0 and row.status == "off_track"


def test_quarters_are_measured_in_years_at_the_end_of_the_period():
    ends = gaps.period_end_years(pd.Series(["2024Q1", "2024Q3", "2024S1", "2024"]))
    assert list(ends) == [2024.25, 2024.75, 2024.5, 2025.0]


def test_the_target_in_force_is_the_nearest_ahead_and_the_newer_plan_wins_a_tie():
    targets = pd.DataFrame(
        [
            {
                "indicator_id": IND,
                "target_id": 1,
                "year": 2020,
                "value": 96,
                "comparator": ">=",
                "doc_year": 2016,
                "doc_code": "plan-2016",
            },
            {
                "indicator_id": IND,
                "target_id": 2,
                "year": 2025,
                "value": 98,
                "comparator": ">=",
                "doc_year": 2023,
                "doc_code": "outline-2023",
            },
            {
                "indicator_id": IND,
                "target_id": 3,
                "year": 2025,
                "value": 97,
                "comparator": ">=",
                "doc_year": 2024,
                "doc_code": "later-plan",
            },
        ]
    )
    values = _values(("2019", 95), ("2023", 97), ("2027", 99))
    chosen = gaps.attach_targets(values, targets).set_index("period")
    assert chosen.loc["2019", "target_id"] == 1
    assert chosen.loc["2023", "target_id"] == 3
    assert chosen.loc["2027", "target_id"] == 3 and bool(chosen.loc["2027", "expired"])


def test_region_wide_figures_follow_each_indicators_aggregation_rule():
    values = pd.DataFrame(
        [
            {"indicator_id": i, "unit_id": u, "period": "2024", "value": v}
            for i, u, v in [
                (1, 7, 10),
                (1, 8, 30),
                (2, 7, 10),
                (2, 8, 30),
                (3, 7, 10),
                (3, 8, 30),
                (4, 7, 10),
                (4, 8, 30),
            ]
        ]
    )
    rules = pd.DataFrame(
        [(1, "lead", 8), (2, "sum", -2), (3, "min", -2), (4, "mean", -2)],
        columns=["indicator_id", "aggregation", "lead_unit_id"],
    )
    region = gaps.aggregate_region(values, rules).set_index("indicator_id")["value"]
    assert region.to_dict() == {1: 30, 2: 40, 3: 10, 4: 20}


def test_a_projection_too_large_to_store_is_left_out_but_the_ratio_is_kept():
    # A thousandfold rise in a year, compounded over the 76 years left to a 2100 target:
    # a projection of the order of 10^231, which says nothing and fits no column.
    values = _values(("2022", 1), ("2024", 1000))
    row = _last(values, _targets({"value": 10**13, "comparator": ">=", "year": 2100}))
    assert math.isnan(row.projection)
    assert row.ratio > 1 and row.status == "on_track"


# --- Quarterly series: judged on annual steps -------------------------------------------------


def test_a_quarterly_series_is_judged_on_the_same_ratio_as_its_yearly_figures():
    # A quarter's figure is the year-to-date one: the base year's figure is its last quarter
    # (84, not the first quarter's 80), and 2024Q4 is two whole years after it.
    quarterly = _values(("2022Q1", 80), ("2022Q2", 81), ("2022Q4", 84), ("2024Q4", 90))
    yearly = _values(("2022", 84), ("2024", 90))
    target = _targets({"value": 98, "comparator": ">="})
    expected = ((90 / 84) ** (1 / 2) - 1) / ((98 / 84) ** (1 / 3) - 1)
    assert _last(quarterly, target).ratio == pytest.approx(expected, rel=1e-12)
    assert _last(yearly, target).ratio == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.66567, abs=1e-5)
    assert _last(quarterly, target).status == "at_risk"


def test_a_quarter_stands_for_its_year():
    values = _values(("2022", 84), ("2024Q2", 87))
    row = _last(values, _targets({"value": 98, "comparator": ">="}))
    assert row.ratio == pytest.approx(((87 / 84) ** 0.5 - 1) / ((98 / 84) ** (1 / 3) - 1))


def test_a_years_own_figure_outranks_its_fourth_quarter_as_the_base():
    values = _values(("2022Q4", 70), ("2022", 84), ("2024", 90))
    row = _last(values, _targets({"value": 98, "comparator": ">="}))
    assert row.ratio == pytest.approx(((90 / 84) ** 0.5 - 1) / ((98 / 84) ** (1 / 3) - 1))


def test_growth_within_the_base_year_is_not_rated():
    values = _values(("2022Q1", 80), ("2022Q3", 86), ("2023Q1", 88))
    result = gaps.compute(values, _targets({"value": 98, "comparator": ">="})).set_index("period")
    assert math.isnan(result.loc["2022Q3", "ratio"]) and result.loc["2022Q3", "status"] == "no_data"
    # One whole year later the figure is rated, against the base year's last figure (86).
    assert result.loc["2023Q1", "ratio"] == pytest.approx(
        ((88 / 86) - 1) / ((98 / 86) ** (1 / 3) - 1)
    )


# --- QualityHub's own rule ---------------------------------------------------------------------


def test_an_ended_target_year_is_off_track_even_on_a_fast_enough_trend():
    # The reference would rate this 2025 figure by its ratio, 0.953: substantial progress.
    row = _last(_values(("2022", 80), ("2025", 99)), _targets({"value": 100, "comparator": ">="}))
    assert row.ratio == pytest.approx(((99 / 80) ** (1 / 3) - 1) / ((100 / 80) ** (1 / 3) - 1))
    assert row.ratio > gaps.ON_TRACK
    assert row.status == "off_track"


def test_slices_of_whole_indicators_cover_every_value_once():
    values = pd.DataFrame(
        {
            "indicator_id": [3, 1, 2, 1, 3, 2, 3],
            "unit_id": [7] * 7,
            "period": ["2024"] * 7,
            "value": range(7),
        }
    )
    chunks = list(gaps.indicator_chunks(values, rows=2))
    assert [sorted(set(c["indicator_id"])) for c in chunks] == [[1], [2], [3]]
    assert sorted(pd.concat(chunks)["value"]) == list(range(7))
    assert [len(c) for c in gaps.indicator_chunks(values, rows=4)] == [4, 3]
