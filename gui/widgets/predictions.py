"""The right column of the occlusion panel: the unoccluded prediction and the clicked window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from deepscope.core.occlusion.events import ImageInfo, Probe, TopK

from .image_grid import to_qimage

NO_IMAGE = "The model's prediction appears with the image."
def box_words(box: tuple[int, int, int, int]) -> str:
    """A window (top, left, height, width) in the image pixels the map's axes show."""
    top, left, h, w = box
    return f"window over x {left}–{left + w - 1}, y {top}–{top + h - 1}"


PROBE_HINT = ("Click a position on the map to see the model's top-5 with that window "
              "occluded.")


def rich_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def class_name(classes: tuple[str, ...], k: int) -> str:
    """'3 (cat)', or just '3' when the class is named by its number."""
    return f"{k} ({classes[k]})" if 0 <= k < len(classes) and classes[k] != str(k) else str(k)


class PredictionBox(QWidget):
    """What the model predicts for the image, and for the image with one window occluded."""

    def __init__(self) -> None:
        super().__init__()
        self.info: ImageInfo | None = None
        self.prediction = rich_label(NO_IMAGE)
        pred_box = QGroupBox("Unoccluded image")
        QVBoxLayout(pred_box).addWidget(self.prediction)
        self.probe_image = QLabel()
        self.probe_image.setFixedSize(140, 140)
        self.probe_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.probe_image.setStyleSheet("background: white; border: 1px solid #ccc;")
        self.probe_text = rich_label(PROBE_HINT)
        probe_box = QGroupBox("Clicked position")
        probe_layout = QVBoxLayout(probe_box)
        probe_layout.addWidget(self.probe_image, 0, Qt.AlignmentFlag.AlignHCenter)
        probe_layout.addWidget(self.probe_text)
        self.probe_image.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(pred_box)
        layout.addWidget(probe_box)
        layout.addStretch(1)

    def top5_html(self, top5: TopK) -> str:
        """One line per class, the target in bold."""
        info = self.info
        target = info.target if info else -1
        classes = info.classes if info else ()
        return "<br>".join(f"<b>{class_name(classes, k)}: {p:.1%}</b>" if k == target
                           else f"{class_name(classes, k)}: {p:.1%}" for k, p in top5)

    def show_prediction(self, info: ImageInfo) -> None:
        self.info = info
        truth = "unknown" if info.label is None else class_name(info.classes, info.label)
        self.prediction.setText(
            f"true class {truth}; target {class_name(info.classes, info.target)}<br>"
            f"top-5 (target in bold):<br>{self.top5_html(info.top5)}")
        self.reset_probe()

    def clear(self) -> None:
        """No image: nothing predicted."""
        self.info = None
        self.prediction.setText(NO_IMAGE)
        self.reset_probe()

    def reset_probe(self, text: str = PROBE_HINT) -> None:
        self.probe_image.clear()
        self.probe_image.hide()
        self.probe_text.setText(text)

    def show_probe(self, p: Probe) -> None:
        self.probe_text.setText(f"The {box_words(p.box)}<br>"
                                f"top-5 with it occluded:<br>{self.top5_html(p.top5)}")
        pix = QPixmap.fromImage(to_qimage(p.image))
        self.probe_image.show()
        self.probe_image.setPixmap(pix.scaled(self.probe_image.size(),
                                              Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.FastTransformation))
