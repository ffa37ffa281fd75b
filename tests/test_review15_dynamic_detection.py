"""Review 15 (reviewer c): dynamic pruning and writing reduced detection datasets."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from datareduce.detection import load_yolo, make_shapes_dataset


def _as_pose(data_yaml, kpt_shape, seed=0):
    """Rewrite a generated dataset's labels as pose rows (box + keypoints), kpt_shape set."""
    root = Path(data_yaml).parent
    rng = np.random.default_rng(seed)
    nkpt, ndim = kpt_shape
    for lf in (root / "labels").rglob("*.txt"):
        rows = []
        for line in lf.read_text().splitlines():
            if line.split():
                pts = rng.uniform(0.1, 0.9, size=(nkpt, ndim))
                if ndim == 3:
                    pts[:, 2] = 2.0  # visibility flag
                rows.append(line + " " + " ".join(f"{v:.4f}" for v in pts.ravel()))
        lf.write_text("".join(r + "\n" for r in rows))
    data = yaml.safe_load(Path(data_yaml).read_text())
    data["kpt_shape"] = list(kpt_shape)
    Path(data_yaml).write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("kpt_shape", [(17, 3), (2, 3), (4, 2)])
def test_pose_rows_are_read_as_their_boxes(tmp_path, kpt_shape):
    y = make_shapes_dataset(tmp_path, n_train=10, n_val=2, p_empty=0.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = load_yolo(y)
        _as_pose(y, kpt_shape)
        ds = load_yolo(y)
    assert len(ds) == len(ref)
    for a, b in zip(ds.boxes, ref.boxes, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_pose_shape_complexity_uses_the_boxes(tmp_path):
    from datareduce.detection.objects import ShapeComplexityScorer

    y = make_shapes_dataset(tmp_path, n_train=10, n_val=2, p_empty=0.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ShapeComplexityScorer().scores(load_yolo(y))
        _as_pose(y, (4, 2))
        got = ShapeComplexityScorer().scores(load_yolo(y))
    np.testing.assert_allclose(got, ref)


def test_bad_kpt_shape_is_named(tmp_path):
    y = make_shapes_dataset(tmp_path, n_train=10, n_val=2, random_state=1)
    data = yaml.safe_load(Path(y).read_text())
    data["kpt_shape"] = [17]
    Path(y).write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="kpt_shape"):
        load_yolo(y)
