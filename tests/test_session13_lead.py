"""The lead's mends of session 13 (2026-12-07, second session of the day)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main
from datareduce.cli.search import cli_words


def test_search_cli_words_put_library_arguments_in_option_names():
    assert cli_words("ReductionSearchCV: no reduction found within tolerance=0.01 (x)") == (
        "no reduction found within --tolerance 0.01 (x)")
    assert cli_words("scoring='roc_auc_ovr' cannot score; use scoring='f1_macro'.") == (
        "--scoring roc_auc_ovr cannot score; use --scoring f1_macro.")
    said = cli_words("the validation folds are sampled to max_val_rows=20000 rows, and these "
                     "classes are too rare; raise max_val_rows, or leave such classes out")
    assert "max_val_rows" not in said and "sampled to 20000 rows each" in said
    # a Python object after '=' is not an option's value: left as it is
    assert cli_words("cv=KFold(n_splits=3) does not") == "cv=KFold(n_splits=3) does not"
    assert cli_words("n_bins=5 bins") == "--bins 5 bins"


def test_search_cli_warning_in_option_names(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["y"] = np.where(X[:, 0] + rng.normal(scale=0.8, size=300) > 0, "p", "q")
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["search", str(tmp_path / "t.csv"), "--target", "y", "--keeps", "0.1",
                 "--methods", "srs", "--tolerance", "0", "--budget", "none"])
    err = capsys.readouterr().err
    assert code == 0
    assert "no reduction found within --tolerance 0.0" in err, err
    assert "ReductionSearchCV" not in err and "tolerance=" not in err


def test_yolo_cli_message_is_the_library_refusal_in_flag_words():
    from datareduce.cli.yolo import cli_words as yolo_words
    from datareduce.detection.reducer import check_keep_count

    with pytest.raises(ValueError) as info:
        check_keep_count(500, 12, "the 'train' split")
    assert yolo_words(str(info.value)).startswith(
        "--keep 500 is more than the 12 images of the 'train' split: pass at most 12")
    check_keep_count(12, 12)  # every image: fine
    check_keep_count(0.5, 12)  # a fraction: fine
    check_keep_count(True, 1)  # a bool is not a count (refused elsewhere)


def test_leakage_lists_the_closest_pairs_and_counts_every_pair(tmp_path):
    from _detection_data import plant_duplicates
    from datareduce.detection import find_leakage, load_yolo

    plant_duplicates(tmp_path)
    train, val = load_yolo(tmp_path / "data.yaml"), load_yolo(tmp_path / "data.yaml", "val")
    every = find_leakage(train, {"val": val}, max_pairs=None, within_train=False)
    assert every.counts()["val"]["pairs"] == len(every.pairs) == 4
    for n in (0, 1, 3):
        few = find_leakage(train, {"val": val}, max_pairs=n, within_train=False)
        assert few.pairs == every.pairs[:n]  # the closest, exact ones first
        assert few.counts() == every.counts()  # counted over every pair
        assert set(few.boxes) == {p[k] for p in few.pairs for k in ("train", "other")}
    with pytest.raises(ValueError, match="max_pairs=-1"):
        find_leakage(train, {"val": val}, max_pairs=-1)


def test_leakage_memory_grows_with_images_not_pairs(monkeypatch):
    """3,000 training and 1,000 validation frames of one static camera: 3 million near
    pairs. Listing every pair held 2.2 GB (a dict per pair); the report keeps the
    10,000 closest and counts the rest."""
    import tracemalloc

    from datareduce.detection import leakage

    class SimpleNamespace:  # the dataset's images, boxes and length
        def __init__(self, images, boxes):
            self.images, self.boxes = images, boxes

        def __len__(self):
            return len(self.images)

    def hashes(images, **kw):  # every training frame 0, every other frame one bit away
        n = len(images)
        H = np.full((n, 1), 0 if images[0].startswith("t") else 1, dtype=np.uint64)
        return H, np.zeros((n, 3))

    monkeypatch.setattr(leakage, "perceptual_hashes", hashes)
    monkeypatch.setattr(leakage, "file_hashes", lambda paths, **kw: [str(p) for p in paths])
    train = SimpleNamespace(images=[f"t{k:05d}.png" for k in range(3000)],
                            boxes=[np.zeros((0, 5))] * 3000)
    val = SimpleNamespace(images=[f"v{k:05d}.png" for k in range(1000)],
                          boxes=[np.zeros((0, 5))] * 1000)
    tracemalloc.start()
    try:
        rep = leakage.find_leakage(train, {"val": val}, within_train=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rep.counts()["val"] == {"pairs": 3_000_000, "exact_pairs": 0, "train_images": 3000,
                                   "other_images": 1000, "other_total": 1000}
    assert len(rep.pairs) == leakage.DEFAULT_MAX_PAIRS
    assert rep.pairs[0] == {"split": "val", "train": "t00000.png", "other": "v00000.png",
                            "distance": 1, "exact": False}
    assert peak < 200e6, f"{peak / 1e6:.0f} MB"


def test_relative_yaml_path_in_two_places_is_named(tmp_path, monkeypatch):
    """'path: data' beside the YAML and under the current directory: this reader takes the
    YAML's, Ultralytics' `yolo train` the current directory's: said, not silent."""
    import warnings

    from PIL import Image

    from datareduce.detection import load_yolo

    for base, name in ((tmp_path / "cfg", "a.png"), (tmp_path / "work", "b.png")):
        (base / "data" / "images" / "train").mkdir(parents=True)
        Image.new("RGB", (32, 32)).save(base / "data" / "images" / "train" / name)
        (base / "data" / "labels" / "train").mkdir(parents=True)
        (base / "data" / "labels" / "train" / name.replace(".png", ".txt")).write_text(
            "0 0.5 0.5 0.2 0.2\n")
    yaml = tmp_path / "cfg" / "data.yaml"
    yaml.write_text("path: data\ntrain: images/train\nval: images/train\nnames: {0: x}\n")
    monkeypatch.chdir(tmp_path / "work")
    with pytest.warns(UserWarning, match="names two folders") as rec:
        ds = load_yolo(yaml)
    assert [p.name for p in ds.images] == ["a.png"]
    said = str(rec[0].message)
    assert str((tmp_path / "cfg" / "data").resolve()) in said
    assert str((tmp_path / "work" / "data").resolve()) in said
    monkeypatch.chdir(tmp_path)  # one candidate only: quiet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [p.name for p in load_yolo(yaml).images] == ["a.png"]


def test_path_regex_naming_a_folder_above_every_image_is_said():
    """'^/([^/]+)/' is searched in the absolute path: it names 'home' for every image."""
    import warnings

    from datareduce.detection import DetectionDataset
    from datareduce.detection.groups import group_labels

    def ds(paths):
        return DetectionDataset(images=paths, boxes=[np.zeros((0, 5))] * len(paths),
                                names={0: "a"})

    videos = ds(["/home/u/d/images/v1/0.png", "/home/u/d/images/v1/1.png",
                 "/home/u/d/images/v2/0.png"])
    with pytest.warns(UserWarning, match=r"names the folder 'home', above every image"):
        assert group_labels(videos, r"^/([^/]+)/").tolist() == ["home"] * 3
    one_video = ds(["/home/u/d/images/v1/0.png", "/home/u/d/images/v1/1.png"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the folder of the images, or real groups: quiet
        assert group_labels(videos, r"([^/]+)/[^/]+$").tolist() == ["v1", "v1", "v2"]
        assert group_labels(one_video, r"([^/]+)/[^/]+$").tolist() == ["v1", "v1"]
    with pytest.warns(UserWarning, match="names the folder 'images'"):
        group_labels(one_video, r"/(images)/")




def test_tune_on_subset_applies_a_fitted_searchs_use_weights():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import ReductionSearchCV, tune_on_subset

    got = []

    class Recording(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            got.append(sample_weight is not None)
            return super().fit(X, y, sample_weight=sample_weight)

    X, y = make_classification(600, 5, weights=[0.8, 0.2], random_state=0)
    for use_weights, expect in ((False, False), ("auto", True)):
        search = ReductionSearchCV(Recording(), methods=["srs"], keeps=(0.3,), budget=None,
                                   use_weights=use_weights, tolerance=1.0,
                                   random_state=0).fit(X, y)
        assert search.within_tolerance_
        assert search.best_reducer_.sample_weight_ is not None
        got.clear()
        tune_on_subset(Recording(), {"C": [0.1, 1.0]}, X, y, reducer=search, n_iter=2,
                       refit="subset", random_state=0)
        assert got and set(got) == {expect}, (use_weights, got)


def test_yolo_audit_group_auto_hashes_each_image_once(tmp_path, monkeypatch, capsys):
    from _detection_data import plant_duplicates
    from datareduce.detection import hashing, leakage, load_yolo
    from datareduce.detection.split import group_leaks

    plant_duplicates(tmp_path)
    yaml = tmp_path / "data.yaml"
    datasets = {"train": load_yolo(yaml), "val": load_yolo(yaml, "val")}
    expected = group_leaks(datasets, "auto")  # hashing the pooled images itself
    assert expected  # the planted copies put groups on both sides
    hashed = []
    real = hashing.perceptual_hashes

    def counting(images, **kw):
        hashed.extend(str(p) for p in images)
        return real(images, **kw)

    monkeypatch.setattr(hashing, "perceptual_hashes", counting)
    monkeypatch.setattr(leakage, "perceptual_hashes", counting)
    out = tmp_path / "leaks.json"
    assert main(["yolo-audit", str(yaml), "--group", "auto", "--json", str(out)]) == 0
    assert len(hashed) == len(set(hashed)) == sum(len(d) for d in datasets.values())
    import json

    assert json.loads(out.read_text())["split_groups"] == expected


def test_search_takes_one_callable_scorer():
    """scikit-learn's searches take make_scorer(...): so does ReductionSearchCV (it refused
    every callable), with its name in the summary and the plot."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import fbeta_score, make_scorer

    from datareduce.search import ReductionSearchCV

    X, y = make_classification(400, 5, random_state=0)
    f2 = make_scorer(fbeta_score, beta=2)
    s = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2, 0.5),
                          scoring=f2, budget=None, random_state=0).fit(X, y)
    assert s.scoring_ is f2
    assert s.score(X, y) == pytest.approx(fbeta_score(y, s.best_estimator_.predict(X), beta=2))
    assert "scoring=fbeta_score," in s.summary()
    ax = s.plot()
    assert ax.get_ylabel().startswith("fbeta_score")

    def plain(est, X, y):  # a function scorer(estimator, X, y)
        return float((est.predict(X) == y).mean())

    s = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.5,), scoring=plain,
                          budget=None, random_state=0).fit(X, y)
    assert "scoring=plain," in s.summary()


def test_tiffs_opencv_cannot_read_are_decoding_problems(tmp_path):
    """Float and 32-bit TIFFs (thermal, depth exports) decode with Pillow but not with
    OpenCV, which Ultralytics trains through: a problem named at load, not at training."""
    from PIL import Image

    from datareduce.detection import load_yolo

    rng = np.random.default_rng(0)
    img, lab = tmp_path / "images" / "train", tmp_path / "labels" / "train"
    img.mkdir(parents=True)
    lab.mkdir(parents=True)
    Image.fromarray(rng.random((32, 32)).astype(np.float32), mode="F").save(img / "f.tif")
    Image.fromarray((rng.random((32, 32)) * 6e4).astype(np.int32), mode="I").save(
        img / "i32.tif")
    Image.fromarray((rng.random((32, 32)) * 6e4).astype(np.uint16)).save(img / "u16.tif")
    Image.new("RGB", (32, 32)).save(img / "ok.png")
    for name in ("f", "i32", "u16", "ok"):
        (lab / f"{name}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    yaml = tmp_path / "data.yaml"
    yaml.write_text(f"path: {tmp_path}\ntrain: images/train\nval: images/train\n"
                    "names: {0: x}\n")
    with pytest.raises(ValueError, match=r"f\.tif: is a TIFF of 32-bit floating-point "
                                         r"samples, which OpenCV") as info:
        load_yolo(yaml)
    assert "i32.tif: is a TIFF of 32-bit samples" in str(info.value)
    assert "u16.tif" not in str(info.value) and "ok.png" not in str(info.value)
    with pytest.warns(UserWarning, match="left out 2 image"):
        ds = load_yolo(yaml, on_error="skip")
    assert sorted(p.name for p in ds.images) == ["ok.png", "u16.tif"]
    cv2 = pytest.importorskip("cv2")  # the rule is OpenCV's own: it reads none of the two
    for name, readable in (("f.tif", False), ("i32.tif", False), ("u16.tif", True)):
        im = cv2.imdecode(np.fromfile(img / name, np.uint8), cv2.IMREAD_COLOR)
        assert (im is not None) == readable, name


def _metric(name, value, ref):
    from datareduce.metrics.calibration import CalibratedMetric, _percentile

    ref = np.asarray(ref, dtype=float)
    return CalibratedMetric(name=name, description="", value=value, per_class={},
                            reference={"srs": ref}, per_class_reference={},
                            percentile={"srs": _percentile(value, ref)},
                            per_class_percentile={}, p_value={})


def test_familywise_percentile_by_hand():
    """Two metrics, four draws. A: draws 1..4, subset 5 (further than every draw: 0);
    B: draws 4..1, subset 0 (100). Each draw against the other draws and the subset: A's
    percentiles 100, 75, 50, 25, B's 0, 25, 50, 75; the draws' worst 0, 25, 50, 25. The
    subset's worst, 0, ties one draw of four: 12.5."""
    from datareduce.metrics.calibration import Calibration

    cal = Calibration(metrics={"a": _metric("a", 5.0, [1, 2, 3, 4]),
                               "b": _metric("b", 0.0, [4, 3, 2, 1])},
                      n_draws=4, n_subset=10, n_samples=100, eval_rows=100)
    assert cal.familywise() == (12.5, "a", 2, "srs")
    one = Calibration(metrics={"a": _metric("a", 5.0, [1, 2, 3, 4])}, n_draws=4,
                      n_subset=10, n_samples=100, eval_rows=100)
    assert one.familywise() is None  # one metric is its own line


def test_audit_says_the_metrics_together_at_the_rate_of_one_line():
    """Each verdict is red for about 2 in 31 random subsets, but a page of three metric
    lines (and the class lines) shows some red line for about 1 random subset in 7
    (review14/a design 1: 14 % of 300 stratified subsets; 14.7 % of 400 here). The last
    line corrects for the number of metrics: red for 6.5 % of 400 random subsets
    (benchmarks/bench_audit_familywise.py). Here: 60 subsets, and a biased one is red."""
    import warnings

    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(0)
    y = rng.choice(3, 600, p=[0.5, 0.3, 0.2])
    X = rng.normal(size=(600, 4)) + y[:, None] * 0.7
    red = any_metric = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in range(60):
            r = np.random.default_rng(100 + s)
            idx = np.concatenate([r.choice(np.flatnonzero(y == c), k, replace=False)
                                  for c, k in zip(range(3), (30, 18, 12), strict=True)])
            a = audit_subset(X, idx, y, random_state=s)
            (text, p), = [v for v in a.verdicts() if v[0].startswith("the 3 metrics together")]
            red += p < 5
            any_metric += min(m.percentile["srs"] for m in a.calibration.metrics.values()) < 5
        # 6.5 % expected (3.9 of 60; 5 here); the uncorrected minimum: 9 of these 60
        assert red <= 7 and red < any_metric, (red, any_metric)
        cut = np.flatnonzero(X[:, 0] < np.quantile(X[:, 0], 0.5))  # the upper half cut
        idx = np.concatenate([np.intersect1d(cut, np.flatnonzero(y == c))[:k]
                              for c, k in zip(range(3), (30, 18, 12), strict=True)])
        a = audit_subset(X, idx, y, random_state=0)
    (text, p), = [v for v in a.verdicts() if v[0].startswith("the 3 metrics together")]
    assert p < 5 and "is further than the furthest metric of" in text, text
    assert a.to_dict()["calibration"]["familywise"]["n_metrics"] == 3


def test_kt_above_half_a_large_pool_says_it_is_random():
    """review14/b design 1: keep > 0.5 on a pool whose n x n kernel exceeds working_memory
    gave uniformly random rows, said only at logging.INFO."""
    from datareduce.reducers.kt import kernel_thinning

    X = np.random.default_rng(0).normal(size=(600, 3))
    with pytest.warns(UserWarning, match=r"kt: keeping 400 of 600 rows .* uniformly random "
                                         r"rows \(as SRS\)\. Raise working_memory \(about 3 MiB"):
        rows = kernel_thinning(X, 400, bandwidth=1.0, working_memory=1.0)
    assert len(rows) == 400
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the matrix fits: refined, quiet
        kernel_thinning(X, 400, bandwidth=1.0, working_memory=8.0)


def test_fes_estimator_is_none_after_a_single_class_fit():
    """review14/b design 4: the documented estimator_ was missing (AttributeError)."""
    import warnings

    from datareduce import get_reducer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fes = get_reducer("fes", keep=0.3, random_state=0).fit(
            np.random.default_rng(0).random((30, 3)), np.zeros(30))
    assert fes.estimator_ is None


def test_first_fit_time_excludes_the_one_off_imblearn_import():
    """review14/c design: the first fit of a process counted imbalanced-learn's import
    (0.4-0.5 s) in fit_time_ (SRS 10-60x slower than the others in the notebook's table).
    Checked without timing: imblearn is imported when the fit's clock starts."""
    import subprocess
    import sys

    code = """
import sys, time
import numpy as np
from datareduce import base, get_reducer
seen = []
real = time.perf_counter
class Clock:
    def perf_counter(self):
        seen.append("imblearn" in sys.modules)
        return real()
base.time = Clock()
assert "imblearn" not in sys.modules
get_reducer("srs", keep=0.3, random_state=0).fit(np.random.rand(40, 3), np.arange(40) % 2)
print(seen[0])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True", out.stdout + out.stderr


def test_clc_centroids_say_an_explicit_space_is_not_used():
    """review14/c design: get_reducer("clc", output="centroids", space="minmax") dropped
    the scaling silently (the CLI now refuses the same options)."""
    import warnings

    from datareduce import get_reducer

    X = np.random.default_rng(0).random((60, 3)) * [1, 100, 1e4]
    y = np.arange(60) % 2
    with pytest.warns(UserWarning, match=r"space='minmax' is not used with "
                                         r"output='centroids'"):
        get_reducer("clc", output="centroids", space="minmax", keep=0.2,
                    random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_reducer("clc", output="centroids", keep=0.2, random_state=0).fit(X, y)
        get_reducer("clc", output="medoids", space="minmax", keep=0.2,
                    random_state=0).fit(X, y)


def test_cli_dash_for_stdin_or_stdout_is_said(tmp_path, capsys):
    """review14/c: '-' was read as a file name ('input file not found: -', '--output -:
    unknown table format')."""
    t = tmp_path / "t.csv"
    pd.DataFrame({"a": range(20), "y": [0, 1] * 10}).to_csv(t, index=False)
    assert main(["reduce", "-", "-o", str(tmp_path / "o.csv"), "--target", "y",
                 "--keep", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "input -: the commands read and write table files" in err and "> table.csv" in err
    assert main(["reduce", str(t), "-o", "-", "--target", "y", "--keep", "0.5"]) == 2
    assert "--output -: the commands read" in capsys.readouterr().err


def test_compare_summary_line_counts_each_cells_repeats(capsys):
    """review14/c: the line said 'over {--repeats} repeats' also when runs were dropped
    (--on-error warn); each cell now says its own count."""
    from types import SimpleNamespace

    from datareduce.cli.compare import _differences_md

    rows = []
    for rep in range(5):
        rows.append({"method": "srs", "keep": 0.1, "repeat": rep, "accuracy": 0.80})
        rows.append({"method": "mms", "keep": 0.1, "repeat": rep, "accuracy": 0.70 + 0.01 * rep})
        if rep < 3:  # two of kt's runs dropped
            rows.append({"method": "kt", "keep": 0.1, "repeat": rep,
                         "accuracy": 0.60 + 0.01 * rep})
    results = pd.DataFrame(rows)
    args = SimpleNamespace(scoring=["accuracy"], repeats=5, quiet=False)
    _differences_md(args, results)
    err = capsys.readouterr().err
    assert "kt at keep 0.1 (-0.190 over 3 repeats)" in err, err
    assert "mms at keep 0.1 (-0.080 over 5 repeats)" in err
    assert "over 5 repeats all" not in err


def test_calibrate_says_when_a_class_has_more_subset_rows_than_data_rows():
    """review14/a design 4: 30 synthetic rows of a class with 25 real ones were ranked
    among stratified draws of 25 rows of it, silently."""
    from datareduce.metrics import calibrate

    rng = np.random.default_rng(0)
    X = rng.normal(size=(125, 2))
    y = np.r_[np.zeros(100, int), np.ones(25, int)]
    Z = np.r_[X[:10], rng.normal(size=(30, 2))]
    yz = np.r_[np.zeros(10, int), np.ones(30, int)]
    with pytest.warns(UserWarning, match=r"more rows of 1 class\(es\) than the full data "
                                         r"has: 1 \(30 in the subset, 25 in the data\)"):
        calibrate(X, y=y, X_subset=Z, y_subset=yz, n_draws=5, metrics=("mmd",))


def test_yolo_jobs_reach_every_image_reader(tmp_path, monkeypatch):
    """datareduce yolo had no --jobs (yolo-audit had): the decoding check, the duplicate
    hashes and the thumbnail embedder read images in one thread."""
    import functools

    from _detection_data import plant_duplicates
    from datareduce.detection import dataset as dsmod
    from datareduce.detection import dedup as dedupmod
    from datareduce.detection import embedders, hashing, yolo

    plant_duplicates(tmp_path / "src")
    seen = {}

    def spy(module, name, key):
        real = getattr(module, name)

        def wrapped(*a, **k):
            seen.setdefault(key, []).append(k.get("n_jobs", a[1] if len(a) > 1 else None))
            return real(*a, **k)
        monkeypatch.setattr(module, name, wrapped)

    spy(yolo, "_decode_problems", "decode")
    spy(hashing, "perceptual_hashes", "hash")
    spy(dedupmod, "perceptual_hashes", "hash")
    real_init = embedders.ThumbnailEmbedder.__init__

    @functools.wraps(real_init)  # (its signature, which the n_jobs check reads)
    def init(self, *a, **k):
        seen.setdefault("embed", []).append(k.get("n_jobs", 1))
        real_init(self, *a, **k)
    monkeypatch.setattr(embedders.ThumbnailEmbedder, "__init__", init)
    assert dsmod  # (the dataset module's decoder is called through yolo's name)
    code = main(["yolo", str(tmp_path / "src" / "data.yaml"), "--keep", "0.5", "--dedup", "near",
                 "--jobs", "2", "--dry-run", "-q"])
    assert code == 0
    assert seen["decode"] and set(seen["decode"]) == {2}, seen
    assert seen.get("hash") and set(seen["hash"]) == {2}, seen
    assert seen["embed"] == [2], seen
    from datareduce.detection import DetectionReducer

    seen.clear()
    DetectionReducer("srs", keep=0.5, n_jobs=2, dedup="near").fit(
        yolo.load_yolo(tmp_path / "src" / "data.yaml"))
    assert seen["embed"] == [2] and set(seen["hash"]) == {2}, seen
    with pytest.raises(ValueError, match="n_jobs=0"):
        DetectionReducer("srs", keep=0.5, n_jobs=0).fit(yolo.load_yolo(tmp_path / "src" / "data.yaml"))


def test_clc_medoid_search_stays_within_working_memory():
    """review14/b design 3: the distance block was sized at working_memory alone, while a
    block row also holds the expansion's two temporaries and argpartition's positions:
    34 MiB peak at working_memory=8 (2,000 centres, 20,000 rows); now 10 MiB, same rows."""
    import tracemalloc

    from datareduce.reducers.clustering import unique_nearest_rows

    rng = np.random.default_rng(0)
    X, C = rng.normal(size=(20000, 5)), rng.normal(size=(2000, 5))
    tracemalloc.start()
    try:
        rows = unique_nearest_rows(C, X, working_memory=8.0)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 16, f"{peak:.1f} MiB"
    assert len(np.unique(rows)) == 2000
    np.testing.assert_array_equal(rows, unique_nearest_rows(C, X, working_memory=64.0))
