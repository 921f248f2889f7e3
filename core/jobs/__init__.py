"""What every job shares: the event base classes, progress and messages, error wording,
background I/O, emission pacing and the thread tuner. Torch-free."""

from .background import Cancelled, in_background
from .errors import error_message, expected
from .events import Event, Message, ProgressEvent, StepsEvent, ends_step

__all__ = ["Cancelled", "Event", "Message", "ProgressEvent", "StepsEvent", "ends_step",
           "error_message", "expected", "in_background"]
