"""Style sheets and other files the app reads (no code); the tour-*.png screenshots are the
README's and are not installed."""
