"""Dataset names (torch-free, safe for the GUI to import)."""

EMBEDDED = ("digits", "shapes")
TORCHVISION_SETS = ("mnist", "fashion-mnist", "cifar10")
DATASETS = EMBEDDED + TORCHVISION_SETS
FOLDER_PREFIX = "folder:"
