"""Dataset names (torch-free, safe for the GUI to import)."""

EMBEDDED = ("digits", "shapes")
TORCHVISION_SETS = ("mnist", "fashion-mnist", "cifar10")
DATASETS = EMBEDDED + TORCHVISION_SETS
FOLDER_PREFIX = "folder:"


def has_official_test_set(dataset: str) -> bool:
    """Whether the set ships its own test set (MNIST, Fashion-MNIST, CIFAR-10): a run tests on
    exactly those images, the figure papers report, and never trains on them."""
    return dataset in TORCHVISION_SETS


def test_set_name(dataset: str) -> str:
    """What a run's test split is: "official" (the set's own test set) or "held-out" (a seeded
    share of the set)."""
    return "official" if has_official_test_set(dataset) else "held-out"
