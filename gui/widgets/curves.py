"""Live metric curves: growable series, debiased EMA smoothing, cheap throttled redraws."""

from __future__ import annotations

import csv
import functools
import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

REDRAW_BUDGET = 0.02  # the share of the GUI thread that live curves may take to draw
MAX_REDRAW_INTERVAL_MS = 1000  # however slow the machine, new points show each second
TITLE_SIZE = "9pt"  # titles set the plots' least width: two columns fit a 1024 px window
TICK_TEXT_WIDTH = 42  # room for y tick labels up to "0.0005" from the start (px)
COLORS = {"train": (31, 119, 180), "val": (255, 127, 14)}
CurveSpec = tuple[str, str, tuple[int, int, int] | None, dict]  # plot, name, colour, keywords
OVERLAY_COLORS = [(44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194)]


@functools.lru_cache(maxsize=4)
def ema_matrices(weight: float, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """The decay matrix w^(t-k) (k <= t, else 0) and the carry-in weights w^1..w^chunk; built
    once per smoothing weight (building them cost more than smoothing a short series)."""
    lag = np.arange(chunk)[:, None] - np.arange(chunk)[None, :]
    decay = np.where(lag >= 0, weight ** np.maximum(lag, 0), 0.0)
    return decay, weight ** np.arange(1, chunk + 1)


def ema(values: np.ndarray, weight: float, chunk: int = 256) -> np.ndarray:
    """TensorBoard's smoothing: exponential moving average, debiased for the first points.

    s_t = w s_(t-1) + (1 - w) x_t, computed a chunk at a time as a matrix product with the
    decay matrix w^(t-k) (k <= t), carrying the last value into the next chunk.
    """
    n = len(values)
    if weight <= 0 or n == 0:
        return values
    decay, carry_in = ema_matrices(weight, chunk)
    out, last = np.empty(n), 0.0
    for start in range(0, n, chunk):
        x = values[start : start + chunk]
        k = len(x)
        out[start : start + k] = (1 - weight) * decay[:k, :k] @ x + carry_in[:k] * last
        last = out[start + k - 1]
    return out / (1 - weight ** np.arange(1, n + 1))


def step_walls(prev_wall: float, wall: float, n: int) -> np.ndarray:
    """Wall times of the n steps of one event that ends at `wall`, spread evenly after the
    previous event's `prev_wall`."""
    return np.linspace(prev_wall, wall, n + 1)[1:] if n > 1 else np.array([wall])


class Series:
    """A growable (step, wall time, value) series with amortized O(1) appends."""

    def __init__(self) -> None:
        self._data = np.empty((3, 256))
        self.n = 0

    def extend(self, step: np.ndarray, wall: np.ndarray, value: np.ndarray) -> None:
        k = len(value)
        if self.n + k > self._data.shape[1]:
            grown = np.empty((3, max(2 * self._data.shape[1], self.n + k)))
            grown[:, : self.n] = self._data[:, : self.n]
            self._data = grown
        self._data[:, self.n : self.n + k] = (step, wall, value)
        self.n += k

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._data[0, : self.n], self._data[1, : self.n], self._data[2, : self.n]


@dataclass
class Curve:
    series: Series
    raw: pg.PlotDataItem
    smooth: pg.PlotDataItem | None
    dirty: bool = True


@dataclass
class Plot:
    item: pg.PlotItem
    curves: dict[str, Curve] = field(default_factory=dict)
    span: tuple[float, float] | None = None  # the y range set by fit_y (view coordinates)
    follow: bool = True  # fit y to the data (until the user pans or zooms the plot)


def y_span(lo: float, hi: float, span: tuple[float, float] | None,
           from_zero: bool) -> tuple[float, float] | None:
    """A new y range for data in [lo, hi], or None to keep `span`: it is kept while it holds
    the data and the data fill at least half of it, so the axis is rarely laid out again."""
    if from_zero:
        lo = min(lo, 0.0)
    if span and span[0] <= lo and hi <= span[1] and hi - lo >= 0.5 * (span[1] - span[0]):
        return None
    pad = 0.08 * (hi - lo) or 0.1 * abs(hi) or 1.0
    return (lo if from_zero and lo == 0 else lo - pad), hi + pad


def pen(color: tuple[int, int, int], alpha: int = 255, style=None) -> pg.QtGui.QPen:
    p = pg.mkPen((*color, alpha), width=1)
    if style is not None:
        p.setStyle(style)
    return p


class CurveBoard(pg.GraphicsLayoutWidget):
    """A grid of metric plots. Data goes in with `extend`; a timer redraws what changed.

    The timer runs only while a shown curve has new points, and paces itself: after each
    tick the next waits until drawing (setData and paint) has taken no more than
    REDRAW_BUDGET of the GUI thread's time, so a training run on the same cores keeps its
    speed. Painting holds the GIL (pyqtgraph paints in Python) and a core, which the compute
    thread needs.
    """

    def __init__(
        self, plots: dict[str, str], columns: int = 2, fps: float = 16.0,
        from_zero: tuple[str, ...] = (), legends: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.setBackground("w")
        self.smoothing, self.log_y, self.wall_axis = 0.6, False, False
        self.plots: dict[str, Plot] = {}
        self.from_zero = from_zero  # plots whose y axis starts at 0 (flat lines stay readable)
        self.next_plot = 0
        self.kept: set[tuple[str, str]] = set()  # (plot, name) of curves clear_curves empties
        self.x_extent: int | None = None  # known run length: a fixed step axis, cheap redraws
        for i, (key, title) in enumerate(plots.items()):
            item = self.addPlot(row=i // columns, col=i % columns)
            item.setTitle(title, size=TITLE_SIZE)
            item.setClipToView(True)
            item.setDownsampling(auto=True, mode="peak")
            if key in legends:
                self.legend_below(item)
            item.enableAutoRange(y=False)  # fit_y sets it, rarely
            self.reserve_tick_text(item.getAxis("left"))
            self.plots[key] = plot = Plot(item)
            item.vb.sigRangeChangedManually.connect(functools.partial(self.let_user_range, plot))
            item.autoBtn.clicked.connect(functools.partial(self.follow_data, plot))
        self.cache_static_items(True)
        self.set_axis_labels()
        least = self.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize)  # titles and axes in full
        self.setMinimumSize(math.ceil(least.width()) + 2, math.ceil(least.height()) + 2)
        self.fastest_ms = int(1000 / fps)
        self.spent = 0.0  # CPU seconds this thread spent drawing since the last tick
        self.timer = QTimer(self)
        self.timer.setInterval(self.fastest_ms)
        self.timer.timeout.connect(self.redraw)

    @staticmethod
    def legend_below(item: pg.PlotItem) -> None:
        """Name the plot's curves in a row under its x axis: a legend over the plot covered
        the data (accuracy rises into the top right corner, where it sat)."""
        item.legend = pg.LegendItem(labelTextSize="8pt", colCount=3)
        item.layout.addItem(item.legend, 5, 1)  # (rows 0-4: title, axes and the view box)

    @staticmethod
    def reserve_tick_text(axis: pg.AxisItem) -> None:
        """Start the axis as wide as common tick labels need, and never narrow it. pyqtgraph
        fits an axis to its widest label, so a new range with wider or narrower labels laid out
        and repainted the whole board (~25 ms of the GUI thread: the longest stall of a training
        run, measured); it still widens for a label wider than TICK_TEXT_WIDTH."""
        axis.textWidth = TICK_TEXT_WIDTH  # (pyqtgraph's record of the widest label so far)
        axis.setStyle(autoReduceTextSpace=False)  # (and applies the width)

    def set_title(self, plot: str, text: str) -> None:
        """Retitle a plot (in the board's title size)."""
        self.plots[plot].item.setTitle(text, size=TITLE_SIZE)

    def curve(
        self, plot: str, name: str, color=None, smooth: bool = True, dashed: bool = False
    ) -> Curve:
        """The named curve of a plot, created on first use (colour: by name if not given)."""
        p = self.plots[plot]
        if name not in p.curves:
            color = color or COLORS.get(name, (0, 0, 0))
            style = pg.QtCore.Qt.PenStyle.DashLine if dashed else None
            if smooth:
                raw = p.item.plot(pen=pen(color, 60, style))
                line = p.item.plot(pen=pen(color, 255, style), name=name)
            else:
                raw = p.item.plot(pen=pen(color, 255, style), name=name, symbol="o", symbolSize=5,
                                  symbolBrush=color, symbolPen=None)
                raw.scatter.setBrush(color)  # the legend's sample: styled only by data otherwise
                raw.scatter.setPen(None)
                line = None
            p.curves[name] = Curve(Series(), raw, line)
        return p.curves[name]

    def prepare(self, specs: Sequence[CurveSpec]) -> None:
        """Create these curves, empty, one per pass of the event loop, and keep them across
        clear_curves. Creating a curve takes ~3 ms of the GUI thread: a run's first points
        created eight at once (~25 ms, the longest stall of a training run, measured)."""
        self.kept.update((plot, name) for plot, name, _, _ in specs)
        pending = deque(specs)

        def create_next() -> None:
            if pending:
                plot, name, color, kw = pending.popleft()
                self.curve(plot, name, color, **kw)
                QTimer.singleShot(0, self, create_next)

        QTimer.singleShot(0, self, create_next)

    def extend(self, plot: str, name: str, step, wall, value, color=None, **kw) -> None:
        c = self.curve(plot, name, color, **kw)
        c.series.extend(np.atleast_1d(step), np.atleast_1d(wall), np.atleast_1d(value))
        c.dirty = True
        self.wake()

    def wake(self) -> None:
        """Start the redraw timer if it is idle and the board shown (it stops when nothing
        shown has changed; showing the board wakes it)."""
        if self.isVisible() and not self.timer.isActive():
            self.timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.wake()  # draw what changed while hidden

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        start = time.thread_time()
        super().paintEvent(event)
        self.spent += time.thread_time() - start

    def remove(self, name: str) -> None:
        """Drop a curve from every plot (e.g. an overlay that was unchecked)."""
        for p in self.plots.values():
            self.drop(p, name)

    @staticmethod
    def drop(p: Plot, name: str) -> None:
        c = p.curves.pop(name, None)
        for item in (c.raw, c.smooth) if c else ():
            if item is not None:
                p.item.removeItem(item)
                if p.item.legend is not None:
                    p.item.legend.removeItem(item)

    def clear_curves(self, keep: set[str] | None = None) -> None:
        """Drop every curve but those named in `keep`; prepared curves are emptied instead."""
        for key, p in self.plots.items():
            for name in [n for n in p.curves if not keep or n not in keep]:
                if (key, name) in self.kept:
                    self.empty(p.curves[name])
                else:
                    self.drop(p, name)

    @staticmethod
    def empty(c: Curve) -> None:
        c.series, c.dirty = Series(), False
        for item in (c.raw, c.smooth):
            if item is not None:
                item.setData([], [])

    def set_axis_labels(self) -> None:
        for p in self.plots.values():
            p.item.setLabel("bottom", "wall time (s)" if self.wall_axis else "step")

    def set_x_extent(self, steps: int | None) -> None:
        """Fix the step axis to the run's length: no axis re-layout while it grows (~2x cheaper)."""
        self.x_extent = steps
        for p in self.plots.values():
            if steps and not self.wall_axis:
                p.item.setXRange(0, steps, padding=0.02)
            else:
                p.item.enableAutoRange(x=True)

    def set_view(self, smoothing: float, log_y: bool, wall_axis: bool) -> None:
        """Change smoothing, log-y or x axis; everything is redrawn on the next tick."""
        self.smoothing, self.log_y, self.wall_axis = smoothing, log_y, wall_axis
        self.set_axis_labels()
        self.set_x_extent(self.x_extent)
        for p in self.plots.values():
            p.item.setLogMode(y=log_y)
            self.follow_data(p)

    def let_user_range(self, p: Plot, *_) -> None:
        """The user panned or zoomed: keep their view until they press the plot's A button."""
        p.follow = False

    def follow_data(self, p: Plot, *_) -> None:
        """Fit y to the data again (and redraw) on the next tick."""
        p.follow, p.span = True, None
        for c in p.curves.values():
            c.dirty = True
        self.wake()

    def cache_static_items(self, on: bool) -> None:
        """Paint axes, titles and legends from pixmaps: a repaint then calls Python only for
        the curves. Off while exporting SVG, which must stay vector."""
        mode = QGraphicsItem.CacheMode
        for item in self.scene().items():
            if isinstance(item, pg.AxisItem | pg.LabelItem | pg.LegendItem):
                item.setCacheMode(mode.DeviceCoordinateCache if on else mode.NoCache)

    def redraw(self) -> None:
        """Redraw the next plot that changed; stop the timer when none did or while hidden.

        One plot per tick keeps each repaint short (~3 ms of CPU, but up to ~25 ms of wall time
        while the compute thread holds the GIL between its torch calls), so the event loop
        stays responsive; four plots at once kept it busy for ~20 ms.
        """
        start = time.thread_time()
        if not self.isVisible() or not self.draw_next():
            self.timer.stop()
            return
        self.spent += time.thread_time() - start
        interval = 1000 * self.spent / REDRAW_BUDGET
        self.timer.setInterval(int(min(max(interval, self.fastest_ms), MAX_REDRAW_INTERVAL_MS)))
        self.spent = 0.0

    def draw_next(self) -> bool:
        """Draw the next plot after the last one drawn that has changed; False if none has."""
        keys = list(self.plots)
        for i in range(len(keys)):
            key = keys[(self.next_plot + i) % len(keys)]
            if self.draw_plot(key):
                self.next_plot = (keys.index(key) + 1) % len(keys)
                return True
        return False

    def redraw_all(self) -> None:
        """Bring every plot up to date now (before a screenshot or export)."""
        for key in self.plots:
            self.draw_plot(key)

    def draw_plot(self, key: str) -> bool:
        p = self.plots[key]
        dirty = [c for c in p.curves.values() if c.dirty]
        for c in dirty:
            self.draw(c)
        if dirty and p.follow:
            self.fit_y(key, p)
        return bool(dirty)

    def fit_y(self, key: str, p: Plot) -> None:
        """Fit the y range to every curve of the plot (see y_span); from 0 for from-zero plots."""
        ys = [c.series.columns()[2] for c in p.curves.values() if c.series.n]
        y = np.concatenate(ys) if ys else np.empty(0)
        if self.log_y:
            y = np.log10(y[y > 0])
        y = y[np.isfinite(y)]
        if not y.size:
            return
        span = y_span(float(y.min()), float(y.max()), p.span,
                      key in self.from_zero and not self.log_y)
        if span is not None:
            p.span = span
            p.item.setYRange(*span, padding=0)

    def draw(self, c: Curve) -> None:
        step, wall, y = c.series.columns()
        x = wall if self.wall_axis else step
        c.raw.setData(x, self.positive(y), connect="finite")
        if c.smooth is not None:
            c.smooth.setData(x, self.positive(ema(y, self.smoothing)), connect="finite")
        c.dirty = False

    def positive(self, y: np.ndarray) -> np.ndarray:
        """In log-y mode, values <= 0 are gaps rather than errors."""
        return np.where(y > 0, y, np.nan) if self.log_y else y

    def export_svg(self, path: Path) -> None:
        """Vector export through QSvgGenerator (pyqtgraph's SVGExporter fails on Qt 6.11 paths)."""
        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(self.size())
        gen.setViewBox(self.rect())
        gen.setTitle("DeepScope curves")
        self.redraw_all()
        self.cache_static_items(False)
        painter = QPainter(gen)
        self.render(painter)
        painter.end()
        self.cache_static_items(True)

    def export_csv(self, path: Path) -> None:
        """All curves in long format: plot, curve, step, wall_time, value (raw values)."""
        with open(path, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["plot", "curve", "step", "wall_time", "value"])
            for key, p in self.plots.items():
                for name, c in p.curves.items():
                    for row in zip(*c.series.columns(), strict=True):
                        out.writerow([key, name, int(row[0]), f"{row[1]:.4f}", f"{row[2]:.6g}"])
