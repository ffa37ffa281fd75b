"""Object-detection datasets: load, embed, reduce, and write a dataset ``yolo train`` accepts.

>>> from datareduce.detection import load_yolo, DetectionReducer   # doctest: +SKIP
>>> ds = load_yolo("data.yaml")                                     # doctest: +SKIP
>>> DetectionReducer("mms", keep=0.3).fit(ds).write("reduced/")     # doctest: +SKIP

Importing this package never imports torch or ultralytics; only
:class:`UltralyticsEmbedder` does, when it embeds.
"""

from .categories import image_categories
from .coco import load_coco
from .dataset import (
    IMG_FORMATS,
    DetectionDataset,
    LabelIssue,
    image_to_label_path,
)
from .duplicates import Deduplicator, LeakageReport, find_leakage
from .embedders import (
    BaseEmbedder,
    LabelEmbedder,
    ThumbnailEmbedder,
    UltralyticsEmbedder,
)
from .groups import group_labels, group_quotas, sequence_groups
from .objects import CropEmbedder, ShapeComplexityScorer, TopScoreReducer
from .reducer import DetectionReducer
from .registry import get_embedder
from .report import DetectionReport
from .split import group_leaks, split_yolo
from .synthetic import SHAPE_NAMES, make_shapes_dataset
from .writer import LAYOUTS, check_output_dir, write_yolo_subset
from .yolo import load_yolo

__all__ = [
    "IMG_FORMATS",
    "LAYOUTS",
    "SHAPE_NAMES",
    "BaseEmbedder",
    "CropEmbedder",
    "Deduplicator",
    "DetectionDataset",
    "DetectionReducer",
    "DetectionReport",
    "LabelEmbedder",
    "LabelIssue",
    "LeakageReport",
    "ShapeComplexityScorer",
    "ThumbnailEmbedder",
    "TopScoreReducer",
    "UltralyticsEmbedder",
    "check_output_dir",
    "find_leakage",
    "get_embedder",
    "group_labels",
    "group_leaks",
    "group_quotas",
    "image_categories",
    "image_to_label_path",
    "load_coco",
    "load_yolo",
    "make_shapes_dataset",
    "sequence_groups",
    "split_yolo",
    "write_yolo_subset",
]

