"""A failed job's message: in the user's words for the app's own errors and bad input."""

import pytest

from deepscope.core.jobs import error_message
from deepscope.core.runs.checkpoint import CheckpointError


@pytest.mark.parametrize(("err", "message"), [
    (ValueError("steps must be 2..64, got 100"), "steps must be 2..64, got 100"),
    (FileNotFoundError("no such run folder"), "no such run folder"),
    (CheckpointError("latent size 100, the run says 64"), "latent size 100, the run says 64"),
    (KeyError("generator"), "KeyError: 'generator'"),  # a bug: its type helps a report
    (ValueError(), "ValueError: "),  # nothing to say but the type
])
def test_error_message(err, message):
    assert error_message(err) == message
