"""One colour per class (matplotlib's tab10, repeating past 10), shared by the maps that
colour classes."""

from __future__ import annotations

CLASS_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def class_color(k: int) -> tuple[int, int, int]:
    """Class k's colour as (r, g, b)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]
