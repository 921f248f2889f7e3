"""Filters and activations (issue 17): what each unit of a layer responds to. So far the unit
scan: every channel's top-K dataset images in one pass. Importing it does not import torch."""

from ..lazy import lazy_names
from .events import UnitScan

__getattr__ = lazy_names(__name__, {"unit_scan_job": "units", "save_units": "export"})
__all__ = ["UnitScan", "save_units", "unit_scan_job"]
