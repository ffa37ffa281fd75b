"""One module per reduction method. Each implements selection on one pool of rows."""

from .random import RandomReducer, StratifiedRandomReducer

__all__ = ["RandomReducer", "StratifiedRandomReducer"]
