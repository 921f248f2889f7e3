"""Small typed form fields with uniform get/set, so forms map straight onto frozen configs."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox, QWidget


@dataclass
class Field:
    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    changed: Any  # the widget's change signal


def elided_combo(chars: int) -> QComboBox:
    """A combo box as wide as `chars` characters whatever its items: a long label (a run's
    message) elides, and shows whole in the list, so a new run never widens a panel."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(chars)
    return box


def combo(options: Sequence[str], tip: str = "") -> Field:
    w = QComboBox()
    w.addItems(list(options))
    w.setToolTip(tip)

    def set_value(value: str) -> None:
        if w.findText(value) < 0:
            w.addItem(value)
        w.setCurrentText(value)

    return Field(w, w.currentText, set_value, w.currentTextChanged)


def integer(lo: int, hi: int, tip: str = "", special: str = "") -> Field:
    w = QSpinBox()
    w.setRange(lo, hi)
    w.setToolTip(tip)
    if special:
        w.setSpecialValueText(special)
    return Field(w, w.value, lambda v: w.setValue(int(v)), w.valueChanged)


def number(lo: float, hi: float, decimals: int = 4, tip: str = "", adaptive: bool = True) -> Field:
    w = QDoubleSpinBox()
    w.setDecimals(decimals)
    w.setRange(lo, hi)
    w.setToolTip(tip)
    if adaptive:
        w.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
    return Field(w, w.value, lambda v: w.setValue(float(v)), w.valueChanged)


def percent(tip: str = "") -> Field:
    """A fraction in [0, 1) shown as a whole percentage."""
    w = QSpinBox()
    w.setRange(0, 80)
    w.setSuffix(" %")
    w.setToolTip(tip)
    return Field(w, lambda: w.value() / 100, lambda v: w.setValue(round(float(v) * 100)),
                 w.valueChanged)


def flag(text: str, tip: str = "") -> Field:
    w = QCheckBox(text)
    w.setToolTip(tip)
    return Field(w, w.isChecked, lambda v: w.setChecked(bool(v)), w.toggled)


def save_config(settings, key: str, config) -> None:
    """Store a frozen config (with to_dict) as JSON under `key` of a QSettings."""
    settings.setValue(key, json.dumps(config.to_dict()))


def load_config(settings, key: str, cls):
    """The config stored under `key`, or None when absent or from another version."""
    with contextlib.suppress(ValueError, TypeError):
        return cls.from_dict(json.loads(settings.value(key) or "{}"))
    return None
