"""Classifier zoo: small from-scratch nets and torchvision classifiers."""
