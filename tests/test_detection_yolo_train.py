"""End to end with the real Ultralytics package: reduce, write, ``YOLO(...).train`` on it.

Ultralytics runs in a subprocess with a clean environment: ``YOLO_OFFLINE=1``,
``YOLO_CONFIG_DIR`` holding a TTF font as ``Ultralytics/Arial.ttf`` (otherwise every
training run tries to download it), ``MPLCONFIGDIR`` and ``HOME`` in a temporary folder,
and proxies pointing at a closed port so that any network call fails at once. The
subprocess reports what the trainer read; the test checks it saw exactly the kept images,
that the label caches landed in the output folder, and that neither the source dataset
nor the home folder changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ultralytics")
pytest.importorskip("torch")

from _detection_data import tree_hash  # noqa: E402
from datareduce.detection import DetectionReducer, load_yolo, make_shapes_dataset  # noqa: E402

pytestmark = pytest.mark.detection

SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    from ultralytics import YOLO
    from datareduce.detection import UltralyticsEmbedder, load_yolo

    data_yaml, project, report = sys.argv[1:4]
    model = YOLO("yolov8n.yaml")
    model.train(data=data_yaml, epochs=1, imgsz=64, device="cpu", workers=0, batch=8,
                project=project, name="run", plots=False, verbose=False, amp=False)
    train_ds = model.trainer.train_loader.dataset
    out = {"im_files": list(train_ds.im_files), "label_files": list(train_ds.label_files),
           "n": len(train_ds)}

    # an untrained model (built from a .yaml) is refused, or embeds with a loud warning
    ds = load_yolo(data_yaml)
    try:
        UltralyticsEmbedder(YOLO("yolov8n.yaml")).embed(ds)
        out["refused"] = False
    except ValueError as exc:
        out["refused"] = "no trained checkpoint" in str(exc)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        X = UltralyticsEmbedder(YOLO("yolov8n.yaml"), allow_untrained=True, imgsz=64,
                                batch_size=8).embed(ds)
    out["untrained_shape"] = list(X.shape)
    out["untrained_std"] = float(X.std(axis=0).max())
    out["warnings"] = [str(w.message) for w in rec]
    json.dump(out, open(report, "w"))
""")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, _ultralytics_font):
    tmp = tmp_path_factory.mktemp("yolo_e2e")
    src = tmp / "src"
    make_shapes_dataset(src, n_train=40, n_val=6, random_state=2)
    before = tree_hash(src)
    ds = load_yolo(src / "data.yaml")
    dr = DetectionReducer("srs", keep=0.3, embedder="thumbnail", random_state=0,
                          embedder_params={"size": 8, "n_components": 8}).fit(ds)
    out = tmp / "out"
    data_yaml = dr.write(out)

    cfg, home = tmp / "cfg", tmp / "home"
    _ultralytics_font(cfg)
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOLO", "ULTRALYTICS"))}
    env.update(YOLO_OFFLINE="1", YOLO_CONFIG_DIR=str(cfg), MPLCONFIGDIR=str(cfg),
               HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               OMP_NUM_THREADS="1")
    report = tmp / "report.json"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data_yaml), str(tmp / "runs"), str(report)],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"dr": dr, "ds": ds, "out": out, "src": src, "before": before, "home": home,
            "report": json.loads(report.read_text()), "stderr": proc.stderr}


def test_training_sees_exactly_the_kept_images(trained):
    rep, dr, out = trained["report"], trained["dr"], trained["out"]
    kept = {str(p) for p in dr.kept_images_}
    assert rep["n"] == len(kept) == round(0.3 * 40)
    # the trainer read our links (in the output folder), which point at exactly the kept images
    assert all(Path(f).parent == out / "images" / "train" for f in rep["im_files"])
    assert {os.path.realpath(f) for f in rep["im_files"]} == kept
    assert all(Path(f).parent == out / "labels" / "train" for f in rep["label_files"])
    # label caches landed in the output folder, none in the source
    assert (out / "labels" / "train.cache").is_file()
    assert (out / "labels" / "val.cache").is_file()
    assert not list(trained["src"].rglob("*.cache"))
    assert tree_hash(trained["src"]) == trained["before"]
    assert not any(trained["home"].iterdir()), list(trained["home"].rglob("*"))
    # the written YAML round-trips to the kept images with their boxes
    back = load_yolo(out / "data.yaml")
    ds = trained["ds"]
    for img, b in zip(back.images, back.boxes, strict=True):
        i = ds.images.index(Path(os.path.realpath(img)))
        np.testing.assert_array_equal(b, ds.boxes[i])


def test_untrained_model_is_refused_or_warned(trained):
    rep = trained["report"]
    assert rep["refused"] is True
    assert rep["untrained_shape"][0] == round(0.3 * 40)
    assert any("nearly identical" in w for w in rep["warnings"])
