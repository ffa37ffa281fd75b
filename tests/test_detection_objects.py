"""Object-level selection (crop embeddings per image and class, shape complexity) and
the CLI options that reach the Python API (COCO, embedder parameters, dry run, report)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("PIL")
yaml = pytest.importorskip("yaml")

from datareduce.detection import (  # noqa: E402
    CropEmbedder,
    DetectionDataset,
    DetectionReducer,
    ShapeComplexityScorer,
    TopScoreReducer,
    load_yolo,
    make_shapes_dataset,
)
from datareduce.detection.objects import shape_complexity  # noqa: E402


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    root = tmp_path_factory.mktemp("obj")
    make_shapes_dataset(root, n_train=30, n_val=4, random_state=3)
    return root


def test_shape_complexity_by_hand():
    assert shape_complexity([0.3, 0.3]) == pytest.approx(4.0)
    assert shape_complexity([0.4, 0.1]) == pytest.approx(5.0)  # 2 * 0.5 / 0.2
    # a right triangle with legs 1: perimeter 2 + sqrt(2), area 1/2
    assert shape_complexity([0, 0, 1, 0, 0, 1]) == pytest.approx((2 + 2**0.5) / 0.5**0.5)
    # scale-invariant
    assert shape_complexity([0, 0, .1, 0, 0, .1]) == pytest.approx(shape_complexity(
        [0, 0, 1, 0, 0, 1]))


def test_shape_scores_class_balanced_and_polygons(tmp_path):
    (tmp_path / "labels").mkdir()
    lf = [tmp_path / "labels" / f"{k}.txt" for k in range(3)]
    lf[0].write_text("0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.1 0.4\n")
    lf[1].write_text("0 0.1 0.1 0.5 0.1 0.1 0.5\n")  # a polygon (a right triangle)
    lf[2].write_text("1 0.5 0.5 0.2 0.2\n")
    boxes = [np.array([[0, .5, .5, .2, .2], [1, .5, .5, .1, .4]]),
             np.array([[0, .3, .3, .4, .4]]), np.array([[1, .5, .5, .2, .2]])]
    ds = DetectionDataset(images=[f"/d/{k}.png" for k in range(3)], boxes=boxes,
                          names={0: "a", 1: "b"}, label_files=lf)
    tri = (2 + 2**0.5) / 0.5**0.5
    inst = ShapeComplexityScorer().instance_complexity(ds)
    np.testing.assert_allclose(inst[1], [tri])  # the polygon, not its box (4.0)
    mean_a, mean_b = (4 + tri) / 2, (5 + 4) / 2
    want = [4 / mean_a + 5 / mean_b, tri / mean_a, 4 / mean_b]
    np.testing.assert_allclose(ShapeComplexityScorer().scores(ds), want)
    np.testing.assert_allclose(ShapeComplexityScorer(use_polygons=False).scores(ds)[1], 1.0)
    # the ranking reducer keeps the top scores; ties go to the earlier image
    dr = DetectionReducer("top", keep=2, embedder="shape", categories=None, dedup=None).fit(ds)
    assert sorted(dr.sample_indices_.tolist()) == sorted(np.argsort(want)[::-1][:2].tolist())
    assert dr.manifest()["embedder"]["name"] == "shape"


def test_top_score_reducer_stratified_and_scores():
    X = np.column_stack([[5, 1, 4, 2, 3, 0], np.arange(6)])
    y = np.array(["a", "a", "a", "b", "b", "b"])
    r = TopScoreReducer(keep=4).fit(X, y)
    assert sorted(r.sample_indices_.tolist()) == [0, 2, 3, 4]
    kept_first = np.argsort(-r.scores_, kind="stable")
    assert set(kept_first[:2].tolist()) <= {0, 2, 3, 4}


def test_crop_embedder_aggregates_per_image_and_class(src):
    ds = load_yolo(src / "data.yaml")
    emb = CropEmbedder(size=4, n_components=3)
    F, owner, cls = emb.crop_features(ds)
    assert len(F) == ds.n_boxes and owner.tolist() == sorted(owner.tolist())
    X = emb.embed(ds)
    k, nc = 3, ds.n_classes
    assert X.shape == (len(ds), nc * k)
    for i, b in enumerate(ds.boxes):
        present = set(b[:, 0].astype(int).tolist())
        for c in range(nc):
            block = X[i, c * k:(c + 1) * k]
            assert block.any() == (c in present)  # zeros exactly for absent classes
    # by hand: an image with two boxes of one class gets the mean of their PCA rows
    from sklearn.decomposition import PCA

    Fs = (F - F.mean(0)) / np.where(F.std(0) > 1e-6, F.std(0), 1)
    Z = PCA(n_components=k, random_state=0).fit(Fs).transform(Fs)
    i = next(i for i, b in enumerate(ds.boxes) if len(b) >= 2 and len(set(b[:, 0])) == 1)
    c = int(ds.boxes[i][0, 0])
    np.testing.assert_allclose(np.abs(X[i, c * k:(c + 1) * k]),
                               np.abs(Z[owner == i].mean(0)), atol=1e-5)
    dr = DetectionReducer("mms", keep=0.3, embedder="crops", random_state=0,
                          embedder_params={"size": 4, "n_components": 3}).fit(ds)
    assert len(dr.sample_indices_) == 9


def test_cli_reaches_the_api(src, tmp_path, capsys):
    from datareduce.cli import main

    data = str(src / "data.yaml")
    # dry run: report only, nothing written (no --output needed), report picture
    pytest.importorskip("matplotlib")
    png = tmp_path / "report.png"
    assert main(["yolo", data, "--dry-run", "--embedder", "thumbnail", "--embedder-param",
                 "size=4", "--embedder-param", "n_components=3", "--cache-dir",
                 str(tmp_path / "cache"), "--report-png", str(png), "--keep", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing written" in out and "images: 30 -> 15" in out
    assert png.is_file() and list((tmp_path / "cache").glob("thumbnail-*.npy"))
    # an existing picture (or any file of that name) is never replaced without --overwrite,
    # dry run or not, and the refusal comes before the embedding (before: replaced silently)
    precious = tmp_path / "precious.png"
    precious.write_text("precious")
    for extra in (["--dry-run"], ["--output", str(tmp_path / "out_p")]):
        assert main(["yolo", data, *extra, "--embedder", "thumbnail", "--keep", "0.5",
                     "--report-png", str(precious)]) == 2
        assert "--report-png" in capsys.readouterr().err and precious.read_text() == "precious"
    assert not (tmp_path / "out_p").exists()
    assert main(["yolo", data, "--dry-run", "--embedder", "thumbnail", "--embedder-param",
                 "size=4", "--embedder-param", "n_components=3", "--cache-dir",
                 str(tmp_path / "cache"), "--report-png", str(precious), "--keep", "0.5",
                 "--overwrite"]) == 0
    assert precious.read_bytes()[:4] == b"\x89PNG"
    # a link named --report-png is replaced, never written through into its target
    target = tmp_path / "target.txt"
    target.write_text("mine")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    assert main(["yolo", data, "--dry-run", "--embedder", "thumbnail", "--embedder-param",
                 "size=4", "--embedder-param", "n_components=3", "--cache-dir",
                 str(tmp_path / "cache"), "--report-png", str(link), "--keep", "0.5",
                 "--overwrite"]) == 0
    assert target.read_text() == "mine" and not link.is_symlink()
    capsys.readouterr()
    # embedder parameters: a wrong one, --imgsz with an embedder that has none
    assert main(["yolo", data, "--dry-run", "--embedder-param", "bogus=1"]) == 2
    assert "bogus" in capsys.readouterr().err
    assert main(["yolo", data, "--dry-run", "--imgsz", "64"]) == 2
    assert "--imgsz is only used" in capsys.readouterr().err
    # object-level choices and dedup
    assert main(["yolo", data, "--method", "top", "--embedder", "shape", "--keep", "6",
                 "--dedup", "near", "--output", str(tmp_path / "top")]) == 0
    man = json.loads((tmp_path / "top" / "manifest.json").read_text())
    assert man["dedup"]["method"] == "near" and len(man["kept_images"]) == 6
    assert man["reducer_class"] == "TopScoreReducer"


def test_cli_coco_input(src, tmp_path, capsys):
    from PIL import Image

    from datareduce.cli import main

    ds = load_yolo(src / "data.yaml")
    images, anns = [], []
    for i, (img, b) in enumerate(zip(ds.images[:10], ds.boxes[:10], strict=True)):
        W, H = Image.open(img).size
        images.append({"id": i, "file_name": img.name, "width": W, "height": H})
        anns += [{"id": 100 * i + k, "image_id": i, "category_id": int(c),
                  "bbox": [(x - w / 2) * W, (y - h / 2) * H, w * W, h * H]}
                 for k, (c, x, y, w, h) in enumerate(b)]
    ann = tmp_path / "ann.json"
    ann.write_text(json.dumps({"images": images, "annotations": anns, "categories": [
        {"id": k, "name": n} for k, n in ds.names.items()]}))
    rc = main(["yolo", str(ann), "--images-dir", str(src / "images" / "train"),
               "--embedder", "label", "--keep", "4", "--output", str(tmp_path / "o")])
    assert rc == 0
    # the CLI prints warnings as one line on stderr
    assert "no validation split" in capsys.readouterr().err
    back = load_yolo(tmp_path / "o" / "data.yaml")
    assert len(back) == 4


class _FakeTensor:
    def __init__(self, a):
        self.a = a

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.a


class _FakeYOLO:
    """Stands in for a trained ultralytics.YOLO: embeds a crop by its mean BGR colour."""

    def __init__(self):
        self.calls = []

    def embed(self, arrays, **kw):
        self.calls.append(kw)
        return [_FakeTensor(np.asarray(a, float).reshape(-1, 3).mean(0)) for a in arrays]


def test_crop_embedder_with_a_model(src):
    ds = load_yolo(src / "data.yaml")
    fake = _FakeYOLO()
    emb = CropEmbedder(n_components=2, model=fake, imgsz=32)
    F, owner, cls = emb.crop_features(ds)
    assert F.shape == (ds.n_boxes, 3) and fake.calls[0]["imgsz"] == 32
    # the first box's crop: its mean colour (BGR), as the fake model computes it
    from PIL import Image

    from datareduce.detection.objects import _pixel_box

    with Image.open(ds.images[owner[0]]) as im:
        crop = np.asarray(im.convert("RGB").crop(_pixel_box(im.size, ds.boxes[owner[0]][0], 0.1)))
    np.testing.assert_allclose(F[0], crop.reshape(-1, 3).mean(0)[::-1], rtol=1e-5)
    assert emb.embed(ds).shape == (len(ds), ds.n_classes * 2)
    with pytest.raises(FileNotFoundError, match="weights file not found"):
        CropEmbedder(model=src / "missing.pt")
