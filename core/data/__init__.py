"""Datasets: embedded digits and shapes, torchvision sets, image folders, splits."""
