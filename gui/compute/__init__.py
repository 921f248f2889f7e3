"""The one compute thread that runs every torch job, a handle per job, and the slots a panel
declares for its jobs (exclusive, newest-wins, side)."""

from .handle import JobHandle, by_type
from .slots import Exclusive, NewestWins, Side, Slot
from .thread import ComputeThread, JobFactory

__all__ = ["ComputeThread", "Exclusive", "JobFactory", "JobHandle", "NewestWins", "Side", "Slot",
           "by_type"]
