"""Steps of the occlusion panel tests: wait for the panel's jobs, press Run."""

from __future__ import annotations

from PySide6.QtCore import Qt


def idle(qtbot, panel, timeout: int = 30_000) -> None:
    """Wait until no job of the panel is queued or running."""
    qtbot.waitUntil(panel.idle, timeout=timeout)


def run(qtbot, panel, timeout: int = 30_000) -> None:
    """Press Run and wait for the maps."""
    assert panel.run_button.isEnabled(), panel.problems.text()
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.job is not None and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.job is None, timeout=timeout)
