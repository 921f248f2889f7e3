"""What every trainer shares: the run loop a trainer plugs into (loop), the names its metrics
are stored under (metrics), the common fields of its events (events), the metric buffer and
divergence (job), the config mixin and common checks (config), the data on the device (data),
fused optimizers and gradient norms (optim)."""
