"""plotly figures for the dashboards, serialised with orjson (plotly's fast JSON engine)."""

from __future__ import annotations

import orjson
import plotly.graph_objects as go
import plotly.io as pio
from django.utils.translation import gettext as _

from reports.choices import STATUS_COLOURS, STATUS_ORDER, GapStatus

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
    figure = go.Figure(
        go.Bar(
            y=names,
            x=[r["percent"] for r in rows],
            orientation="h",
            marker_color=[STATUS_COLOURS[r["status"]] for r in rows],
            customdata=[[r["gap"], r["pace"], r["ratio"]] for r in rows],
            hovertemplate="<br>".join(
                [
                    "%{y}",
                    _("完成目标") + " %{x:.1f}%",
                    _("差距") + ": %{customdata[0]}",
                    _("每年还需") + ": %{customdata[1]}",
                    _("进度比") + ": %{customdata[2]}<extra></extra>",
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


def indicator_series(
    *,
    name: str,
    unit: str,
    series: list[tuple[str, float, bool]],
    targets: list[dict],
    projection: dict | None,
) -> go.Figure:
    """Actual values against the target line(s), with the projection to the target year.

    ``series``: (period, value, is_demo); ``targets``: {year, value, label}; ``projection``:
    {from_period, from_value, year, value}. Demo values are drawn apart and labelled.
    """
    figure = go.Figure()
    real = [(p, v) for p, v, demo in series if not demo]
    demo = [(p, v) for p, v, demo in series if demo]
    if real:
        figure.add_trace(
            go.Scatter(
                x=[p for p, _ in real],
                y=[v for _, v in real],
                mode="lines+markers",
                name=_("实际值"),
                line={"color": "#1f5fa8", "width": 2.5},
            )
        )
    if demo:
        figure.add_trace(
            go.Scatter(
                x=[p for p, _ in demo],
                y=[v for _, v in demo],
                mode="lines+markers",
                name=_("演示数据（非真实）"),
                line={"color": "#9aa7b5", "width": 2, "dash": "dot"},
                marker={"symbol": "circle-open"},
            )
        )
    periods = [p for p, _, _ in series]
    for target in targets:
        end = f"{target['year']}Q4"
        start = periods[0] if periods else end
        figure.add_trace(
            go.Scatter(
                x=[start, end],
                y=[target["value"], target["value"]],
                mode="lines",
                name=_("目标 %(label)s") % {"label": target["label"]},
                line={"color": "#b3261e", "dash": "dash", "width": 2},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=[end],
                y=[target["value"]],
                mode="markers",
                showlegend=False,
                marker={"color": "#b3261e", "size": 10, "symbol": "star"},
                hovertemplate=_("%(year)s年目标") % {"year": target["year"]}
                + ": %{y}<extra></extra>",
            )
        )
    if projection:
        figure.add_trace(
            go.Scatter(
                x=[projection["from_period"], f"{projection['year']}Q4"],
                y=[projection["from_value"], projection["value"]],
                mode="lines",
                name=_("按趋势预测"),
                line={"color": "#1f5fa8", "dash": "dot", "width": 1.5},
            )
        )
    no_unit = _("无单位")
    figure.update_layout(
        **_layout(
            title=f"{name}（{unit or no_unit}）",
            height=420,
            xaxis={"type": "category", "categoryorder": "category ascending"},
            legend={"orientation": "h", "y": -0.15},
        )
    )
    return figure
