"""A picture of numbers: pyqtgraph plots of the input with a heatmap over it, and of a matrix,
each with its colour bar (the backprop and Gram views share them)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

HOT, SIGNED = pg.colormap.get("CET-L3"), pg.colormap.get("CET-D1")  # black-red-yellow; blue-red
GREY = pg.colormap.get("CET-L1")


def graphics() -> pg.GraphicsLayoutWidget:
    """A white pyqtgraph canvas for the plots of a view."""
    canvas = pg.GraphicsLayoutWidget()
    canvas.setBackground("w")
    return canvas


def image_plot(layout: pg.GraphicsLayoutWidget, title: str = "",
               axes: bool = False) -> tuple[pg.PlotItem, pg.ImageItem]:
    """A plot in `layout` showing an image the right way up, square pixels, no axes menu
    (and no axes unless `axes`)."""
    plot = layout.addPlot(title=title or None)
    plot.invertY(True)
    plot.setAspectLocked(True)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    if not axes:
        plot.hideAxis("left")
        plot.hideAxis("bottom")
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


def colour_bar(plot: pg.PlotItem, image: pg.ImageItem, colours: pg.ColorMap) -> pg.ColorBarItem:
    """A fixed colour bar beside the plot's image."""
    bar = pg.ColorBarItem(values=(0, 1), colorMap=colours, interactive=False, pen="k")
    bar.setImageItem(image, insert_in=plot)
    return bar


def display(pixels: np.ndarray) -> np.ndarray:
    """uint8 C x H x W pixels as H x W (grey) or H x W x 3 for an ImageItem."""
    return pixels[0] if len(pixels) == 1 else pixels.transpose(1, 2, 0)


def fit(plot: pg.PlotItem, shape: tuple[int, ...]) -> None:
    plot.setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.02)
