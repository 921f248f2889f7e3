"""Reusable views."""
