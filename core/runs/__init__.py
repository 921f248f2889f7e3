"""Run store (SQLite) and checkpoints (safetensors + JSON)."""
