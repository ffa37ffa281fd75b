"""Groups of images (sequences): labels, quotas, group-aware selection, splits and audits."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("PIL")
pytest.importorskip("yaml")

from _detection_data import tree_hash, write_group_layout  # noqa: E402
from datareduce.cli import main  # noqa: E402
from datareduce.detection import DetectionDataset, DetectionReducer, load_yolo  # noqa: E402
from datareduce.detection.groups import (  # noqa: E402
    assign_groups,
    group_labels,
    group_quotas,
    sequence_groups,
)
from datareduce.detection.split import group_leaks, split_yolo  # noqa: E402

SEQ = r"^(seq\d+)_"


def _ds(sizes):
    imgs = [f"/d/vid{v}_f{k}.png" for v, s in enumerate(sizes) for k in range(s)]
    boxes = [np.array([[v % 2, 0.5, 0.5, 0.1, 0.1]]) for v, s in enumerate(sizes) for _ in range(s)]
    return DetectionDataset(images=imgs, boxes=boxes, names={0: "a", 1: "b"})


def test_group_labels_regex_labels_callable():
    ds = _ds([2, 1])
    assert group_labels(ds, r"^(vid\d+)_").tolist() == ["vid0", "vid0", "vid1"]
    assert group_labels(ds, ["x", "x", "y"]).tolist() == ["x", "x", "y"]
    assert group_labels(ds, lambda d: [1, 2, 3]).tolist() == [1, 2, 3]
    with pytest.warns(UserWarning, match="matches no part of 3"):
        lab = group_labels(ds, r"nomatch")
    assert len(set(lab)) == 3  # each unmatched image is its own group
    with pytest.raises(ValueError, match="one label per image"):
        group_labels(ds, [1, 2])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=20), st.integers(0, 400),
       st.integers(0, 10))
def test_group_quotas_cover_groups_before_repeating(sizes, total, seed):
    q = group_quotas(sizes, total, random_state=seed)
    sizes = np.asarray(sizes)
    assert q.sum() == min(total, sizes.sum())
    assert (q >= 0).all() and (q <= sizes).all()
    # water filling: a group below its size is never 2+ images behind any other group
    short = q < sizes
    if short.any():
        assert q.max() - q[short].min() <= 1
    if total <= len(sizes):
        assert set(q.tolist()) <= {0, 1}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=3, max_size=30), st.integers(0, 5))
def test_assign_groups_one_split_per_group_and_nonempty(sizes, seed):
    labels = [f"g{g}" for g, s in enumerate(sizes) for _ in range(s)]
    where = assign_groups(labels, {"train": 0.7, "val": 0.2, "test": 0.1}, random_state=seed)
    for g in set(labels):
        assert len({w for lab, w in zip(labels, where, strict=True) if lab == g}) == 1
    assert {"train", "val", "test"} <= set(where.tolist())


def test_assign_groups_reaches_targets_with_many_small_groups():
    labels = [f"g{g}" for g in range(200) for _ in range(1 + g % 4)]
    where = assign_groups(labels, {"train": 0.8, "val": 0.2}, random_state=0)
    share = np.mean(where == "val")
    assert abs(share - 0.2) < 0.02


def test_detection_reducer_groups_cover_before_repeating():
    sizes = [40, 20, 5, 3, 2, 1, 1, 1]
    ds = _ds(sizes)
    X = np.random.default_rng(0).normal(size=(len(ds), 4))
    for keep, expect in ((5, {1}), (8, {1}), (20, None)):
        dr = DetectionReducer("srs", keep=keep, groups=r"^(vid\d+)_", random_state=0,
                              dedup=None)
        dr.fit(ds, embeddings=X)
        g, c = np.unique(dr.groups_[dr.sample_indices_], return_counts=True)
        assert len(dr.sample_indices_) == keep
        assert len(np.unique(dr.sample_indices_)) == keep
        if expect is not None:
            assert set(c.tolist()) == expect
        else:
            assert len(g) == len(sizes)  # every group covered
            np.testing.assert_array_equal(
                np.sort(c), np.sort(group_quotas(sizes, keep, random_state=0)))
    # without groups, a random sample of 5 from a 40-frame video is mostly that video
    plain = DetectionReducer("srs", keep=8, categories=None, random_state=0).fit(ds, embeddings=X)
    assert len(np.unique([p.name.split("_")[0] for p in np.asarray(ds.images)[plain.sample_indices_]])) < 8
    assert dr.manifest()["groups"]["n_groups_kept"] == len(sizes)


def test_sequence_groups_auto_finds_planted_sequences(tmp_path):
    write_group_layout(tmp_path / "src", [{"train": 4}, {"train": 3}, {"train": 1}], seed=3)
    ds = load_yolo(tmp_path / "src" / "data.yaml")
    lab = sequence_groups(ds)
    truth = group_labels(ds, SEQ)
    # same partition as the planted sequences (each has its own random texture)
    pairs = {(a, b) for a, b in zip(truth, lab, strict=True)}
    assert len(pairs) == len(set(truth)) == len(set(lab))



def test_sequence_groups_memory_does_not_grow_with_the_links(monkeypatch):
    """3,000 frames all near each other (4.5 M links) are one group, found without holding
    the links (they took 313 MiB at peak; now the block's temporaries, about 45 MiB)."""
    import tracemalloc

    import scipy.sparse.csgraph  # noqa: F401 - imported before the measurement
    import sklearn.neighbors  # noqa: F401

    from datareduce.detection import hashing

    n = 3000
    rng = np.random.default_rng(0)
    flips = np.zeros(n, dtype=np.uint64)
    for k in range(n):  # distinct hashes, each 2 to 5 bits from one base
        for b in rng.choice(64, int(rng.integers(2, 6)), replace=False):
            flips[k] ^= np.uint64(1) << np.uint64(b)
    flips = np.unique(flips)
    n = len(flips)
    H = (np.uint64(0x0F0F0F0F0F0F0F0F) ^ flips).reshape(-1, 1)
    monkeypatch.setattr(hashing, "perceptual_hashes",
                        lambda *a, **k: (H, np.full((n, 3), 10.0, np.float32)))
    ds = DetectionDataset(images=[f"/d/{i:05d}.png" for i in range(n)],
                          boxes=[np.zeros((0, 5))] * n, names={0: "a"})
    X = np.random.default_rng(1).normal(scale=0.01, size=(n, 8))
    for kw in ({}, {"method": "embedding", "embeddings": X, "threshold": 1.0}):
        tracemalloc.start()
        try:
            lab = sequence_groups(ds, **kw)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
        assert lab.tolist() == [0] * n
        assert peak < 80, f"{kw.get('method', 'near')}: peak {peak:.0f} MiB"


layouts = st.lists(
    st.fixed_dictionaries({"train": st.integers(0, 4), "val": st.integers(0, 3),
                           "test": st.integers(0, 2)}).filter(lambda d: sum(d.values()) > 0),
    min_size=3, max_size=12)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(layout=layouts, seed=st.integers(0, 3))
def test_yolo_split_never_places_a_group_on_two_sides(tmp_path_factory, layout, seed):
    root = tmp_path_factory.mktemp("split")
    layout = [{"train": d["train"] + (1 if sum(d.values()) == 0 else 0), **d} for d in layout]
    if not any(d["train"] for d in layout):
        layout[0]["train"] = 1
    write_group_layout(root / "src", layout, seed=seed)
    before = tree_hash(root / "src")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = split_yolo(root / "src" / "data.yaml", root / "out", groups=SEQ, val=0.25,
                         test=0.15, random_state=seed)
    assert tree_hash(root / "src") == before  # the source is only read
    man = json.loads((out.parent / "manifest.json").read_text())
    side = {}
    total = 0
    for split in ("train", "val", "test"):
        folder = out.parent / "images" / split
        for p in (folder.iterdir() if folder.is_dir() else []):
            g = p.name.split("_")[0]
            assert side.setdefault(g, split) == split, f"{g} in {side[g]} and {split}"
            assert man["group_split"][g] == split
            assert (out.parent / "labels" / split / f"{p.stem}.txt").is_file()
            total += 1
    assert total == sum(sum(d.values()) for d in layout)  # every image, once
    assert len(side) == len(layout)
    assert group_leaks({k: load_yolo(out, split=k) for k in man["n_images"]
                        if man["n_images"][k]}, SEQ) == {}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(layout=layouts)
def test_every_planted_split_group_is_reported(tmp_path_factory, layout):
    root = tmp_path_factory.mktemp("leak")
    layout = [dict(d) for d in layout]
    layout[0]["train"] = max(1, layout[0]["train"])
    layout[0]["val"] = max(1, layout[0]["val"])
    planted = write_group_layout(root / "src", layout)
    splits = [s for s in ("train", "val", "test") if any(d.get(s) for d in layout)]
    found = group_leaks({s: load_yolo(root / "src" / "data.yaml", split=s) for s in splits},
                        SEQ)
    assert found == planted


def test_yolo_split_refuses_output_inside_source_and_bad_fractions(tmp_path):
    write_group_layout(tmp_path / "src", [{"train": 2}, {"train": 2, "val": 1}])
    before = tree_hash(tmp_path / "src")
    with pytest.raises(ValueError, match="inside the source"):
        split_yolo(tmp_path / "src" / "data.yaml", tmp_path / "src" / "images" / "x",
                   groups=SEQ, val=0.3)
    with pytest.raises(ValueError, match="leaves no training"):
        split_yolo(tmp_path / "src" / "data.yaml", tmp_path / "o", groups=SEQ, val=0.6, test=0.5)
    with pytest.raises(ValueError, match="val=0"):
        split_yolo(tmp_path / "src" / "data.yaml", tmp_path / "o", groups=SEQ, val=0)
    assert tree_hash(tmp_path / "src") == before
    assert not (tmp_path / "o").exists()


def test_cli_yolo_split_and_audit_groups(tmp_path, capsys):
    planted = write_group_layout(tmp_path / "src", [{"train": 3}, {"train": 2, "val": 2},
                                                    {"val": 2}, {"train": 4}, {"train": 1}])
    data = str(tmp_path / "src" / "data.yaml")
    assert main(["yolo-audit", data, "--group", SEQ, "--json", str(tmp_path / "a.json")]) == 0
    out = capsys.readouterr().out
    assert "groups in more than one split: 1" in out and "seq001" in out
    assert json.loads((tmp_path / "a.json").read_text())["split_groups"] == planted
    assert main(["yolo-split", data, "--group", SEQ, "--val", "0.3", "--seed", "1",
                 "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "| val |" in out and "wrote" in out
    assert main(["yolo-audit", str(tmp_path / "out" / "data.yaml"), "--group", SEQ]) == 0
    assert "groups in more than one split: 0" in capsys.readouterr().out
    # the output exists now: refused without --overwrite, replaced with it
    assert main(["yolo-split", data, "--group", SEQ, "--val", "0.3",
                 "--output", str(tmp_path / "out")]) != 0
    assert "not empty" in capsys.readouterr().err
    assert main(["yolo-split", data, "--group", SEQ, "--val", "0.3", "--overwrite",
                 "--output", str(tmp_path / "out")]) == 0


def test_cli_yolo_group_quotas(tmp_path, capsys):
    write_group_layout(tmp_path / "src", [{"train": 12}, {"train": 2}, {"train": 1},
                                          {"train": 1}, {"val": 2}])
    assert main(["yolo", str(tmp_path / "src" / "data.yaml"), "--keep", "4", "--embedder",
                 "label", "--group", SEQ, "--no-stratify", "--dry-run"]) == 0
    assert "groups: 4 of 4 kept" in capsys.readouterr().out
    assert main(["yolo", str(tmp_path / "src" / "data.yaml"), "--keep", "4",
                 "--max-per-group", "2", "--dry-run"]) != 0
    assert "needs --group" in capsys.readouterr().err


def test_detection_imports_point_one_way():
    """detection never imports dynamic; embedders never import objects (issue 25's cycles)."""
    import ast
    from pathlib import Path

    import datareduce.detection as det

    root = Path(det.__file__).parent

    def imports(name):
        tree = ast.parse((root / name).read_text())
        return {(n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}

    for f in root.glob("*.py"):
        assert not any("dynamic" in m for m in imports(f.name)), f.name
    assert not any("objects" in m or "registry" in m for m in imports("embedders.py"))
    assert not hasattr(det, "train_pruned")
