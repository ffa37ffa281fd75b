"""Review 15, mender g: one rule where recent commits wrote one twice (and lost a case)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from datareduce.detection import load_yolo, make_shapes_dataset


def _shapes(tmp_path, n_train=10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_yolo(make_shapes_dataset(tmp_path / "src", n_train=n_train, n_val=2))


# ------------------------------------------- 01. the sampler's step count warns as the pruner's
def test_sampler_steps_warn_when_drop_last_leaves_an_epoch_no_step():
    pytest.importorskip("torch")
    from datareduce.dynamic import DynamicPruner, PrunedSampler

    pruner = DynamicPruner(100, keep=0.5, n_epochs=3, random_state=0)
    sampler = PrunedSampler(pruner, num_replicas=4, rank=0)
    assert pruner.total_steps(16, drop_last=True) == 9  # 50 rows: 3 steps an epoch
    with pytest.warns(UserWarning, match=r"3 of the 3 epochs .*13 rows.*0 steps") as rec:
        assert sampler.total_steps(16, drop_last=True) == 0  # 13 rows a rank
    assert rec[0].filename == __file__
    with pytest.warns(UserWarning, match=r"epoch 1 has 0 steps: its 13 rows"):
        assert sampler.steps_per_epoch(16, 1, drop_last=True) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampler.total_steps(16) == 3
    with pytest.raises(ValueError, match="n_epochs"):
        PrunedSampler(DynamicPruner(10), num_replicas=2, rank=0).total_steps(4)


# ------------------------------------------- 02. one rule for row / image positions
def test_a_mask_of_0_1_integers_is_refused_as_images(tmp_path):
    from datareduce.detection.dataset import positions

    with pytest.raises(ValueError, match="holds only 0 and 1.*Pass it as booleans"):
        positions(np.array([1, 0, 1, 0, 0, 1]), 6)
    from datareduce._core.validation import check_indices

    ds = _shapes(tmp_path)
    with pytest.raises(ValueError, match="holds only 0 and 1"):
        ds.subset(np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0]))
    # the dynamic pruner's batches keep their rule: no mask there
    with pytest.raises(TypeError, match="integer"):
        check_indices(np.array([True, False]), 2)
    assert check_indices([1, 0], 2).tolist() == [1, 0]


def test_report_reads_deduplicated_as_a_mask_too(tmp_path):
    from datareduce.detection.report import DetectionReport

    ds = _shapes(tmp_path)
    dup = np.zeros(len(ds), dtype=bool)
    dup[[3, 6]] = True
    by_mask = DetectionReport.from_selection(ds, [0, 1], deduplicated=dup)
    by_pos = DetectionReport.from_selection(ds, [0, 1], deduplicated=[3, 6])
    assert by_mask.n_images_deduplicated == by_pos.n_images_deduplicated == 2
    with pytest.raises(ValueError, match=r"deduplicated must be positions in \[0, 9\]"):
        DetectionReport.from_selection(ds, [0, 1], deduplicated=[10])


# ------------------------------------------- 03. layout='list' checks the kept images only
def test_list_layout_looks_at_the_label_files_of_the_kept_images_only(tmp_path):
    from datareduce.detection import check_output_dir, write_yolo_subset

    ds = _shapes(tmp_path)
    unfiled = next(i for i in range(2, len(ds)) if len(ds.boxes[i]))
    ds.label_files[unfiled] = None  # boxes in no label file (made in memory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = write_yolo_subset(ds, [0, 1], tmp_path / "out", layout="list")
        assert load_yolo(y).n_boxes == len(ds.boxes[0]) + len(ds.boxes[1])
    name = ds.images[unfiled].name
    with pytest.raises(ValueError, match=rf"1 image\(s\) have boxes.*{name}"):
        write_yolo_subset(ds, [0, unfiled], tmp_path / "out2", layout="list")
    with pytest.raises(ValueError, match=name):  # no indices: every image, as the CLI checks
        check_output_dir(ds, tmp_path / "out3", layout="list")


# ------------------------------------------- 04. a pose row's box: one helper
def test_pose_row_cut_is_one_helper():
    from datareduce.detection import objects, yolo

    row = ["0", ".5", ".5", ".2", ".2"] + ["0.1"] * 6
    assert yolo._box_fields(row, 6) == row[:5]
    assert yolo._box_fields(row, 4) == row and yolo._box_fields(row, 0) == row
    assert objects._box_fields is yolo._box_fields


# ------------------------------------------- 05. the Ultralytics font fixture lives in conftest
def test_ultralytics_font_fixture_is_shared(_ultralytics_font, tmp_path):
    cfg = Path(os.environ["YOLO_CONFIG_DIR"])
    assert (cfg / "Ultralytics" / "Arial.ttf").is_file() and (cfg / "Arial.ttf").is_file()
    _ultralytics_font(tmp_path / "cfg")
    assert (tmp_path / "cfg" / "Ultralytics" / "Arial.ttf").is_file()
    for name in (
        "test_dynamic_yolo.py",
        "test_review15_dynamic_detection.py",
        "test_detection_yolo_train.py",
    ):
        assert "DejaVuSans" not in (Path(__file__).parent / name).read_text()
