"""Model > Open model...: the user's Python file, the function in it that returns the model,
optional safetensors weights, and the input size and normalization, asked once."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from deepscope.core.runs import UserModel

CHANNELS = ("1 (grey)", "3 (RGB)")


def functions_in(file: Path) -> list[str]:
    """The top-level functions a Python file defines, read without running it."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return []
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def numbers(text: str) -> tuple[float, ...] | None:
    """'0.5' or '0.485, 0.456, 0.406' as floats; None when it is not that."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        return None


class OpenModelDialog(QDialog):
    """Asks for a UserModel; `source()` once accepted. Nothing runs here: the panel's compute
    job loads and checks the model."""

    def __init__(self, parent: QWidget | None = None, start: UserModel | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open your own model")
        self.file, self.weights = QLineEdit(), QLineEdit()
        self.file.setPlaceholderText("my_net.py")
        self.weights.setPlaceholderText("optional: weights.safetensors")
        self.function = QComboBox()
        self.function.setEditable(True)
        self.channels = QComboBox()
        self.channels.addItems(CHANNELS)
        self.side = QSpinBox()
        self.side.setRange(8, 1024)
        self.side.setValue(28)
        self.side.setSuffix(" px")
        self.mean, self.std = QLineEdit("0.5"), QLineEdit("0.5")
        for edit in (self.mean, self.std):
            edit.setToolTip("one number, or one per channel separated by commas; pixels are in "
                            "[0, 1] before (x - mean) / std")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        intro = QLabel("A function in your Python file that returns a torch.nn.Module (class "
                       "scores out); weights only from safetensors, never a pickle.")
        intro.setWordWrap(True)
        form.addRow(intro)
        form.addRow("Python file", self.browse_row(self.file, "Python files (*.py)"))
        form.addRow("Function", self.function)
        form.addRow("Weights", self.browse_row(self.weights, "safetensors (*.safetensors)"))
        form.addRow("Input channels", self.channels)
        form.addRow("Input size", self.side)
        form.addRow("Mean", self.mean)
        form.addRow("Std", self.std)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.file.textChanged.connect(self.file_changed)
        for edit in (self.weights, self.mean, self.std, self.function.lineEdit()):
            edit.textChanged.connect(self.check)
        if start is not None:
            self.show_source(start)
        self.check()

    def browse_row(self, edit: QLineEdit, pattern: str) -> QWidget:
        button = QPushButton("Browse…")
        button.clicked.connect(lambda: self.browse(edit, pattern))
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        layout.addWidget(button)
        return row

    def browse(self, edit: QLineEdit, pattern: str) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open", edit.text(), pattern)
        if name:
            edit.setText(name)

    def show_source(self, s: UserModel) -> None:
        self.file.setText(str(s.file))
        self.function.setCurrentText(s.function)
        self.weights.setText(str(s.weights or ""))
        self.channels.setCurrentIndex(0 if s.shape[0] == 1 else 1)
        self.side.setValue(s.shape[1])
        self.mean.setText(", ".join(map(str, s.mean)))
        self.std.setText(", ".join(map(str, s.std)))

    def file_changed(self) -> None:
        typed = self.function.currentText()
        self.function.clear()
        self.function.addItems(functions_in(Path(self.file.text()).expanduser()))
        if typed:
            self.function.setCurrentText(typed)
        self.check()

    def issue(self) -> str | None:
        """Why Open is disabled, in words, or None."""
        file, weights = Path(self.file.text()).expanduser(), self.weights.text().strip()
        channels = 1 if self.channels.currentIndex() == 0 else 3
        if not self.file.text() or not file.is_file() or file.suffix != ".py":
            return "Choose the Python file (.py) that defines your model."
        if not self.function.currentText().isidentifier():
            return "Name the function that returns the model."
        if weights and not Path(weights).expanduser().is_file():
            return f"No weights file at {weights}."
        for name, edit in (("Mean", self.mean), ("Std", self.std)):
            values = numbers(edit.text())
            if values is None or len(values) not in (1, channels):
                return f"{name}: one number, or {channels} separated by commas."
        if min(numbers(self.std.text()) or (0,)) <= 0:
            return "Std must be positive."
        return None

    def check(self) -> None:
        issue = self.issue()
        self.problem.setText(issue or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(issue is None)

    def source(self) -> UserModel:
        weights = self.weights.text().strip()
        size = self.side.value()
        return UserModel(Path(self.file.text()).expanduser(), self.function.currentText(),
                         Path(weights).expanduser() if weights else None,
                         (1 if self.channels.currentIndex() == 0 else 3, size, size),
                         numbers(self.mean.text()) or (0.0,), numbers(self.std.text()) or (1.0,))
