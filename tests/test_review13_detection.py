"""Regression tests of review 13 (helper a): the detection adapter's review-12 fixes."""

import warnings

import numpy as np

from datareduce.detection import DetectionDataset, DetectionReducer


def test_a_file_name_regex_with_a_slash_in_a_class_still_matches_file_names():
    from datareduce.detection.groups import group_labels

    imgs = [f"/data/images/train/vid{v}_frame{k}.jpg" for v in (1, 2) for k in range(3)]
    ds = DetectionDataset(images=imgs, boxes=[np.zeros((0, 5))] * 6, names={0: "car"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every image matched: no warning
        assert group_labels(ds, r"^([^/]+)_frame").tolist() == ["vid1"] * 3 + ["vid2"] * 3
    ds2 = DetectionDataset(images=["/d/vid01/000001.jpg", "/d/vid02/000001.jpg"],
                           boxes=[np.zeros((0, 5))] * 2, names={0: "car"})
    assert group_labels(ds2, r"/(vid\d+)/").tolist() == ["vid01", "vid02"]


def test_unnamed_class_ids_keep_their_id_as_category_unless_it_clashes():
    from datareduce.detection import image_categories

    def b(c):
        return np.array([[c, .5, .5, .1, .1]])

    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(4)],
                          boxes=[b(0), b(1), np.vstack([b(0), b(1)]), np.zeros((0, 5))],
                          names={})
    assert image_categories(ds, min_count=1).tolist() == ["0", "1", "0+1", "empty"]
    ds = DetectionDataset(images=["/d/a.png", "/d/b.png"], boxes=[b(3), b(0)],
                          names={0: "person", 5: "car"})
    assert image_categories(ds, min_count=1).tolist() == ["3", "person"]
    ds = DetectionDataset(images=["/d/a.png", "/d/b.png"], boxes=[b(1), b(0)], names={0: "1"})
    assert image_categories(ds, min_count=1).tolist() == ["1 (class 1)", "1"]


def test_report_png_without_matplotlib_is_refused_before_anything_is_written(
        tmp_path, capsys, monkeypatch):
    import sys

    from datareduce.cli import main
    from datareduce.detection import make_shapes_dataset

    src = make_shapes_dataset(tmp_path / "src", n_train=12, n_val=3, random_state=0)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    out = tmp_path / "out"
    assert main(["yolo", str(src), "--keep", "0.5", "--embedder", "label", "-o", str(out),
                 "--report-png", str(tmp_path / "r.png"), "--quiet"]) == 2
    assert "--report-png needs matplotlib" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_cli_keep_count_above_a_coco_file_names_the_file_not_a_split(tmp_path, capsys):
    import json

    from datareduce.cli import main
    from datareduce.detection import load_yolo, make_shapes_dataset

    ds = load_yolo(make_shapes_dataset(tmp_path / "src", n_train=12, n_val=3, random_state=0))
    coco = tmp_path / "ann.json"
    coco.write_text(json.dumps({
        "images": [{"id": i, "file_name": p.name, "width": 64, "height": 64}
                   for i, p in enumerate(ds.images)],
        "annotations": [], "categories": [{"id": 1, "name": "a"}]}))
    assert main(["yolo", str(coco), "--images-dir", str(ds.images[0].parent),
                 "--keep", "500", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert f"--keep 500 is more than the 12 images of {coco}:" in err and "split" not in err


def test_a_users_estimator_without_parameter_constraints_is_accepted_as_reducer():
    from sklearn.base import BaseEstimator

    class FirstK(BaseEstimator):
        def __init__(self, keep=2, random_state=None):
            self.keep = keep
            self.random_state = random_state

        def fit(self, X, y=None):
            self.sample_indices_ = np.arange(int(self.keep))
            return self

    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(10)],
                          boxes=[np.zeros((0, 5))] * 10, names={0: "a"})
    X = np.random.default_rng(0).normal(size=(10, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr = DetectionReducer(FirstK(keep=3), dedup=None, categories=None).fit(
            ds, embeddings=X)
    assert sorted(dr.sample_indices_.tolist()) == [0, 1, 2]
