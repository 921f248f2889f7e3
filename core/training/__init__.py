"""Training as generator jobs: configs, losses, optimizers, events, trainer."""
