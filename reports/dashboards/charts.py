"""plotly figures for the dashboards, serialised with orjson (plotly's fast JSON engine)."""

from __future__ import annotations

import datetime as dt

import orjson
import plotly.graph_objects as go
import plotly.io as pio
from django.utils.translation import gettext as _

from reports.choices import STATUS_COLOURS, STATUS_ORDER, GapStatus
from reports.periods import HALF, QUARTER, YEAR, Period

pio.json.config.default_engine = "orjson"
FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'


def _layout(**extra) -> dict:
    return {
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        **extra,
    }


def status_counts(counts: dict[str, int]) -> go.Figure:
    labels = [str(GapStatus(s).label) for s in STATUS_ORDER]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=[counts.get(s, 0) for s in STATUS_ORDER],
            marker_color=[STATUS_COLOURS[s] for s in STATUS_ORDER],
            text=[counts.get(s, 0) for s in STATUS_ORDER],
            textposition="outside",
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    figure.update_layout(**_layout(title=_("全区指标状态"), height=300, yaxis={"visible": False}))
    return figure


def heatmap(indicators: list[str], departments: list[str], cells: list[list]) -> go.Figure:
    """Indicators × departments coloured by status; status and gap on hover.

    ``cells[i][j]`` is ``None`` or ``(status, gap)``. The payload is kept small (a status
    index, a short label and a rounded number per cell) so that 200 × 125 cells stay well under
    a megabyte.
    """
    index = {s: n for n, s in enumerate(STATUS_ORDER)}
    labels = {s: str(GapStatus(s).label) for s in STATUS_ORDER}
    z = [[None if c is None else index[c[0]] for c in row] for row in cells]
    text = [["" if c is None else labels[c[0]] for c in row] for row in cells]
    gaps = [
        [None if c is None or c[1] is None else round(float(c[1]), 2) for c in row] for row in cells
    ]
    n = len(STATUS_ORDER)
    scale = []
    for i, status in enumerate(STATUS_ORDER):
        scale += [[i / n, STATUS_COLOURS[status]], [(i + 1) / n, STATUS_COLOURS[status]]]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=departments,
            y=indicators,
            text=text,
            customdata=gaps,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            xgap=1,
            ygap=1,
            showscale=False,
            hovertemplate="%{y}<br>%{x}<br>%{text}<br>"
            + _("差距")
            + ": %{customdata}<extra></extra>",
        )
    )
    figure.update_layout(
        **_layout(
            title=_("指标 × 部门状态"),
            height=max(320, 22 * len(indicators) + 140),
            xaxis={"side": "top", "tickangle": -45},
            yaxis={"autorange": "reversed"},
        )
    )
    return figure


def figures_script(figures: dict[str, go.Figure | None]) -> str:
    """The figures as one JSON object, safe to place inside a <script> element as it is."""
    payload = {
        name: None if figure is None else figure.to_plotly_json()
        for name, figure in figures.items()
    }
    text = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def behind_pace(rows: list[dict]) -> go.Figure:
    """Percent of target for the series furthest behind, with the target line at 100 %."""
    names = [r["name"] for r in rows]
    unrated = _("未计算")
    figure = go.Figure(
        go.Bar(
            y=names,
            x=[r["percent"] for r in rows],
            orientation="h",
            marker_color=[STATUS_COLOURS[r["status"]] for r in rows],
            # The ratio is shown only where the engine gave one: with too short a span since the
            # baseline it gives none, and a figure here would read as a measured pace.
            customdata=[
                [r["gap"], r["pace"], r["ratio"] if r["ratio"] not in (None, "—") else unrated]
                for r in rows
            ],
            hovertemplate="<br>".join(
                [
                    "%{y}",
                    _("完成目标") + " %{x:.1f}%",
                    _("差距") + ": %{customdata[0]}",
                    _("每年还需") + ": %{customdata[1]}",
                    _("进度比（观察增速 ÷ 所需增速）") + ": %{customdata[2]}<extra></extra>",
                ]
            ),
            name=_("完成比例"),
        )
    )
    figure.add_vline(x=100, line_dash="dash", line_color="#b3261e", annotation_text=_("目标"))
    figure.update_layout(
        **_layout(
            title=_("离目标最远（按进度比）"),
            height=max(260, 30 * len(rows) + 80),
            yaxis={"autorange": "reversed"},
            xaxis={"title": _("完成目标的百分比")},
            showlegend=False,
        )
    )
    return figure


# --- One indicator's series on a time axis -----------------------------------------------------

ACTUAL_COLOUR = "#1f5fa8"
DEMO_COLOUR = "#9aa7b5"
TARGET_COLOUR = "#b3261e"
TARGET_DASHES = ("dash", "longdash", "dashdot", "dot")
#: Periods ending on the same day are listed quarter first, then half-year, then year.
KIND_ORDER = {QUARTER: 0, HALF: 1, YEAR: 2}


def period_end_date(period: Period | str) -> str:
    """Where a period's value sits on a time axis: its last day (2024Q3 → 2024-09-30, 2024 →
    2024-12-31), as an ISO date."""
    return (Period.parse(period) if isinstance(period, str) else period).end.isoformat()


def _end_year(period: Period) -> float:
    """The period's end in years, as the gap engine measures time (2024Q3 → 2024.75)."""
    return period.year + period.end.month / 12.0


def _year_end(year: int) -> str:
    return dt.date(year, 12, 31).isoformat()


def _number(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _with_unit(value: float, unit: str, digits: int = 6) -> str:
    """A value as stored (up to six decimals), or a computed one rounded to ``digits``."""
    number = _number(value, digits)
    if not unit:
        return number
    return f"{number}{unit}" if unit in ("%", "‰") else f"{number} {unit}"


def _kind_names() -> dict[str, str]:
    return {HALF: _("实际值（半年）"), YEAR: _("实际值（年度）")}


def _point_traces(points: list[dict], unit: str) -> list[go.Scatter]:
    """One trace per kind of period (quarterly, half-yearly, annual), real and demo apart.

    Within a trace the line breaks wherever a period of its kind is missing: a point with no
    value is put at the first missing period's end, and ``connectgaps`` stays off.
    """
    groups: dict[tuple[bool, str], list[tuple[Period, dict]]] = {}
    for point in points:
        period = Period.parse(point["period"])
        groups.setdefault((bool(point.get("is_demo")), period.kind), []).append((period, point))
    # The finest kind of period present is the series' main line; others are named apart.
    main_kind = min((kind for demo, kind in groups if not demo), key=KIND_ORDER.get, default=None)
    names = _kind_names()
    hover = (
        "<b>%{customdata[0]}</b><br>"
        + _("数值")
        + "：%{customdata[1]}<br>"
        + _("状态")
        + "：%{customdata[2]}<br>"
        + _("来源")
        + "：%{customdata[3]}<extra>%{fullData.name}</extra>"
    )
    traces, demo_shown = [], False
    for demo, kind in sorted(groups, key=lambda key: (key[0], KIND_ORDER[key[1]])):
        xs, ys, data = [], [], []
        previous = None
        for period, point in sorted(groups[(demo, kind)], key=lambda item: item[0]):
            if previous is not None and period != previous.next():
                xs.append(period_end_date(previous.next()))
                ys.append(None)
                data.append(["", "", "", ""])
            xs.append(period_end_date(period))
            ys.append(point["value"])
            data.append(
                [
                    period.label,
                    _with_unit(point["value"], unit),
                    point.get("state") or "—",
                    point.get("source") or "—",
                ]
            )
            previous = period
        symbol = "diamond" if kind == YEAR else "square" if kind == HALF else "circle"
        if demo:
            trace = go.Scatter(
                name=_("演示数据（非真实）"),
                legendgroup="demo",
                showlegend=not demo_shown,
                line={"color": DEMO_COLOUR, "width": 2, "dash": "dot"},
                marker={"symbol": symbol + "-open", "size": 8},
            )
            demo_shown = True
        else:
            trace = go.Scatter(
                name=_("实际值") if kind == main_kind else names[kind],
                legendgroup=f"actual-{kind}",
                line={"color": ACTUAL_COLOUR, "width": 2.5 if kind != YEAR else 1.5},
                marker={"symbol": symbol, "size": 10 if kind == YEAR else 7},
            )
        trace.update(
            x=xs,
            y=ys,
            customdata=data,
            mode="lines+markers",
            connectgaps=False,
            hovertemplate=hover,
        )
        traces.append(trace)
    return traces


def _target_traces(targets: list[dict], first_date: str | None, unit: str) -> list[go.Scatter]:
    """One line per distinct target (year, comparator, value), from where the previous target
    year ended (or where the series starts) to the end of its own year.

    The same target set by two documents is one line, its hover naming both documents.
    """
    merged: dict[tuple, dict] = {}
    for target in targets:
        key = (target["year"], target["value"], target["label"])
        entry = merged.setdefault(key, {**target, "documents": []})
        for document in target.get("documents", ()):
            if document not in entry["documents"]:
                entry["documents"].append(document)
    years = sorted({year for year, _value, _label in merged})
    traces = []
    for n, key in enumerate(sorted(merged)):
        target = merged[key]
        year = target["year"]
        position = years.index(year)
        end = _year_end(year)
        if position:
            start = _year_end(years[position - 1])
        elif first_date and first_date < end:
            start = first_date
        else:
            start = dt.date(year, 1, 1).isoformat()
        wanted = _with_unit(target["value"], unit)
        if target.get("comparator"):
            wanted = f"{target['comparator']} {wanted}"
        text = _("%(year)s年目标：%(target)s") % {"year": year, "target": wanted}
        if target["documents"]:
            text += "<br>" + _("出处") + "：" + "；".join(target["documents"])
        traces.append(
            go.Scatter(
                x=[start, end],
                y=[target["value"], target["value"]],
                mode="lines+markers",
                name=_("目标 %(label)s") % {"label": target["label"]},
                legendgroup=f"target-{n}",
                line={"color": TARGET_COLOUR, "dash": TARGET_DASHES[n % 4], "width": 2},
                marker={"color": TARGET_COLOUR, "size": [0, 12], "symbol": "star"},
                customdata=[[text], [text]],
                hovertemplate="%{customdata[0]}<extra></extra>",
            )
        )
    return traces


def projection_path(
    projection: dict, valid_range: tuple[float | None, float | None]
) -> list[tuple[str, float, bool, str]]:
    """The trend from the last value to the end of the target year, one point per quarter end.

    The engine's projection compounds the observed growth rate, so the path between the two
    ends follows the same curve; each point is clipped to the indicator's valid range and says
    whether it was. Returns (date, value, capped, period label) from the last value's period end
    on.
    """
    start = Period.parse(projection["from_period"])
    t0, due = _end_year(start), projection["year"] + 1.0
    x0, x1 = projection["from_value"], projection["value"]
    if due <= t0:
        return []
    low, high = valid_range
    growth = x1 / x0 if x0 else 0.0

    def at(t: float) -> tuple[float, bool]:
        share = (t - t0) / (due - t0)
        value = x0 * growth**share if growth > 0 else x0 + (x1 - x0) * share
        if high is not None and value > high:
            return high, True
        if low is not None and value < low:
            return low, True
        return value, False

    path = [(period_end_date(start), *at(t0), start.label)]
    quarter = Period.quarter_of(start.end).next()
    while quarter.year <= projection["year"]:
        path.append((period_end_date(quarter), *at(_end_year(quarter)), quarter.label))
        quarter = quarter.next()
    return path


def _projection_trace(
    projection: dict, valid_range: tuple[float | None, float | None], unit: str
) -> tuple[go.Scatter | None, dict | None]:
    path = projection_path(projection, valid_range)
    if len(path) < 2:
        return None, None
    capped_note = _("按趋势将超出有效范围，图中封顶")
    data = [
        [
            _("%(period)s末（预测）") % {"period": label},
            _with_unit(value, unit, 2) + ("（" + capped_note + "）" if capped else ""),
        ]
        for _date, value, capped, label in path
    ]
    trace = go.Scatter(
        x=[point[0] for point in path],
        y=[point[1] for point in path],
        customdata=data,
        mode="lines",
        name=_("按趋势预测"),
        legendgroup="projection",
        line={"color": ACTUAL_COLOUR, "dash": "dot", "width": 2},
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra>%{fullData.name}</extra>",
    )
    first_capped = next((p for p in path if p[2]), None)
    if first_capped is None:
        return trace, None
    unreached = projection["value"]
    annotation = {
        "x": first_capped[0],
        "y": first_capped[1],
        "text": _("趋势外推至%(year)s年为 %(value)s，超出有效范围，封顶于 %(bound)s")
        % {
            "year": projection["year"],
            "value": _with_unit(unreached, unit, 2),
            "bound": _with_unit(first_capped[1], unit, 2),
        },
        "showarrow": True,
        "arrowhead": 0,
        "ax": 0,
        "ay": -36,
        "font": {"size": 11, "color": "#55606b"},
        "bgcolor": "rgba(255,255,255,0.85)",
    }
    return trace, annotation


def indicator_series(
    *,
    name: str,
    unit: str,
    points: list[dict],
    targets: list[dict],
    projection: dict | None,
    valid_range: tuple[float | None, float | None] = (None, None),
) -> go.Figure:
    """Actual values against the target line(s) on a time axis, with the projection.

    ``points``: {period, value, is_demo, state, source}, each drawn at its period's end (a year
    at 31 December); ``targets``: {year, value, label, documents}; ``projection``:
    {from_period, from_value, year, value}, clipped to ``valid_range`` (the indicator's
    min_value, max_value) and drawn to the end of the target year. Demo values are drawn apart
    and labelled.
    """
    figure = go.Figure()
    for trace in _point_traces(points, unit):
        figure.add_trace(trace)
    dates = [period_end_date(p["period"]) for p in points]
    for trace in _target_traces(targets, min(dates) if dates else None, unit):
        figure.add_trace(trace)
    annotations = []
    if projection:
        trace, annotation = _projection_trace(projection, valid_range, unit)
        if trace is not None:
            figure.add_trace(trace)
        if annotation is not None:
            annotations.append(annotation)
    # Whole years on the axis, so the year a point belongs to is labelled beside it (a value at
    # 31 December sits at the right edge of its year's label, never alone under the next one).
    shown = [x for trace in figure.data for x in trace.x if x is not None]
    x_range = None
    if shown:
        last = dt.date.fromisoformat(max(shown))
        x_range = [
            dt.date(int(min(shown)[:4]), 1, 1).isoformat(),
            (last + dt.timedelta(days=45)).isoformat(),
        ]
    no_unit = _("无单位")
    figure.update_layout(
        **_layout(
            title=f"{name}（{unit or no_unit}）",
            height=420,
            xaxis={
                "range": x_range,
                "type": "date",
                "tickformat": "%Y",
                "dtick": "M12",
                "ticklabelmode": "period",
                "showgrid": True,
                "gridcolor": "#e3e7eb",
                "hoverformat": "%Y-%m-%d",
            },
            yaxis={"gridcolor": "#eef1f4", "zeroline": False},
            hovermode="closest",
            annotations=annotations,
            legend={"orientation": "h", "y": -0.15},
        )
    )
    return figure
