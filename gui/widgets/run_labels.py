"""How a stored run is named on screen, in one place: run lists, run and model pickers, and the
legends of overlaid curves."""

from __future__ import annotations

import time

from deepscope.core.classifier.events import stated_test_accuracy
from deepscope.core.runs.files import disk_bytes, size_text
from deepscope.core.runs.store import RunInfo

STATUS_MARK = {"finished": "✓", "running": "…", "stopped": "■", "diverged": "✗",
               "failed": "✗", "interrupted": "!", "early-stopped": "✓"}
WEAK_ACCURACY = 0.8  # a judge below it mislabels one generated image in five or more


def started(run: RunInfo, form: str = "%d %b %H:%M") -> str:
    """When the run was created, in local time (a `time.strftime` format)."""
    return time.strftime(form, time.localtime(run.created))


def setting(run: RunInfo, field: str) -> str:
    """One field of the run's training config ("?" where it has none)."""
    return str(run.config.get("config", {}).get(field, "?"))


def trained(run: RunInfo) -> str:
    """What was trained on what: "lenet on digits"."""
    return f"{setting(run, 'model')} on {setting(run, 'dataset')}"


def run_title(run: RunInfo) -> str:
    """A row of a run list or picker: "✓ 06 Dec 14:38  lenet on digits"."""
    return f"{STATUS_MARK.get(run.status, '?')} {started(run)}  {trained(run)}"


def outcome(status: str, message: str) -> str:
    """A status and what it says: "finished: test accuracy 0.970", or "running" alone."""
    return f"{status}: {message}" if message else status


def run_tip(run: RunInfo) -> str:
    """A row's tooltip: the run's id, how it ended, where it lies and the room it takes."""
    size = size_text(disk_bytes(run.dir))
    return f"run {run.id}\n{outcome(run.status, run.message)}\n{run.dir} ({size} on disk)"


def short_id(run: RunInfo) -> str:
    """The id's tail, which tells apart runs started in the same minute: "·77a5"."""
    return f"·{run.id[-4:]}"


def test_accuracy(run: RunInfo) -> float | None:
    """A classifier run's test accuracy, as its end message gives it (None before the end)."""
    return stated_test_accuracy(run.message)


def model_label(run: RunInfo) -> str:
    """A trained model to choose: "lenet on digits, acc 0.970, 14:38 ·77a5"."""
    acc = test_accuracy(run)
    score = f", acc {acc:.3f}" if acc is not None else ""
    return f"{trained(run)}{score}, {started(run, '%H:%M')} {short_id(run)}"


def model_tip(run: RunInfo) -> str:
    return f"run {run.id}, {started(run, '%Y-%m-%d %H:%M:%S')}\n{outcome(run.status, run.message)}"


def weakness(run: RunInfo) -> str | None:
    """Why a classifier run makes a poor judge of generated images, or None."""
    if run.status == "diverged" or "diverged" in run.message:
        return "its training diverged"
    if (acc := test_accuracy(run)) is None:
        return "it has no test accuracy"
    if acc < WEAK_ACCURACY:
        return f"its test accuracy {acc:.3f} is below {WEAK_ACCURACY}"
    return None


def judge_label(run: RunInfo) -> str:
    """A judge to choose, a weak one marked: "⚠ lenet on digits, acc 0.237, 14:38 ·77a5"."""
    return f"⚠ {model_label(run)}" if weakness(run) else model_label(run)


def judge_tip(run: RunInfo) -> str:
    why = weakness(run)
    return model_tip(run) + (f"\nA weak judge: {why}; its scores say little." if why else "")


def legend_label(run: RunInfo, field: str = "model") -> str:
    """A short legend label, unique per run: a config field (the model, a GAN's loss), the
    start time and the id's tail: "lenet 14:38 ·77a5"."""
    return f"{setting(run, field)} {started(run, '%H:%M')} {short_id(run)}"
