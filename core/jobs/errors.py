"""What a failed job tells the user."""

from __future__ import annotations

OWN_MODULES = "deepscope.core."


def error_message(err: BaseException) -> str:
    """The app's own errors (defined in core) and bad input (ValueError, OSError) in their own
    words; anything else, a bug, with its type as well."""
    own = type(err).__module__.startswith(OWN_MODULES) or isinstance(err, ValueError | OSError)
    return str(err) if own and str(err) else f"{type(err).__name__}: {err}"
