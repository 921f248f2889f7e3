"""Gallery mode: occlude a selection in one job, show thumbnails, open one in the map view."""

import numpy as np
from PySide6.QtCore import Qt

from tests.gui.panels.occlusion.steps import idle, run


def test_gallery_fills_thumbnails_and_a_click_opens_one(qtbot, occ):
    occ.form.win_h.setValue(14)
    occ.form.win_w.setValue(14)
    occ.form.stride.setValue(7)
    occ.gallery_kind.setCurrentIndex(occ.gallery_kind.findData("confident mistakes"))
    qtbot.mouseClick(occ.gallery_button, Qt.MouseButton.LeftButton)
    assert occ.job is not None and occ.cancel_button.isEnabled()
    assert occ.middle.currentWidget() is occ.gallery
    idle(qtbot, occ, timeout=60_000)
    items, grid = occ.gallery.items, occ.gallery.grid
    assert len(items) == 16 and len(grid.images) == 16 and all(grid.highlight)
    confidence = [i.info.top5[0][1] for i in items]
    assert confidence == sorted(confidence, reverse=True)  # most confident mistakes first
    assert all(i.info.top5[0][0] != i.info.label for i in items)
    assert all(i.maps.done == i.maps.total == 9 for i in items)
    assert "→" in grid.captions[0] and "%" in grid.captions[0] and "16 images" in \
        occ.gallery.title.text()

    grid.resize(700, 600)
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(2).center())
    third = items[2]
    assert occ.middle.currentWidget() is occ.view and occ.view.maps is third.maps
    assert occ.source.browser.index.value() == third.index and occ.view.info is third.info
    occ.probe_at(1, 1)  # probing works on the opened image
    idle(qtbot, occ)
    assert "window over x 7–20, y 7–20" in occ.predicted.probe_text.text()  # in pixels
    run(qtbot, occ)  # and Run recomputes the same maps
    assert np.allclose(occ.view.maps.probability, third.maps.probability, atol=1e-6)


def test_cancelling_a_gallery_keeps_the_thumbnails_so_far(qtbot, occ):
    occ.form.batch.setValue(1)
    occ.gallery_kind.setCurrentIndex(occ.gallery_kind.findData("least confident"))
    qtbot.mouseClick(occ.gallery_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(occ.gallery.items) >= 1, timeout=60_000)
    qtbot.mouseClick(occ.cancel_button, Qt.MouseButton.LeftButton)
    idle(qtbot, occ)
    kept = len(occ.gallery.items)
    assert 1 <= kept < 16 and "cancelled" in occ.gallery.title.text()
    assert occ.gallery_button.isEnabled() and occ.run_button.isEnabled()
