"""VLSM Audit training pipeline: trains and exports the bundled model packages (see docs/training.md)."""
