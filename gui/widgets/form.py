"""Small typed form fields with uniform get/set, so forms map straight onto frozen configs."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

TYPED_MAX = 10**9  # what a checked field takes as typed: its config's problems() say the range
MARKED = "border: 1px solid #b00020;"  # a field at fault


@dataclass
class Field:
    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    changed: Any  # the widget's change signal
    tip: str = ""  # what the field is, before any problem is added to its tooltip


class NominalWidth:
    """A spin box that takes any typed value up to TYPED_MAX, so none is clamped silently (the
    config's problems() name the valid range), and is as wide as its usual range needs."""

    hints: tuple[QSize, QSize] | None = None

    def take_typed(self, lo: float, hi: float) -> None:
        """Measure the width of [lo, hi], then accept [min(lo, 0), TYPED_MAX]."""
        self.setRange(lo, hi)
        self.hints = super().sizeHint(), super().minimumSizeHint()
        self.setRange(min(lo, 0), max(hi, TYPED_MAX))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.hints[0] if self.hints else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.hints[1] if self.hints else super().minimumSizeHint()


class CheckedInt(NominalWidth, QSpinBox):
    pass


class CheckedNumber(NominalWidth, QDoubleSpinBox):
    pass


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

    return Field(w, w.currentText, set_value, w.currentTextChanged, tip)


def integer(lo: int, hi: int, tip: str = "", special: str = "", checked: bool = False) -> Field:
    """`checked`: any typed value is kept (see NominalWidth), else one outside [lo, hi] is
    refused as it is typed."""
    w = CheckedInt() if checked else QSpinBox()
    if checked:
        w.take_typed(lo, hi)
    else:
        w.setRange(lo, hi)
    w.setToolTip(tip)
    if special:
        w.setSpecialValueText(special)
    return Field(w, w.value, lambda v: w.setValue(int(v)), w.valueChanged, tip)


def number(lo: float, hi: float, decimals: int = 4, tip: str = "", adaptive: bool = True,
           checked: bool = False) -> Field:
    """`checked`: as for integer."""
    w = CheckedNumber() if checked else QDoubleSpinBox()
    w.setDecimals(decimals)
    if checked:
        w.take_typed(lo, hi)
    else:
        w.setRange(lo, hi)
    w.setToolTip(tip)
    if adaptive:
        w.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
    return Field(w, w.value, lambda v: w.setValue(float(v)), w.valueChanged, tip)


def faults(config: Any, check: Callable[[Any], list[str]], keys: Iterable[str]
           ) -> dict[str, list[str]]:
    """The problems of a frozen config that each field causes: those that go when that field
    alone takes its default value."""
    if not (found := check(config)):
        return {}
    default, blamed = type(config)(), {}
    for key in keys:
        left = check(replace(config, **{key: getattr(default, key)}))
        if why := [p for p in found if p not in left]:
            blamed[key] = why
    return blamed


def mark(fields: dict[str, Field], blamed: dict[str, list[str]]) -> None:
    """Frame each field at fault in red, its tooltip led by the reasons."""
    for key, f in fields.items():
        if not (why := blamed.get(key, [])) and not f.widget.styleSheet():
            continue  # (a tooltip set since, as the test split's, stays)
        f.widget.setStyleSheet(MARKED if why else "")
        f.widget.setToolTip("\n".join([*why, f.tip]).strip())


def percent(tip: str = "") -> Field:
    """A fraction in [0, 1) shown as a whole percentage."""
    w = QSpinBox()
    w.setRange(0, 80)
    w.setSuffix(" %")
    w.setToolTip(tip)
    return Field(w, lambda: w.value() / 100, lambda v: w.setValue(round(float(v) * 100)),
                 w.valueChanged, tip)


def flag(text: str, tip: str = "") -> Field:
    w = QCheckBox(text)
    w.setToolTip(tip)
    return Field(w, w.isChecked, lambda v: w.setChecked(bool(v)), w.toggled, tip)


def save_config(settings, key: str, config) -> None:
    """Store a frozen config (with to_dict) as JSON under `key` of a QSettings."""
    settings.setValue(key, json.dumps(config.to_dict()))


def load_config(settings, key: str, cls):
    """The config stored under `key`, or None when absent or from another version."""
    with contextlib.suppress(ValueError, TypeError):
        return cls.from_dict(json.loads(settings.value(key) or "{}"))
    return None
