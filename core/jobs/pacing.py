"""How often a job reports: often enough for the eye, rarely enough to cost the work nothing."""

EMIT_INTERVAL = 0.25  # seconds between steps events: curves redraw at most ~4 Hz a plot
