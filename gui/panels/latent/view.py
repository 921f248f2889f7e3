"""The latent panel's sequence view: the current frame large, a slider with Play, the strip."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.latent.events import Frames

from ...widgets.image_grid import ImageGrid
from ...widgets.status_line import StatusLine

SELECTED = QColor(31, 119, 180)
FPS = (2, 5, 10, 15, 24, 30)
DEFAULT_FPS = 10
CAPTION_HEIGHT = 40  # two lines of 10 pt: a caption wider than the view wraps


class FrameView(QWidget):
    """One image as large as fits, scaled by a whole factor without smoothing (crisp pixels),
    with a caption under it; or a centred text when there is no image."""

    def __init__(self, empty_text: str) -> None:
        super().__init__()
        self.image: QImage | None = None
        self.caption = ""
        self.empty_text = empty_text
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None, caption: str = "") -> None:
        self.image, self.caption = image, caption
        self.update()

    def clear(self, text: str) -> None:
        self.empty_text = text
        self.set_image(None)

    def image_rect(self) -> QRect:
        """Where the image goes: centred, scaled by the largest factor that fits."""
        assert self.image is not None
        w, h = self.image.width(), self.image.height()
        room_w, room_h = self.width() - 8, self.height() - CAPTION_HEIGHT - 8
        scale = min(room_w / w, room_h / h)
        scale = int(scale) if scale >= 1 else scale
        sw, sh = max(1, int(w * scale)), max(1, int(h * scale))
        return QRect((self.width() - sw) // 2, 4 + (room_h - sh) // 2, sw, sh)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        if self.image is None:
            p.setPen(QColor("gray"))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(self.rect().adjusted(12, 0, -12, 0), flags, self.empty_text)
            return
        r = self.image_rect()
        p.drawImage(r, self.image)  # no SmoothPixmapTransform: nearest-neighbour
        p.setPen(QColor(40, 40, 40))
        p.setFont(QFont(p.font().family(), 10))
        p.drawText(QRect(4, r.bottom() + 4, self.width() - 8, CAPTION_HEIGHT),
                   Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, self.caption)


def frame_caption(frames: Frames, i: int, classes: tuple[str, ...]) -> str:
    """What frame i is: its t (or walk step), the classes blended, and |z|."""
    r, n = frames.request, len(frames.images)
    where = f"step {i} of the walk" if r.mode == "walk" else f"t = {i / (n - 1):.2f}"
    text = f"frame {i + 1} of {n} · {where} · |z| = {frames.norms[i]:.2f}"
    if classes and r.mode != "walk" and r.a.label != r.b.label:
        text += f" · class {classes[r.a.label or 0]} → {classes[r.b.label or 0]}"
    return text


class SequenceView(QWidget):
    """Frames of a path: the current one large, a slider, Play/Pause at a chosen rate, the strip
    (click a frame to show it) and the export buttons."""

    def __init__(self, empty_text: str) -> None:
        super().__init__()
        self.frames: Frames | None = None
        self.images: list[QImage] = []
        self.classes: tuple[str, ...] = ()
        self.view = FrameView(empty_text)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("The frame shown large (also: click a frame of the strip)")
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.fps = QComboBox()
        for fps in FPS:
            self.fps.addItem(f"{fps} fps", fps)
        self.fps.setCurrentIndex(FPS.index(DEFAULT_FPS))
        self.fps.setToolTip("Frames per second of Play and of the saved GIF")
        self.position = StatusLine(lines=1, width=70)  # changes each frame: no relayout
        self.strip = ImageGrid(cell=56, empty_text="", mark=SELECTED)
        self.strip.setMinimumHeight(150)
        self.strip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.save_png, self.save_gif = QPushButton("Save strip PNG…"), QPushButton("Save GIF…")
        self.timer = QTimer(self)
        self.layout_rows()
        self.slider.valueChanged.connect(self.show_frame)
        self.strip.clicked.connect(self.slider.setValue)
        self.play.toggled.connect(self.set_playing)
        self.fps.currentIndexChanged.connect(self.fps_changed)
        self.timer.timeout.connect(self.advance)
        self.clear(empty_text)

    def layout_rows(self) -> None:
        player = QHBoxLayout()
        for w in (self.play, self.slider, self.position, self.fps):
            player.addWidget(w, 1 if w is self.slider else 0)
        saves = QHBoxLayout()
        saves.addStretch(1)
        saves.addWidget(self.save_png)
        saves.addWidget(self.save_gif)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(player)
        layout.addWidget(self.strip)
        layout.addLayout(saves)

    def set_frames(self, frames: Frames, classes: tuple[str, ...]) -> None:
        """Show new frames; the slider keeps its position when it still exists."""
        self.frames, self.classes = frames, classes
        n = len(frames.images)
        self.strip.set_images(frames.images, [str(i + 1) for i in range(n)], [False] * n,
                              [frame_caption(frames, i, classes) for i in range(n)])
        self.images = self.strip.images  # (converted once, shown large and in the strip)
        keep = min(self.slider.value(), n - 1)
        self.slider.blockSignals(True)
        self.slider.setRange(0, n - 1)
        self.slider.setValue(keep)
        self.slider.blockSignals(False)
        self.set_enabled(True)
        self.show_frame(keep)

    def clear(self, text: str) -> None:
        self.set_playing(False)
        self.frames, self.images = None, []
        self.view.clear(text)
        self.strip.set_images([], [], [])
        self.position.setText("")
        self.set_enabled(False)

    def set_enabled(self, on: bool) -> None:
        for w in (self.slider, self.play, self.save_png, self.save_gif):
            w.setEnabled(on)

    def show_frame(self, i: int) -> None:
        if self.frames is None:
            return
        n = len(self.images)
        self.view.set_image(self.images[i], frame_caption(self.frames, i, self.classes))
        self.strip.set_marks([k == i for k in range(n)])
        self.position.setText(f"{i + 1} / {n}")

    def current(self) -> int:
        return self.slider.value()

    def frame_ms(self) -> int:
        return round(1000 / self.fps.currentData())

    def set_playing(self, on: bool) -> None:
        on = on and self.frames is not None
        if on:
            self.timer.start(self.frame_ms())
        else:
            self.timer.stop()
        self.play.blockSignals(True)
        self.play.setChecked(on)
        self.play.setText("Pause" if on else "Play")
        self.play.blockSignals(False)

    def set_fps(self, fps: int) -> None:
        if fps in FPS:
            self.fps.setCurrentIndex(FPS.index(fps))

    def fps_changed(self) -> None:
        if self.timer.isActive():
            self.timer.setInterval(self.frame_ms())

    def advance(self) -> None:
        """The next frame, looping back to the first."""
        self.slider.setValue((self.slider.value() + 1) % (self.slider.maximum() + 1))

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.set_playing(False)  # no animation nobody sees
        super().hideEvent(event)
