"""DeepScope core: PyTorch, numpy, scikit-learn. Never imports Qt or gui."""
