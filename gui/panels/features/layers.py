"""Which layer to look into: the tree of the model's modules with their output shapes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGroupBox, QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from deepscope.core.models import Layer

NAME = Qt.ItemDataRole.UserRole
NOT_RUN = QColor(150, 150, 150)


def shape_text(layer: Layer) -> str:
    if not layer.output_shapes:
        return "not run"
    return ", ".join("×".join(map(str, s)) or "scalar" for s in layer.output_shapes)


def first_conv(tree: Layer) -> str | None:
    """The first convolution with a spatial map, else the first module with an output."""
    layers = [layer for layer in tree.walk() if layer.output_shape]
    convs = [layer for layer in layers if "Conv" in layer.type and len(layer.output_shape) == 3]
    found = convs or layers
    return found[0].name if found else None


class LayerPicker(QGroupBox):
    """`changed` when another layer is chosen."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__("Layer")
        self.tree: Layer | None = None
        self.view = QTreeWidget()
        self.view.setHeaderLabels(["Module", "Output"])
        self.view.setColumnCount(2)
        self.view.setUniformRowHeights(True)
        self.view.setIndentation(12)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names elide; tips
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.view.setMinimumHeight(150)
        self.view.setMaximumHeight(210)
        self.view.setToolTip("Each module of the model with the shape of its output (channels "
                             "× height × width, or a vector) for one input")
        self.view.currentItemChanged.connect(lambda *_: self.changed.emit())
        QVBoxLayout(self).addWidget(self.view)
        self.clear()

    def set_tree(self, tree: Layer, keep: str | None) -> None:
        """Show a model's modules; select `keep` if it has it, else its first convolution."""
        self.tree = tree
        self.view.blockSignals(True)
        self.view.clear()
        items = {}
        for layer in tree.walk():
            parent = items.get(layer.name.rpartition(".")[0]) if layer.name else None
            label = layer.name.rpartition(".")[2] or "model"
            item = QTreeWidgetItem([f"{label}: {layer.type}", shape_text(layer)])
            item.setData(0, NAME, layer.name)
            item.setToolTip(0, layer.name or "the whole model (its output)")
            if not layer.output_shapes:
                for column in (0, 1):
                    item.setForeground(column, NOT_RUN)
            if parent is None:
                self.view.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[layer.name] = item
        self.view.expandAll()
        names = {layer.name for layer in tree.walk()}
        wanted = keep if keep in names else first_conv(tree)
        if wanted is not None:
            self.view.setCurrentItem(items[wanted])
            self.view.scrollToItem(items[wanted])
        self.view.blockSignals(False)
        self.changed.emit()

    def clear(self, text: str = "The model's layers appear here once it is loaded.") -> None:
        self.tree = None
        self.view.blockSignals(True)
        self.view.clear()
        self.view.addTopLevelItem(QTreeWidgetItem([text]))
        self.view.blockSignals(False)

    def layer(self) -> str | None:
        item = self.view.currentItem()
        return None if item is None or self.tree is None else item.data(0, NAME)

    def output_shape(self) -> tuple[int, ...] | None:
        """The chosen layer's one output shape (None: none or several)."""
        name = self.layer()
        found = [layer for layer in self.tree.walk() if layer.name == name] if self.tree else []
        return found[0].output_shape if found else None

    def select(self, name: str) -> bool:
        """Choose the layer `name`; False when the model has none of that name."""
        found = self.view.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive)
        for item in found:
            if item.data(0, NAME) == name:
                self.view.setCurrentItem(item)
                return True
        return False
