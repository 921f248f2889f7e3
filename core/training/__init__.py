"""What every trainer shares: the config mixin and common checks, the data on the device,
fused optimizers and gradient norms, the metric buffer and how a run ends."""
