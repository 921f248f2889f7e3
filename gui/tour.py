"""`deepscope tour`: train the default models briefly offscreen and save a PNG of the window
and of every panel (each panel's tour step, in the order of PANELS)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SMALL = (1024, 700)  # a small laptop's screen: every panel is saved at this size too


def waiter(app, timeout_s: float = 300.0) -> Callable[[Callable[[], bool]], None]:
    """`wait(condition)`: process events until condition() holds (TimeoutError after
    timeout_s), then once more, so what the last event changed is drawn."""

    def wait(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("a tour step did not finish in time")
            app.processEvents()
            time.sleep(0.01)
        app.processEvents()

    return wait


def tour(out: Path, runs_dir: Path | None = None) -> list[Path]:
    """Screenshots of the window and each panel (named by its key in PANELS and its views'
    suffixes, and at 1024 x 700 `<key>-1024x700.png`) after its tour step. The tour keeps its
    settings in a temporary file: the user's stay as they were."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from .app import make_app, make_window
    from .panels import PANELS

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    wait = waiter(app)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "tour.ini"), QSettings.Format.IniFormat)
        window = make_window(runs_dir or Path(tmp), settings)
        window.resize(1500, 900)
        wait(lambda: bool(window.compute.device_label))
        for entry in PANELS:
            entry.tour(window.show_panel(entry.key), wait)
        window.show_panel(PANELS[0].key)
        paths = [out / "window.png"]
        window.grab().save(str(paths[0]))
        for size, suffix in (((1500, 900), ""), (SMALL, "-1024x700")):
            window.resize(*size)
            for entry in PANELS:
                panel = window.show_panel(entry.key)
                for view, step in entry.views or (("", lambda *_: None),):
                    step(panel, wait)
                    app.processEvents()
                    paths.append(window.export_panel(out / f"{entry.key}{view}{suffix}.png"))
        window.close()
    return paths
