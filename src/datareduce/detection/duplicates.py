"""Duplicate and near-duplicate images (the public names in one place).

The work is split by concern: :mod:`~datareduce.detection.hashing` (content and
perceptual hashes, near pairs), :mod:`~datareduce.detection.dedup` (removing duplicates
before selection, caps per group) and :mod:`~datareduce.detection.leakage` (training
images that leak into the validation or test split).
"""

from .dedup import KEEP_POLICIES, Deduplicator
from .hashing import (
    DEFAULT_COLOUR_TOL,
    DEFAULT_THRESHOLD,
    exact_duplicate_groups,
    file_hashes,
    hamming_pairs,
    perceptual_hashes,
)
from .leakage import LeakageReport, find_leakage

__all__ = [
    "DEFAULT_COLOUR_TOL",
    "DEFAULT_THRESHOLD",
    "KEEP_POLICIES",
    "Deduplicator",
    "LeakageReport",
    "exact_duplicate_groups",
    "file_hashes",
    "find_leakage",
    "hamming_pairs",
    "perceptual_hashes",
]
