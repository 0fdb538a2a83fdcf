"""The book's figures: legible on a phone, deterministic, and saying one thing.

Measured on the figures as drawn: every visible text's rendered size on a 390 px phone
(a figure is 342 CSS px wide there, measured in Chromium on the built book) from the figure's width, the book's DPI and the font size; the forest
plot's filled markers against the intervals drawn; the heatmaps' colour limit against the
data; shared axes; hatched small-n bars; the synthetic mark on the replica and not on a field
study; hostile `$`/`<` labels kept literal.
"""

from __future__ import annotations

import io
import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from stagesofprogress import (
    book,
    figstyle,
    mobility,
    mobility_plots,
    models,
    plots,
    uncertainty,
)
from stagesofprogress import movements as mv

ROOT = Path(__file__).resolve().parents[1]
PERU = ROOT / "data" / "peru2004"


@pytest.fixture(scope="module")
def replica():
    return sop.load_study(PERU)


@pytest.fixture(scope="module")
def fits(replica):
    return models.fits_by_kind(replica)


@pytest.fixture(scope="module")
def intervals(replica):
    return uncertainty.bootstrap_movements(replica, replicates=200).table


@pytest.fixture(scope="module")
def field_study(tmp_path_factory):
    """The replica's files with `synthetic: true` removed: what a field team's study looks like."""
    folder = tmp_path_factory.mktemp("field") / "field"
    shutil.copytree(PERU, folder)
    meta = folder / "study.yml"
    text = meta.read_text(encoding="utf-8").replace("synthetic: true", "synthetic: false")
    text = text.replace("paper: ../paper\n", "")  # a field study declares no paper outside itself
    meta.write_text(text, encoding="utf-8")
    study = sop.load_study(folder)
    assert not study.synthetic
    return study


def _all_figures(study, fits, intervals):
    e, d = fits["escape"], fits["descent"]
    return {
        "ladder": lambda: plots.ladder(study),
        "assets_by_stage": lambda: plots.assets_by_stage(study),
        "movement_bars": lambda: plots.movement_bars(study),
        "movement_bars_ci": lambda: plots.movement_bars(study, intervals=intervals),
        "poverty_flow": lambda: plots.poverty_flow(study, groups=["All", *study.regions]),
        "transition_heatmaps": lambda: plots.transition_heatmaps(study),
        "poverty_trend": lambda: plots.poverty_trend(study),
        "community_scatter": lambda: plots.community_scatter(study),
        "odds_ratio_curve": lambda: plots.odds_ratio_curve(0.3),
        "reasons": lambda: plots.share_bars(
            book.reason_long(study, "escaped"), "label", "percent", "group", title="Reasons"
        ),
        "holdings": lambda: plots.paired_bars(book.table6_long(study), "item", "then", "now", group="group"),
        "herd_sizes": lambda: plots.herd_sizes(study),
        "forest_escape": lambda: sop.forest_plot(e.results, labels=e.labels, groups=e.groups),
        "forest_descent": lambda: sop.forest_plot(d.results, labels=d.labels, groups=d.groups),
        "movement_intervals": lambda: mobility_plots.movement_intervals(intervals, synthetic=study.synthetic),
        "projection_lines": lambda: mobility_plots.projection_lines(study, mobility.chains(study)),
        "literature": lambda: _literature_figure(study),
    }


# The figures that draw a title of their own (test_book checked these on the replica before).
TITLED = {
    "ladder",
    "assets_by_stage",
    "movement_bars",
    "poverty_flow",
    "transition_heatmaps",
    "poverty_trend",
    "community_scatter",
    "odds_ratio_curve",
}


@pytest.fixture(scope="module")
def drawn(replica, fits, intervals):
    """{name: (maker, figure, PNG bytes)} for every book figure: each drawn once for the module."""
    out = {}
    for name, make in _all_figures(replica, fits, intervals).items():
        fig = make()
        out[name] = (make, fig, book.png_bytes(fig))
    return out


def _literature_figure(study):
    from stagesofprogress import literature

    return literature.escape_descent_figure(literature.load_studies(), literature.own_points(study))


def _texts(fig, draw: bool = True) -> list[Text]:
    if draw:  # tick labels exist only once drawn (`drawn` has saved its figures as PNG already)
        FigureCanvasAgg(fig).draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


# --------------------------------------------------------------------------- legible on any screen


def test_css_px_formula():
    # a 6-inch figure at 130 dpi is 780 px: 13 pt text is 23.5 px, scaled by 342/780 on a phone
    assert figstyle.css_px(13, 6, 130) == pytest.approx(13 / 72 * 130 * 342 / 780)
    # never scaled up: a 2-inch figure keeps its pixels in a 350 px column
    assert figstyle.css_px(10, 2, 100) == pytest.approx(10 / 72 * 100)
    assert figstyle.DPI == book.DPI


def test_every_label_is_at_least_10_css_px_on_a_phone(drawn):
    sizes = {}
    for name, (_make, fig, _png) in drawn.items():
        if name in TITLED:
            assert fig._suptitle is not None and fig._suptitle.get_text().strip(), f"{name}: no title"
        width, _ = fig.get_size_inches()
        assert width * book.DPI <= figstyle.COLUMN_PX, f"{name}: wider than the desktop column"
        texts = _texts(fig, draw=False)
        assert texts, name
        smallest = min(texts, key=lambda t: t.get_fontsize())
        px = figstyle.css_px(smallest.get_fontsize(), width, book.DPI, figstyle.PHONE_COLUMN_PX)
        sizes[name] = px
        assert px >= figstyle.MIN_CSS_PX, f"{name}: {smallest.get_text()!r} is {px:.1f} CSS px on a phone"
    assert min(sizes.values()) >= 10.0


def test_pngs_are_deterministic_and_carry_no_timestamp(replica, drawn):
    for name, (make, _fig, a) in drawn.items():
        b = book.png_bytes(make())  # a second figure, drawn afresh
        assert a == b, f"{name}: not byte-identical"
        assert b"tIME" not in a and b"Software" not in a, name
    # SVG too: ids from a fixed salt, no date
    fig = plots.ladder(replica)
    import matplotlib as mpl

    def svg():
        buf = io.BytesIO()
        with mpl.rc_context(figstyle.RC):
            plots.ladder(replica).savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()

    assert svg() == svg() and b"<dc:date>" not in svg()
    assert fig is not None


# --------------------------------------------------------------------------- forest plots


def _forest_points(ax):
    """(odds ratio, y, filled) for every marker, and {y: (lo, hi)} of the intervals drawn."""
    segs = {}
    for coll in ax.collections:
        for seg in coll.get_segments():
            (x0, y0), (x1, _y1) = seg
            segs[round(float(y0), 6)] = (min(x0, x1), max(x0, x1))
    pts = []
    for line in ax.get_lines():
        if line.get_marker() != "o":
            continue
        filled = line.get_markerfacecolor() != "white" and tuple(line.get_markerfacecolor()[:3]) != (1.0, 1.0, 1.0)
        for x, y in zip(line.get_xdata(), line.get_ydata()):
            pts.append((float(x), round(float(y), 6), filled))
    return pts, segs


@pytest.mark.parametrize("model", ["escape", "descent"])
def test_forest_markers_agree_with_the_intervals_drawn(fits, model):
    fit = fits[model]
    fig = sop.forest_plot(fit.results, labels=fit.labels, groups=fit.groups)
    n_filled = n_hollow = 0
    for ax in fig.axes:
        pts, segs = _forest_points(ax)
        assert pts
        for x, y, filled in pts:
            lo, hi = segs[y]
            assert lo <= x <= hi or np.isclose(x, lo) or np.isclose(x, hi)
            if filled:
                n_filled += 1
                assert lo > 1 or hi < 1, (
                    f"{ax.get_title()}: filled marker at {x:.3g} with interval ({lo:.3g}, {hi:.3g})"
                )
            else:
                n_hollow += 1
                assert lo <= 1 <= hi, f"{ax.get_title()}: hollow marker at {x:.3g} with interval ({lo:.3g}, {hi:.3g})"
    assert n_filled and n_hollow
    legend = " ".join(t.get_text() for lg in fig.legends for t in lg.get_texts())
    assert "90% interval" in legend


def test_forest_intervals_are_the_90_percent_ones(fits):
    r = next(iter(fits["escape"].results.values()))
    ci = r.conf_int_or(alpha=0.10)
    star = r.pvalue < 0.10
    excl = (ci["ci_low"] > 1) | (ci["ci_high"] < 1)
    ok = r.se.notna()
    assert (star[ok] == excl[ok]).all()  # the rule the markers follow is the interval's


def test_forest_panels_share_both_axes(fits):
    fit = fits["escape"]
    fig = sop.forest_plot(fit.results, labels=fit.labels, groups=fit.groups)
    a0, *rest = fig.axes
    assert rest
    for a in rest:
        assert a0.get_shared_x_axes().joined(a0, a) and a0.get_shared_y_axes().joined(a0, a)
        assert a.get_xlim() == a0.get_xlim()


def test_forest_tick_labels_do_not_overlap(fits):
    fit = fits["escape"]
    fig = sop.forest_plot(fit.results, labels=fit.labels, groups=fit.groups)
    renderer = FigureCanvasAgg(fig).get_renderer()
    FigureCanvasAgg(fig).draw()
    boxes = [
        t.get_window_extent(renderer) for a in fig.axes for t in a.get_xticklabels() if t.get_visible() and t.get_text()
    ]
    boxes.sort(key=lambda b: b.x0)
    for left, right in itertools.pairwise(boxes):
        assert left.x1 <= right.x0, "x tick labels overlap"
    ys = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels() if t.get_text()]
    ys.sort(key=lambda b: b.y0)
    for low, high in itertools.pairwise(ys):
        assert low.y1 <= high.y0 + 0.5, "variable labels overlap"


# --------------------------------------------------------------------------- heatmaps, ladder, herds


def test_heatmap_colour_limit_is_the_data_max_rounded_up(replica):
    fig = plots.transition_heatmaps(replica)
    periods = [(y, replica.survey_year) for y in replica.time_points[:-1]]
    top = max(np.nanmax(mv.transition_matrix(replica, a, b, normalize=True).to_numpy(dtype=float)) for a, b in periods)
    from matplotlib.collections import QuadMesh

    ims = [c for ax in fig.axes for c in ax.collections if isinstance(c, QuadMesh)]  # seaborn's heatmaps
    assert len(ims) >= len(periods)
    for im in ims:
        assert im.get_clim() == (0, pytest.approx(np.ceil(top * 10) / 10))
    assert np.ceil(top * 10) / 10 < 1.0  # the replica's cells stay well below one
    assert plots.colour_limit([np.array([[0.41, np.nan]])]) == pytest.approx(0.5)
    assert plots.colour_limit([np.array([[0.4]])]) == pytest.approx(0.4)
    assert plots.colour_limit([np.array([[1.0]])]) == 1.0


def test_ladder_poverty_line_label_is_not_on_a_bar(replica):
    fig = plots.ladder(replica)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    labels = [t for t in fig.findobj(Text) if "poverty line" in t.get_text()]
    assert labels
    for t in labels:
        box = t.get_window_extent(renderer)
        assert not any(box.overlaps(b) for b in bars), "the poverty-line label sits on a bar"


def test_herd_sizes_have_their_own_axes_and_flag_small_n(replica):
    from stagesofprogress import livestock

    fig = plots.herd_sizes(replica)
    t = livestock.herd_sizes(replica, category="escaped")
    t = t[t["group"] != mv.ALL]
    shown = [a for a in fig.axes if a.get_visible()]
    items = [i for i in pd.unique(t["item"]) if t.loc[t["item"] == i, "mean"].notna().any()]
    assert [a.get_title(loc="left") for a in shown] == items
    xmax = {a.get_title(loc="left"): a.get_xlim()[1] for a in shown}
    assert xmax["Sheep improved"] > 5 * xmax["Beef indigenous"]  # per-species scales
    hatched = sum(1 for a in shown for p in a.patches if p.get_hatch())
    small = int(((t["valid_n"] >= 1) & (t["valid_n"] <= figstyle.SMALL_N)).sum())
    assert small > 0 and hatched == small
    notes = [x.get_text() for x in fig.findobj(Text) if x.get_text().startswith("n=")]
    assert len(notes) == small
    legend = [x.get_text() for lg in fig.legends for x in lg.get_texts()]
    assert figstyle.small_n_note() in legend


def test_movement_bars_draw_the_bootstrap_intervals(replica, intervals):
    fig = plots.movement_bars(replica, intervals=intervals)
    ax = fig.axes[0]
    a, b = replica.time_points[0], replica.survey_year
    ci = intervals[(intervals["start"] == a) & (intervals["end"] == b)]
    widths = sorted(np.round(ci["ci_high"] - ci["ci_low"], 6))
    drawn = []
    for coll in ax.collections:
        for seg in coll.get_segments():
            (x0, y0), (x1, y1) = seg
            if np.isclose(y0, y1):
                drawn.append(round(abs(x1 - x0), 6))
    assert sorted(drawn) == pytest.approx(widths, abs=1e-6)


# --------------------------------------------------------------------------- what the paper pins down


def _marked(fig) -> bool:
    return any(
        t.get_gid() == figstyle.SYNTHETIC_GID and t.get_text() == figstyle.SYNTHETIC_LABEL and t.get_visible()
        for t in fig.findobj(Text)
    )


def test_synthetic_mark_on_the_replica_only(replica, field_study, intervals):
    not_pinned = {
        "poverty_flow": lambda s: plots.poverty_flow(s, groups=["All", *s.regions]),
        "transition_heatmaps": lambda s: plots.transition_heatmaps(s),
        "movement_bars_ci": lambda s: plots.movement_bars(s, intervals=intervals),
        "projection_lines": lambda s: mobility_plots.projection_lines(s, mobility.chains(s)),
        "movement_intervals": lambda s: mobility_plots.movement_intervals(intervals, synthetic=figstyle.is_replica(s)),
    }
    simulated = sop.load_study(ROOT / "data" / "teaching")  # synthetic, but no paper to be measured against
    assert simulated.synthetic and not figstyle.is_replica(simulated) and figstyle.is_replica(replica)
    for name, make in not_pinned.items():
        assert _marked(make(replica)), f"{name}: no synthetic mark on the replica"
        assert not _marked(make(field_study)), f"{name}: synthetic mark on a field study"
        if name != "movement_intervals":  # drawn from the replica's intervals
            assert not _marked(make(simulated)), f"{name}: 'not from the paper' on a study without a paper"
    # figures of the paper's own tables carry no mark
    for fig in (plots.movement_bars(replica), plots.poverty_trend(replica), plots.herd_sizes(replica)):
        assert not _marked(fig)


# --------------------------------------------------------------------------- hostile labels


def test_hostile_labels_stay_literal(fits):
    hostile = "$\\frac{1}{0}$ <b>x</b>"
    df = pd.DataFrame({"label": [hostile, "Plain"], "percent": [10.0, 20.0], "group": ["$a$", "$a$"]})
    fig = plots.share_bars(df, "label", "percent", "group", title=hostile)
    assert book.png_bytes(fig)[:4] == b"\x89PNG"  # mathtext would raise on the label
    texts = _texts(fig)
    assert hostile in [t.get_text() for t in texts]
    assert all(not t._parse_math for t in texts if "$" in t.get_text())
    fit = fits["escape"]
    var = next(iter(fit.results.values())).predictors[0]
    fig = sop.forest_plot(fit.results, labels={**fit.labels, var: hostile}, groups=fit.groups)
    assert book.png_bytes(fig)[:4] == b"\x89PNG"
    ticks = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert hostile in ticks
    assert all(not t._parse_math for t in _texts(fig) if "$" in t.get_text())
