"""The reference's own behaviour, pinned where QualityHub follows it.

The reference is Open SDG's sdg-build 2.4.0, ``sdg/ProgressMeasure.py``, class ``SeriesProgress``
(Statistics Canada's progress measure, methodology 2: a quantitative target). Each test quotes
the lines of that file it pins; the expected figures are worked out by hand from them, on
yearly data, for a plan issued in 2023 (base year 2022) with a target for 2025. Where QualityHub
departs from the reference (docs/gaps.md, "Differences from the reference"), the departure is
tested in test_gap_method.py instead.

Reference status words → QualityHub's: target_achieved → achieved, substantial_progress →
on_track, moderate_progress → at_risk, limited_progress and deterioration → off_track,
not_available → no_data.
"""

import math

import pandas as pd
import pytest

from reports.gaps import engine

IND, UNIT = 1, 7


def _assess(*points, target, comparator=">=", year=2025):
    values = pd.DataFrame(
        [{"indicator_id": IND, "unit_id": UNIT, "period": p, "value": v} for p, v in points]
    )
    targets = pd.DataFrame(
        [
            {
                "indicator_id": IND,
                "target_id": 10,
                "year": year,
                "value": target,
                "comparator": comparator,
                "doc_year": 2023,
                "doc_code": "outline-2023",
            }
        ]
    )
    result = engine.compute(values, targets).sort_values("period_end")
    return result.iloc[-1]


# growth_calculation:   return ((val1 / val2) ** (1 / (t1 - t2))) - 1
# methodology_2:        cagr_o = growth_calculation(self.current_value, self.base_value,
#                                                   self.current_year, self.base_year)
#                       cagr_r = growth_calculation(self.target, self.base_value,
#                                                   self.target_year, self.base_year)
#                       return self.sign * self.direction * cagr_o / abs(cagr_r)
# get_progress_thresholds (method 2): {'high': 0.95, 'med': 0.6, 'low': 0}


def test_the_ratio_is_observed_over_required_compound_annual_growth():
    # cagr_o = (88 / 80) ** (1 / 2) - 1 = 0.0488088; cagr_r = (100 / 80) ** (1 / 3) - 1 = 0.0772173
    row = _assess(("2022", 80), ("2024", 88), target=100)
    assert row.ratio == pytest.approx(0.6320969486852313, rel=1e-12)
    assert row.status == "at_risk"  # 0.6 <= value < 0.95: moderate_progress


def test_a_lower_is_better_target_turns_the_sign_with_the_direction():
    # direction -1; cagr_o = (15 / 20) ** (1 / 2) - 1 = -0.1339746;
    # cagr_r = (10 / 20) ** (1 / 3) - 1 = -0.2062995; -1 * -0.1339746 / 0.2062995 = 0.6494180
    row = _assess(("2022", 20), ("2024", 15), target=10, comparator="<=")
    assert row.ratio == pytest.approx(0.6494180213238717, rel=1e-12)
    assert row.status == "at_risk"


def test_a_trend_above_the_high_threshold_is_on_track():
    # if value >= x: return "substantial_progress"  (x = 0.95)
    # cagr_o = (99 / 95) ** (1 / 2) - 1 = 0.0208356; cagr_r = (100 / 95) ** (1 / 3) - 1 = 0.0172448
    row = _assess(("2022", 95), ("2024", 99), target=100)
    assert row.ratio == pytest.approx(1.2082256390568806, rel=1e-12)
    assert row.status == "on_track"


def test_limited_progress_and_deterioration_are_off_track_with_the_ratio_kept():
    # elif z <= value < y: return "limited_progress"   (z = 0, y = 0.6)
    # elif value < z: return "deterioration"
    limited = _assess(("2022", 80), ("2024", 82), target=100)
    # cagr_o = (82 / 80) ** 0.5 - 1 = 0.0124228; / 0.0772173 = 0.1608814
    assert limited.ratio == pytest.approx(0.16088142584110413, rel=1e-12)
    falling = _assess(("2022", 90), ("2024", 85), target=100)
    # cagr_o = (85 / 90) ** 0.5 - 1 = -0.0281747; cagr_r = (100 / 90) ** (1 / 3) - 1 = 0.0357442
    assert falling.ratio == pytest.approx(-0.7882316264596092, rel=1e-12)
    assert limited.status == falling.status == "off_track"


def test_a_current_value_of_zero_is_deterioration():
    # 0 is not of the opposite sign to a positive base (calculate_progress_value:
    # ``(self.base_value > 0 and self.current_value < 0) or ...``), so the ratio is computed:
    # cagr_o = (0 / 50) ** 0.5 - 1 = -1; cagr_r = (100 / 50) ** (1 / 3) - 1 = 0.2599210
    row = _assess(("2022", 50), ("2024", 0), target=100)
    assert row.ratio == pytest.approx(-3.8473221018630723, rel=1e-12)
    assert row.status == "off_track"


def test_a_base_equal_to_the_target_then_a_fall_is_deterioration():
    # cagr_r = (90 / 90) ** (1 / 3) - 1 = 0, so cagr_o / abs(cagr_r) = -inf (numpy division,
    # the current year being a numpy integer): value < z, "deterioration". An infinite ratio is
    # not stored.
    row = _assess(("2022", 90), ("2024", 85), target=90)
    assert row.status == "off_track" and math.isnan(row.ratio)
    lower = _assess(("2022", 10), ("2024", 12), target=10, comparator="<=")
    assert lower.status == "off_track" and math.isnan(lower.ratio)


def test_a_base_already_past_the_target_then_a_fall_below_it_is_deterioration():
    # The required rate is negative (90 < 95), and abs(cagr_r) keeps the fall a fall:
    # cagr_o = (85 / 95) ** 0.5 - 1 = -0.0540947; cagr_r = (90 / 95) ** (1 / 3) - 1 = -0.0178610
    row = _assess(("2022", 95), ("2024", 85), target=90)
    assert row.ratio == pytest.approx(-3.0286531268398664, rel=1e-12)
    assert row.status == "off_track"


def test_a_zero_target_counts_as_0_001():
    # __init__: if self.target == 0: ... self.target = 0.001
    # cagr_o = (2 / 8) ** 0.5 - 1 = -0.5; cagr_r = (0.001 / 8) ** (1 / 3) - 1 = 0.05 - 1 = -0.95
    row = _assess(("2022", 8), ("2024", 2), target=0, comparator="<=")
    assert row.ratio == pytest.approx(0.5263157894736842, rel=1e-12)
    assert row.status == "off_track"  # limited progress
    assert row.gap == pytest.approx(2)  # the gap is to the target as written


def test_a_zero_base_counts_as_0_001():
    # calculate_progress_value: if self.base_value == 0: ... self.base_value = 0.001
    # cagr_o = (4 / 0.001) ** 0.5 - 1 = 62.2455532
    # cagr_r = (10 / 0.001) ** (1 / 3) - 1 = 20.5443469
    row = _assess(("2022", 0), ("2024", 4), target=10)
    assert row.ratio == pytest.approx(3.029814162766186, rel=1e-12)
    assert row.status == "on_track"


def test_a_negative_base_takes_its_sign():
    # self.sign = -1 if self.base_value < 0 else 1
    # cagr_o = (-5.5 / -10) ** 0.5 - 1 = -0.2583802; cagr_r = (-2 / -10) ** (1 / 3) - 1 = -0.4151965
    # -1 * 1 * -0.2583802 / 0.4151965 = 0.6223082
    row = _assess(("2022", -10), ("2024", -5.5), target=-2)
    assert row.ratio == pytest.approx(0.6223081864582121, rel=1e-12)
    assert row.status == "at_risk"


def test_base_and_current_values_of_opposite_signs_have_no_ratio():
    # if (self.base_value > 0 and self.current_value < 0) or (self.base_value < 0 and
    #     self.current_value > 0): ... return None  → "not_available"
    row = _assess(("2022", -4), ("2024", 3), target=5)
    assert math.isnan(row.ratio) and row.status == "no_data"


def test_without_a_base_year_figure_the_next_year_with_data_is_the_base():
    # if self.base_year not in years.values:
    #     self.base_year = years[years > self.base_year].min()
    # Base 2023 (no 2022 figure), current 2025, target 2026: the same rates as the first test.
    row = _assess(("2023", 80), ("2025", 88), target=100, year=2026)
    assert row.ratio == pytest.approx(0.6320969486852313, rel=1e-12)


def test_less_than_a_year_after_the_base_year_has_no_ratio():
    # if self.current_year - self.base_year < 1: ... return None
    row = _assess(("2022", 80), target=100)
    assert math.isnan(row.ratio) and row.status == "no_data"


def test_a_met_target_is_achieved_even_without_a_trend():
    # is_target_achieved is decided before, and apart from, the progress value, and
    # get_progress_status: if target_achieved: return "target_achieved"
    single = _assess(("2024", 101), target=100)
    assert single.status == "achieved"
    # ... and whatever the trend: a fall from 120 to 105 still meets ">= 100".
    fell = _assess(("2022", 120), ("2024", 105), target=100)
    assert fell.status == "achieved"
    lower = _assess(("2022", 12), ("2024", 10), target=10, comparator="<=")
    assert lower.status == "achieved"
