"""The Embeddings panel driven through its real widgets on an untrained LeNet run: choose a
projection, run, pause, step, resume; hover, click for neighbours, select a region; export."""

from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog
from sklearn.decomposition import PCA

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
MOVE, PRESS, RELEASE = (QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress,
                        QEvent.Type.MouseButtonRelease)


def idle(qtbot, panel, timeout: int = 60_000) -> None:
    qtbot.waitUntil(panel.idle, timeout=timeout)


def choose(panel, method: str, split: str = "test") -> None:
    form = panel.form
    form.method.setCurrentIndex(form.method.findData(method))
    form.split.setCurrentIndex(form.split.findData(split))


def run(qtbot, panel) -> None:
    qtbot.mouseClick(panel.controls.start_button, LEFT)
    idle(qtbot, panel)


def at(pane, row: int) -> QPointF:
    """Where a point of the map is, in the plot's viewport pixels."""
    x, y = pane.map.cloud.coords[row]
    scene = pane.map.box.mapViewToScene(QPointF(float(x), float(y)))
    return QPointF(pane.map.plot.mapFromScene(scene))


def mouse(pane, kind: QEvent.Type, p: QPointF, held: Qt.MouseButton = NONE) -> None:
    """A mouse event on the map; moves 20 ms apart (pyqtgraph drops moves closer than its
    rate limit, as a hand never sends them)."""
    button = NONE if kind == MOVE else LEFT
    if kind == MOVE:
        QTest.qWait(20)
    QApplication.sendEvent(pane.map.plot.viewport(),
                           QMouseEvent(kind, p, p, button, held, Qt.KeyboardModifier.NoModifier))


def lonely_row(pane) -> int:
    """A point with no other within 12 pixels, so the mouse over it finds it alone."""
    xy = np.array([[at(pane, r).x(), at(pane, r).y()] for r in range(len(pane.frame.coords))])
    gaps = np.linalg.norm(xy[:, None] - xy[None], axis=2) + np.eye(len(xy)) * 1e9
    return int(np.argmax(gaps.min(1)))


def test_the_projection_is_chosen_before_running_and_pca_shows_its_variance(qtbot, embedding):
    assert embedding.panes[0].frame is None  # nothing ran yet
    choose(embedding, "pca")
    assert not embedding.form.tsne_box.isVisible()
    run(qtbot, embedding)
    pane = embedding.panes[0]
    f = pane.features
    assert f.layer == "classifier.fc2" and len(f.values) == embedding.setup[0].splits["test"]
    expected = PCA(2, random_state=0).fit_transform(f.values)
    np.testing.assert_allclose(np.abs(pane.frame.coords), np.abs(expected), atol=1e-3)
    assert "explain" in pane.progress.text() and pane.frame.explained is not None
    assert "Trustworthiness" in pane.score.text() and pane.quality.k == 10
    assert "Mapped" in embedding.controls.status.text()


def test_tsne_runs_live_and_pauses_steps_and_resumes(qtbot, embedding):
    choose(embedding, "tsne")
    embedding.form.iterations.set(400)
    qtbot.mouseClick(embedding.controls.start_button, LEFT)
    pane = embedding.panes[0]
    qtbot.waitUntil(lambda: pane.frame is not None and pane.frame.iteration >= 30, timeout=60_000)
    qtbot.mouseClick(embedding.controls.pause_button, LEFT)
    assert embedding.controls.pause_button.text() == "Resume"
    qtbot.wait(300)  # frames yielded before the pause still arrive
    paused_at = pane.frame.iteration
    qtbot.wait(500)
    assert pane.frame.iteration == paused_at < 400 and embedding.job.is_paused()
    qtbot.mouseClick(embedding.controls.step_button, LEFT)
    qtbot.waitUntil(lambda: pane.frame.iteration == paused_at + 10, timeout=10_000)
    assert f"iteration {paused_at + 10} of 400" in pane.progress.text()
    assert "KL" in pane.progress.text()
    qtbot.mouseClick(embedding.controls.pause_button, LEFT)  # Resume
    idle(qtbot, embedding)
    assert pane.frame.done and pane.quality is not None
    np.testing.assert_array_equal(pane.map.cloud.coords, pane.frame.coords)


def test_stop_keeps_the_map_and_run_again_starts_over(qtbot, embedding):
    choose(embedding, "tsne")
    qtbot.mouseClick(embedding.controls.start_button, LEFT)
    pane = embedding.panes[0]
    qtbot.waitUntil(lambda: pane.frame is not None and pane.frame.iteration >= 20, timeout=60_000)
    qtbot.mouseClick(embedding.controls.stop_button, LEFT)
    idle(qtbot, embedding)
    assert not pane.frame.done and "Stopped at iteration" in embedding.controls.status.text()
    assert pane.quality is None and pane.map.has_map()
    embedding.form.perplexity.set(10)
    embedding.form.iterations.set(50)
    assert "early iterations <= iterations" in embedding.controls.status.text()
    embedding.form.early.set(20)
    run(qtbot, embedding)
    assert pane.frame.done and pane.frame.iterations == 50


def test_hover_shows_the_image_and_a_click_its_neighbours_in_feature_space(qtbot, embedding):
    choose(embedding, "pca")
    run(qtbot, embedding)
    pane, details = embedding.panes[0], embedding.details
    row = lonely_row(pane)
    mouse(pane, MOVE, at(pane, row))
    assert pane.map.hover_row == row
    assert details.point.text() == pane.caption(row) and not details.preview.pixmap().isNull()
    mouse(pane, PRESS, at(pane, row), LEFT)
    mouse(pane, RELEASE, at(pane, row))
    idle(qtbot, embedding)
    values = pane.features.values
    distances = np.linalg.norm(values - values[row], axis=1)
    distances[row] = np.inf
    nearest = np.argsort(distances, kind="stable")[:10]
    near = details.near
    assert near.row == row
    np.testing.assert_array_equal(np.sort(near.rows), np.sort(nearest))
    np.testing.assert_allclose(near.distances, distances[near.rows], rtol=1e-4)
    assert len(details.neighbours.images) == 10
    assert details.neighbours.captions[0] == f"{near.distances[0]:.3g}"
    np.testing.assert_array_equal(pane.map.cloud.rings["neighbours"], near.rows)
    np.testing.assert_array_equal(pane.map.cloud.rings["chosen"], [row])


def test_a_rectangle_and_a_lasso_select_the_points_inside(qtbot, embedding):
    choose(embedding, "pca")
    run(qtbot, embedding)
    pane, details = embedding.panes[0], embedding.details
    tools = {b.text(): b for b in pane.map.tools.buttons()}
    qtbot.mouseClick(tools["Rectangle"], LEFT)
    plot = pane.map.plot.viewport()
    a, b = QPointF(plot.width() * 0.3, plot.height() * 0.3), QPointF(plot.width() * 0.7,
                                                                     plot.height() * 0.7)
    mouse(pane, PRESS, a, LEFT)
    for t in np.linspace(0, 1, 8):
        mouse(pane, MOVE, a + (b - a) * float(t), LEFT)
    mouse(pane, RELEASE, b)
    xy = np.array([[at(pane, r).x(), at(pane, r).y()] for r in range(len(pane.frame.coords))])
    inside = np.flatnonzero((xy[:, 0] > a.x() + 1) & (xy[:, 0] < b.x() - 1)
                            & (xy[:, 1] > a.y() + 1) & (xy[:, 1] < b.y() - 1))
    border = np.flatnonzero((xy[:, 0] >= a.x() - 1) & (xy[:, 0] <= b.x() + 1)
                            & (xy[:, 1] >= a.y() - 1) & (xy[:, 1] <= b.y() + 1))
    chosen = details.selection
    assert len(inside) > 0 and set(inside) <= set(chosen) <= set(border)
    assert len(details.gallery.images) == len(chosen)
    assert details.gallery_title.text().startswith(f"Selection: {len(chosen)} points")
    np.testing.assert_array_equal(pane.map.cloud.outlined, chosen)
    qtbot.mouseClick(tools["Lasso"], LEFT)  # a triangle around the rectangle's lower left half
    corners = [a, QPointF(a.x(), b.y()), b, a]
    mouse(pane, PRESS, corners[0], LEFT)
    for start, end in zip(corners, corners[1:], strict=False):
        for t in np.linspace(0, 1, 12):
            mouse(pane, MOVE, start + (end - start) * float(t), LEFT)
    mouse(pane, RELEASE, a)
    below = (xy[:, 1] - a.y()) > (xy[:, 0] - a.x()) * (b.y() - a.y()) / (b.x() - a.x()) + 2
    assert set(details.selection) <= set(border) and set(np.flatnonzero(
        below & np.isin(np.arange(len(xy)), inside))) <= set(details.selection)


def test_legend_entries_hide_their_points(qtbot, embedding):
    choose(embedding, "pca")
    run(qtbot, embedding)
    pane = embedding.panes[0]
    legend = pane.map.legend.buttons
    assert [b.text() for b in legend] == list(embedding.setup[0].classes)
    qtbot.mouseClick(legend[3], LEFT)
    labels = pane.features.labels
    assert set(pane.map.cloud.rows) == set(np.flatnonzero(labels != 3))
    pane.map.colouring.setCurrentText("correct / wrong")
    assert [b.text() for b in pane.map.legend.buttons] == ["correct", "wrong"]
    qtbot.mouseClick(pane.map.legend.buttons[0], LEFT)
    wrong = pane.features.predicted != labels
    assert set(pane.map.cloud.rows) == set(np.flatnonzero(wrong))


def test_thumbnails_replace_the_points_when_few_are_in_view(qtbot, embedding):
    choose(embedding, "pca")
    run(qtbot, embedding)
    pane = embedding.panes[0]
    dots = pane.map.plot.grab().toImage()
    pane.map.thumbnails.setChecked(True)
    thumbs = pane.map.plot.grab().toImage()
    assert len(pane.frame.coords) <= 300 and dots != thumbs


def test_exports_write_the_map_its_coordinates_and_the_neighbours(qtbot, embedding, tmp_path,
                                                                   monkeypatch):
    choose(embedding, "pca")
    run(qtbot, embedding)
    pane = embedding.panes[0]
    embedding.clicked(0, 4)
    idle(qtbot, embedding)
    for name, button in (("map.png", pane.save_map), ("map.svg", pane.save_map),
                         ("coords.csv", pane.save_csv),
                         ("near.csv", embedding.details.save_near)):
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *_a, name=name, **_k: (str(tmp_path / name), ""))
        qtbot.mouseClick(button, LEFT)
        assert (tmp_path / name).is_file(), name
        assert str(tmp_path / name) in embedding.controls.status.text()
    assert not QImage(str(tmp_path / "map.png")).isNull()
    assert "<svg" in (tmp_path / "map.svg").read_text()
    rows = list(csv.DictReader((tmp_path / "coords.csv").read_text().splitlines()))
    f = pane.features
    assert len(rows) == len(f.values)
    np.testing.assert_allclose([[float(r["x"]), float(r["y"])] for r in rows], pane.frame.coords,
                               rtol=1e-5)
    assert [int(r["index"]) for r in rows] == f.indices.tolist()
    assert [int(r["label"]) for r in rows] == f.labels.tolist()
    assert [int(r["correct"]) for r in rows] == (f.predicted == f.labels).astype(int).tolist()
    near = list(csv.DictReader((tmp_path / "near.csv").read_text().splitlines()))
    assert [int(r["row"]) for r in near] == [4, *embedding.details.near.rows.tolist()]


def test_bad_choices_say_why_run_cannot_start(qtbot, embedding):
    n = embedding.setup[0].splits["test"]
    embedding.form.count.set(n + 1)
    assert not embedding.controls.start_button.isEnabled()
    assert f"{n + 1:,} images asked for" in embedding.controls.status.text()
    embedding.form.count.set(0)
    choose(embedding, "tsne")
    embedding.form.perplexity.set(n)
    assert not embedding.controls.start_button.isEnabled()
    assert "perplexity" in embedding.controls.status.text()
    embedding.form.perplexity.set(30)
    assert embedding.controls.start_button.isEnabled()
