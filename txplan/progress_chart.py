"""Progress graphs: one measure's scores over time, as PNG for printed charts and SVG for HTML ones.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
figure state, no display). Only a plan with scores imports this module, so
checking plans never loads matplotlib.

Text is drawn literally: mathtext is off (``text.parse_math``), so an instrument a plan names
``$...$`` is printed as typed rather than parsed as TeX (a parse error once crashed the build), and
a character the bundled font lacks is drawn as a box without matplotlib's warning, which would
name the character on stderr.

The bytes are reproducible: every piece of text uses matplotlib's bundled
DejaVu Sans by file (never a system font found by name), ticks and their labels
are computed here (dates from a fixed month table, not the locale), and the PNG
is encoded here with Pillow, with no "Software" stamp or other metadata.

What a clinician reads at a glance: the instrument's severity bands shaded
lightly and named at the right, the score line with each value, the baseline
marked at the plan's start, the target as a dashed line and each clinical cutoff
for the client's age dotted over the days it applies, scores whose PHQ-9 item 9
was above 0 ringed in red, with a legend under the plot. Value labels are placed
where they cross no line and no other label; alliance scales show the top of
their range, where their scores gather.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any, cast

import matplotlib
import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

from .instruments import INSTRUMENTS_BY_NAME, Band, Better, Cutoff, Instrument, score_text
from .progress import MONTHS, MeasureStatus

__all__ = ["png_of", "progress_figure", "progress_png", "progress_svg"]

WIDTH_IN, HEIGHT_IN, DPI = 6.5, 3.4, 200
MARGINS_IN = {"left": 0.75, "right": 1.3, "top": 0.4, "bottom": 1.0}  # room for labels, band names and legend
LEGEND_COLUMNS, LEGEND_ROW_IN = 4, 0.25  # entries on one line of the legend; what each further line adds to the height
MIN_TICK_GAP_IN = 0.5  # date labels closer than this would overlap
TITLE_PT, LABEL_PT, TICK_PT, SIDE_PT, VALUE_PT = 10.5, 9, 8.5, 8, 8.5  # the graph is printed at its own size
SIDE_CHARS = 16  # characters of a name that fit the right margin on one line
MAX_VALUE_LABELS = 12  # more points than this are not labelled one by one

SCORE_COLOR, TARGET_COLOR, CUTOFF_COLOR, TEXT_COLOR, GRID_COLOR = "#1F4E79", "#1A7F37", "#555555", "#333333", "#D0D5DA"
RISK_COLOR = "#C00000"  # the ring around a score whose item 9 was above 0
LABEL_GAP_PT = 1.5  # the least room between a value label and a line or another label
# Where a value label may go, in points from its point, in order of preference: above, below, right, left,
# then further above and below.
PLACES: tuple[tuple[float, float], ...] = ((0, 9), (0, -12), (10, 0), (-10, 0), (0, 21), (0, -24))
BAND_MAP, BAND_ALPHA = "RdYlGn_r", 0.22  # green for the better end of the scale, red for the worse

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@cache
def _font(size: float, bold: bool = False) -> FontProperties:
    """One FontProperties per size and weight: finding a font by file is done once, each artist takes a copy."""
    return FontProperties(fname=_FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), size=size)


def progress_png(status: MeasureStatus, start: date) -> bytes:
    """The graph of a measure with at least one score; the baseline is drawn at ``start`` (the plan's
    effective date), or at the first score when that comes earlier."""
    with _drawing():
        return png_of(_figure(status, start))


def progress_svg(status: MeasureStatus, start: date) -> str:
    """The same graph as an SVG element for HTML charts: text drawn as paths (no font to fetch), no date or
    creator stamp, ids salted with a constant, so the same scores give the same markup."""
    with _drawing():
        figure = _figure(status, start)
        matplotlib.rcParams["svg.hashsalt"] = "txplan"
        buffer = StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    markup = buffer.getvalue()
    return markup[markup.index("<svg"):]


@contextmanager
def _drawing() -> Iterator[None]:
    """matplotlib's defaults whatever a matplotlibrc on this machine says, with text as typed, never as TeX (see the
    module docstring), and unhinted glyphs: matplotlib 3.11 draws text glyph by glyph, resetting the font size for
    each, and hinting them all cost a sixth of a graph's CPU time (13 ms here), while at 200 dpi hinting moves glyph
    edges by a fraction of a pixel. No warning about a missing glyph, which would name the character on stderr."""
    with (matplotlib.style.context("default"),
          matplotlib.rc_context({"text.parse_math": False, "text.usetex": False, "text.hinting": "no_hinting"}),
          warnings.catch_warnings()):
        warnings.filterwarnings("ignore", message="Glyph", category=UserWarning)
        yield


def progress_figure(status: MeasureStatus, start: date) -> Figure:
    """The graph as a matplotlib figure on the Agg canvas, drawn but not encoded (``progress_png`` encodes it)."""
    with _drawing():
        return _figure(status, start)


def _figure(status: MeasureStatus, start: date) -> Figure:
    """``progress_figure`` inside a ``_drawing`` context the caller holds (entering one costs a millisecond)."""
    if not status.scores:
        raise ValueError("a progress graph needs at least one score")
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    height = _height_in(_Graph(axes, status, min(start, status.scores[0].date)).draw())
    figure.set_size_inches(WIDTH_IN, height)
    bottom_in = MARGINS_IN["bottom"] + height - HEIGHT_IN  # the plot keeps its size; a longer legend goes under it
    left_in = MARGINS_IN["left"] + _wider_ticks_in(axes)
    figure.subplots_adjust(left=left_in / WIDTH_IN, right=1 - MARGINS_IN["right"] / WIDTH_IN,
                           top=1 - MARGINS_IN["top"] / height, bottom=bottom_in / height)
    figure.text(left_in / WIDTH_IN, 1 - 0.12 / height, _title(status.instrument), va="top",
                color=TEXT_COLOR, fontproperties=_font(TITLE_PT, bold=True))
    return figure


def _wider_ticks_in(axes: Axes) -> float:
    """The room score labels wider than three digits need on the left (a custom scale up to 10000), so the axis
    title beside them stays on the graph."""
    longest = max((len(label.get_text()) for label in axes.get_yticklabels()), default=0)
    return max(0, longest - 3) * TICK_PT * 0.6 / 72


def _height_in(legend_lines: int) -> float:
    """The figure's height: each line of legend entries after the first adds one under the plot."""
    return HEIGHT_IN + (legend_lines - 1) * LEGEND_ROW_IN


def png_of(figure: Figure) -> bytes:
    """The figure drawn on its Agg canvas and encoded by Pillow: RGB without matplotlib's alpha channel (the page is
    white), read straight from the canvas (``savefig`` to raw RGBA copies 3.5 MB twice on the way), at zlib level 3,
    a third faster to encode than ``savefig``'s own RGBA PNG at level 6 for the same file size, and no metadata."""
    figure.canvas.draw()
    pixels = cast(FigureCanvasAgg, figure.canvas).buffer_rgba()  # type: ignore[no-untyped-call]  # backend_agg: no types
    image = Image.frombytes("RGB", figure.canvas.get_width_height(), pixels, "raw", "RGBX")
    buffer = BytesIO()
    image.save(buffer, format="png", compress_level=3, dpi=(DPI, DPI))
    return buffer.getvalue()


def _title(instrument: Instrument) -> str:
    """Name and what it measures for instruments txplan knows; a plan's own instrument by name."""
    return f"{instrument.name}: {instrument.measures}" if instrument.name in INSTRUMENTS_BY_NAME else instrument.name


@dataclass
class _Graph:
    axes: Axes
    status: MeasureStatus
    start: date

    @property
    def instrument(self) -> Instrument:
        return self.status.instrument

    def draw(self) -> int:
        """Labelled artists are added in the order the legend lists them: scores, baseline, target, cutoffs,
        item 9. Returns the number of lines the legend takes."""
        self._frame()
        self._bands()
        self._series()
        self._level(self.status.target, color=TARGET_COLOR, linestyle=(0, (6, 3)), linewidth=1.4,
                    label=f"Target: {self.status.target_text()}", zorder=3)
        self._cutoffs()
        self._risk_answers()
        self._value_labels()
        return self._legend()

    @property
    def low(self) -> float:
        """The foot of the y axis: the instrument's lowest score, or for alliance scales the foot of the range their
        scores gather in, lowered to the next multiple of 5 under any score, baseline or target below it."""
        view = self.instrument.view
        if view is None:
            return self.instrument.low
        lowest = min(self.status.baseline, self.status.target, *(entry.score for entry in self.status.scores))
        return max(self.instrument.low, min(view[0], lowest // 5 * 5))

    def _frame(self) -> None:
        axes, instrument = self.axes, self.instrument
        first, last = self.start.toordinal(), self.status.scores[-1].date.toordinal()
        pad = max((last - first) * 0.05, 3)
        axes.set_xlim(first - pad, last + pad)
        axes.set_ylim(self.low, instrument.high)
        direction = "lower is better" if instrument.better is Better.LOWER else "higher is better"
        # the title above names the instrument; a custom one's long name ran off the graph here
        axes.set_ylabel(f"Score\n({direction})", fontproperties=_font(LABEL_PT), color=TEXT_COLOR)
        axes.set_xlabel("Date", fontproperties=_font(LABEL_PT), color=TEXT_COLOR)
        axes.tick_params(colors=GRID_COLOR, labelcolor=TEXT_COLOR, length=3)  # before the ticks exist: set once each
        y_ticks = _score_ticks(instrument, self.low)
        axes.set_yticks(y_ticks, [score_text(value) for value in y_ticks], fontproperties=_font(TICK_PT), color=TEXT_COLOR)
        x_days = _date_ticks([self.start, *(entry.date for entry in self.status.scores)], self._days_per_inch())
        axes.set_xticks([day.toordinal() for day in x_days], _date_labels(x_days),
                        fontproperties=_font(TICK_PT), color=TEXT_COLOR)
        if not instrument.bands:  # bands already give the eye its levels
            axes.grid(axis="y", color=GRID_COLOR, linewidth=0.5)
        axes.set_axisbelow(True)
        axes.patch.set_visible(False)  # the figure is white already; the patch still clips what is drawn on the plot
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)

    def _days_per_inch(self) -> float:
        low, high = self.axes.get_xlim()
        return float(high - low) / (WIDTH_IN - MARGINS_IN["left"] - MARGINS_IN["right"])

    def _bands(self) -> None:
        """Each band shaded from halfway to the band below to halfway to the band above, named at the right."""
        bands = self.instrument.bands
        colors = _band_colors(len(bands), reverse=self.instrument.better is Better.HIGHER)
        for index, band in enumerate(bands):
            low, high = _band_edges(bands, index, self.instrument)
            self._span(low, high, color=colors[index], linewidth=0, zorder=0)
            self.axes.text(1.02, (low + high) / 2, f"{band.label}\n{score_text(band.low)}\u2013{score_text(band.high)}",
                           transform=self.axes.get_yaxis_transform(), va="center", ha="left", clip_on=False,
                           color=TEXT_COLOR, fontproperties=_font(SIDE_PT))

    # What axhspan, axhline and plot draw, without their parsing of arguments and update of the data limits, which
    # the fixed limits make useless and which cost more than drawing a band or a line.
    def _span(self, low: float, high: float, **style: Any) -> None:
        self.axes.add_artist(Rectangle((0, low), 1, high - low, transform=self.axes.get_yaxis_transform(), **style))

    def _level(self, value: float, **style: Any) -> None:
        self.axes.add_artist(Line2D([0, 1], [value, value], transform=self.axes.get_yaxis_transform(), **style))

    def _line(self, days: Sequence[float], values: Sequence[float], **style: Any) -> None:
        self.axes.add_artist(Line2D(days, values, **style))

    def _cutoffs(self) -> None:
        """Each cutoff for the client's age over the days it applies (across the whole graph unless the client
        moves into another age group); its name at the right when it applies on the latest score's day."""
        latest = self.status.scores[-1].date
        for cutoff, first, last in self.status.cutoff_periods(self.start):
            label = f"{_capital(cutoff.label)} ({cutoff.span()})"
            whole = first == self.start and last == latest
            if cutoff.upper is not None:
                self._span(cutoff.value, cutoff.high, facecolor="none", edgecolor=CUTOFF_COLOR, hatch="////",
                           linewidth=0.6, label=label, zorder=2)
            elif whole:
                self._level(cutoff.value, color=CUTOFF_COLOR, linestyle=(0, (1.5, 2)), linewidth=1.2, label=label,
                            zorder=2)
            else:
                self._line([first.toordinal(), last.toordinal()], [cutoff.value] * 2, color=CUTOFF_COLOR,
                           linestyle=(0, (1.5, 2)), linewidth=1.2, label=label, zorder=2)
            if not self.instrument.bands and last == latest:
                self._cutoff_name(cutoff)

    def _risk_answers(self) -> None:
        """A red ring around each score whose item 9 (thoughts of death or self-harm) was above 0."""
        answered = self.status.risk_answers
        if not answered:
            return
        item = self.instrument.risk_item
        name = item.name.capitalize() if item is not None else "Risk item"
        self._line([entry.date.toordinal() for entry in answered], [entry.score for entry in answered],
                   linestyle="none", marker="o", markersize=12, markerfacecolor="none", markeredgecolor=RISK_COLOR,
                   markeredgewidth=1.6, label=f"{name} above 0", zorder=6, clip_on=False)

    def _cutoff_name(self, cutoff: Cutoff) -> None:
        """Without bands the right margin is free: name the cutoff there too, beside its line, wrapped to the margin."""
        self.axes.text(1.02, (cutoff.value + cutoff.high) / 2, f"{textwrap.fill(cutoff.label, SIDE_CHARS)}\n{cutoff.span()}",
                       transform=self.axes.get_yaxis_transform(), va="center", ha="left", clip_on=False,
                       color=CUTOFF_COLOR, fontproperties=_font(SIDE_PT))

    def _series(self) -> None:
        scores = self.status.scores
        days = [entry.date.toordinal() for entry in scores]
        values = [entry.score for entry in scores]
        start, baseline = self.start.toordinal(), self.status.baseline
        self._line([start, days[0]], [baseline, values[0]], color=SCORE_COLOR, linestyle=":", linewidth=1.2, zorder=4)
        self._line(days, values, color=SCORE_COLOR, linewidth=2, marker="o", markersize=5, label="Score", zorder=5,
                   clip_on=False)
        self._line([start], [baseline], linestyle="none", marker="D", markersize=7, markerfacecolor="white",
                   markeredgecolor=SCORE_COLOR, markeredgewidth=1.5, label=f"Baseline ({score_text(baseline)})", zorder=5,
                   clip_on=False)

    def _value_labels(self) -> None:
        """Each value by its point (up to ``MAX_VALUE_LABELS`` points), where it crosses no line and no label placed
        before it; the baseline and a first score of the same day are labelled left and right of each other."""
        scores = self.status.scores
        if len(scores) > MAX_VALUE_LABELS:
            return
        start = self.start.toordinal()
        points = [(float(start), self.status.baseline), *((float(e.date.toordinal()), e.score) for e in scores)]
        same_day = start == scores[0].date.toordinal()
        lines = [self.status.target, *(y for c, _, _ in self.status.cutoff_periods(self.start) for y in (c.value, c.high))]
        placer = _LabelPlacer(self.axes, self.low, self.instrument.high, lines)
        for index, (day, value) in enumerate(points):
            fixed = ((-10, 0) if index == 0 else (10, 0)) if same_day and index < 2 else None
            dx, dy = placer.place(day, value, score_text(value), fixed)
            self.axes.annotate(score_text(value), (day, value), xytext=(dx, dy), textcoords="offset points",
                               ha="right" if dx < 0 else "left" if dx > 0 else "center", va="center",
                               color=SCORE_COLOR, fontproperties=_font(VALUE_PT, bold=True), zorder=7,
                               bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none",
                                     "alpha": 0.75})

    def _legend(self) -> int:
        """Under the plot, centred on the page width rather than the plot's, so four entries fit on one line; more
        take further lines of at most four, and the figure grows by a line for each (its number is returned)."""
        handles, labels = self.axes.get_legend_handles_labels()
        lines = -(-len(handles) // LEGEND_COLUMNS)
        self.axes.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.02 * HEIGHT_IN / _height_in(lines)),
                         bbox_transform=self.axes.figure.transFigure, ncol=-(-len(handles) // lines), frameon=False,
                         prop=_font(TICK_PT), handlelength=2.2, columnspacing=1.2)
        return lines


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class _LabelPlacer:
    """Chooses where each value label goes, working in points on the page: the first of ``PLACES`` whose box crosses
    no horizontal line (target, cutoffs), leaves the plot by no more than the label's own height, and overlaps no
    label already placed; when every place collides, the one with the fewest collisions."""

    axes: Axes
    low: float
    high: float
    lines: Sequence[float]
    placed: list[tuple[float, float, float, float]] = field(default_factory=list)  # boxes: left, bottom, right, top

    def _point(self, day: float, value: float) -> tuple[float, float]:
        """Page points from the plot's lower left corner."""
        x_low, x_high = self.axes.get_xlim()
        width_pt = (WIDTH_IN - MARGINS_IN["left"] - MARGINS_IN["right"]) * 72
        height_pt = (HEIGHT_IN - MARGINS_IN["top"] - MARGINS_IN["bottom"]) * 72
        return ((day - x_low) / (x_high - x_low) * width_pt, (value - self.low) / (self.high - self.low) * height_pt)

    def place(self, day: float, value: float, text: str, fixed: tuple[float, float] | None) -> tuple[float, float]:
        x, y = self._point(day, value)
        line_ys = [self._point(day, line)[1] for line in self.lines]
        height_pt = (HEIGHT_IN - MARGINS_IN["top"] - MARGINS_IN["bottom"]) * 72
        width, tall = len(text) * VALUE_PT * 0.62 + 2, VALUE_PT * 1.2
        best: tuple[int, tuple[float, float], tuple[float, float, float, float]] | None = None
        for dx, dy in [fixed] if fixed is not None else PLACES:
            left = x + dx - (width if dx < 0 else 0 if dx > 0 else width / 2)
            box = (left, y + dy - tall / 2, left + width, y + dy + tall / 2)
            collisions = sum(box[1] - LABEL_GAP_PT < line < box[3] + LABEL_GAP_PT for line in line_ys)
            collisions += sum(_overlap(box, other) for other in self.placed)
            collisions += box[1] < -tall or box[3] > height_pt + tall
            if best is None or collisions < best[0]:
                best = (collisions, (dx, dy), box)
            if collisions == 0:
                break
        assert best is not None
        self.placed.append(best[2])
        return best[1]


def _overlap(one: tuple[float, float, float, float], other: tuple[float, float, float, float]) -> bool:
    return one[0] < other[2] + LABEL_GAP_PT and other[0] < one[2] + LABEL_GAP_PT and \
        one[1] < other[3] + LABEL_GAP_PT and other[1] < one[3] + LABEL_GAP_PT


def _band_edges(bands: Sequence[Band], index: int, instrument: Instrument) -> tuple[float, float]:
    band = bands[index]
    low = (bands[index - 1].high + band.low) / 2 if index > 0 else instrument.low
    high = (band.high + bands[index + 1].low) / 2 if index + 1 < len(bands) else instrument.high
    return low, high


def _band_colors(count: int, reverse: bool) -> list[tuple[float, float, float]]:
    """The colormap's colours at ``BAND_ALPHA`` over the white plot, blended here: an opaque band costs Agg less than
    half of what blending it while drawing does."""
    colormap = matplotlib.colormaps[BAND_MAP]
    spots = [0.1 + 0.8 * i / max(count - 1, 1) for i in range(count)]
    colors = [colormap(1 - spot if reverse else spot)[:3] for spot in spots]
    return [(_on_white(red), _on_white(green), _on_white(blue)) for red, green, blue in colors]


def _on_white(channel: float) -> float:
    return 1 - BAND_ALPHA * (1 - channel)


def _score_ticks(instrument: Instrument, low: float) -> list[float]:
    """Band boundaries where there are bands (0, 5, 10, ... 27 for the PHQ-9); otherwise round steps from ``low``."""
    if instrument.bands:
        return sorted({instrument.low, *(band.low for band in instrument.bands), instrument.high})
    span = instrument.high - low
    places, step = next((-e, s * 10**e) for e in range(-9, 10) for s in (1, 2, 5) if span / (s * 10**e) <= 8)
    first = -(-low // step) * step
    count = int((instrument.high - first) // step) + 1
    # each tick rounded to its step's places: 0.1 * 6 is 0.6000000000000001 in floats, and its label said so
    ticks = [round(first + i * step, max(places, 0)) for i in range(count)]
    return [*ticks, instrument.high] if instrument.high - ticks[-1] >= step / 2 else ticks


def _date_ticks(days: Sequence[date], days_per_inch: float) -> list[date]:
    """The baseline and score dates, thinned so that no two labels come closer than ``MIN_TICK_GAP_IN``;
    the first (the baseline) and the last (the latest score) are always kept."""
    gap = timedelta(days=days_per_inch * MIN_TICK_GAP_IN)
    unique = sorted(set(days))
    kept = [unique[0]]
    for day in unique[1:]:
        if day - kept[-1] >= gap:
            kept.append(day)
    if kept[-1] != unique[-1]:
        if len(kept) > 1 and unique[-1] - kept[-1] < gap:
            kept.pop()
        kept.append(unique[-1])
    return kept


def _date_labels(days: Sequence[date]) -> list[str]:
    """``Oct 20``, with the year under the first date and under any date in a new year."""
    years = [None, *(day.year for day in days)]
    return [f"{MONTHS[day.month - 1][:3]} {day.day}" + (f"\n{day.year}" if day.year != before else "")
            for day, before in zip(days, years, strict=False)]
