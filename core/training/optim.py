"""What every trainer's optimizers share: fused updates and gradient norms on the device."""

from __future__ import annotations

import numpy as np
import torch

# torch's one-kernel updates: on the CPU they hand a LeNet step 0.2 ms instead of 0.8 ms (Adam);
# RMSprop has no fused kernel, and its per-list kernels take 0.42 ms instead of 0.55 ms.
FUSED = {"fused": True}
FOREACH = {"foreach": True}


def grad_norms(opt: torch.optim.Optimizer) -> list[torch.Tensor]:
    """The L2 norm of each gradient of the parameters `opt` updates (0 where a parameter has
    none), kept on the device: one kernel for all of them. A step keeps these and the host
    combines them (`total_norm`) when it copies the step's metrics: torch's get_total_norm costs
    two more kernels and its grouping a step (~0.1 ms of a 5.5 ms LeNet step, measured)."""
    params = [p for group in opt.param_groups for p in group["params"]]
    grads = [p.grad if p.grad is not None else p.new_zeros(()) for p in params]
    return list(torch._foreach_norm(grads))


def gradient_norm(opt: torch.optim.Optimizer) -> torch.Tensor:
    """L2 norm of all the gradients of the parameters `opt` updates, on the device."""
    return torch.linalg.vector_norm(torch.stack(grad_norms(opt)))


def total_norm(norms: np.ndarray) -> np.ndarray:
    """Rows of per-parameter norms (steps x parameters) to each row's total L2 norm."""
    return np.sqrt(np.square(norms, dtype=np.float64).sum(axis=1))
