"""When a run counts as diverged although its losses stay finite.

Rule: a run is diverged at the end of the first epoch in which the mean of one of its losses
(the steps event's `losses`: a classifier's `loss`, a GAN's `d_loss` and `g_loss`) exceeds
LOSS_LIMIT = 1000 in size. The run then ends with status "diverged", its checkpoints kept, as a
NaN or infinite loss ends it at once.

Measured on digits: LeNet with Adam at learning rate 10 averaged a training loss of 9.2e7 in
epoch 1 (validation accuracy 0.15) and ended, reported as a plain "finished", at test accuracy
0.167 with a loss of 2.6 and chance accuracy: a net that blew up and died. A healthy run's
cross-entropy starts near ln 10 = 2.3 and falls (the default LeNet runs of the test suite all
finish). Over 4 epochs the default cGAN averaged d_loss 0.6-0.8 and g_loss 1.6-2.1, and WGAN-GP
at most 11 in size: far below the limit.
"""

from __future__ import annotations

LOSS_LIMIT = 1000.0


def runaway(means: dict[str, float], epoch: int) -> str | None:
    """Why an epoch with these mean losses diverged, or None."""
    for name, value in means.items():
        if abs(value) > LOSS_LIMIT:
            return (f"{name} averaged {value:.3g} over epoch {epoch}, beyond {LOSS_LIMIT:g}: "
                    "the run diverged; its checkpoints are kept.")
    return None
