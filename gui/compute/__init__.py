"""The one compute thread that runs every torch job, and what a panel holds of its jobs."""

from .thread import ComputeThread, JobFactory

__all__ = ["ComputeThread", "JobFactory"]
