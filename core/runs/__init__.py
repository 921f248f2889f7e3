"""Run store (SQLite), checkpoints (safetensors + JSON) and the generators of GAN runs."""
