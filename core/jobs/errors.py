"""What a failed job tells the user."""

from __future__ import annotations

OWN_MODULES = "deepscope.core."


def expected(err: BaseException) -> bool:
    """Whether `err` is the app's own error (defined in core) or bad input (ValueError,
    OSError) with something to say, rather than a bug: it needs no traceback."""
    own = type(err).__module__.startswith(OWN_MODULES) or isinstance(err, ValueError | OSError)
    return own and bool(str(err))


def error_message(err: BaseException) -> str:
    """An expected error in its own words; anything else, a bug, with its type as well."""
    return str(err) if expected(err) else f"{type(err).__name__}: {err}"
