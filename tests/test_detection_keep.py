"""DetectionReducer reads ``keep`` as the reducers do: a numpy float is a fraction
(review3/r2 05: with groups, np.float32(0.2) became int(0.2) = 0 images)."""

import warnings

import numpy as np
import pytest

from datareduce.detection import DetectionDataset, DetectionReducer


def _data():
    sizes = [40, 20, 5, 3, 2, 1, 1, 1]
    imgs = [f"/d/vid{v}_f{k}.png" for v, s in enumerate(sizes) for k in range(s)]
    boxes = [np.array([[v % 2, 0.5, 0.5, 0.1, 0.1]]) for v, s in enumerate(sizes)
             for _ in range(s)]
    ds = DetectionDataset(images=imgs, boxes=boxes, names={0: "a", 1: "b"})
    return ds, np.random.default_rng(0).normal(size=(len(ds), 4))


@pytest.mark.parametrize("params", [{"groups": r"^(vid\d+)_"}, {}])
@pytest.mark.parametrize("keep", [np.float32(0.2), np.float64(0.2)])
def test_a_numpy_float_keep_is_the_same_fraction(params, keep):
    ds, X = _data()
    kept = []
    for k in (0.2, keep):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dr = DetectionReducer("srs", keep=k, random_state=0, dedup=None, **params)
            kept.append(dr.fit(ds, embeddings=X).sample_indices_.tolist())
    assert kept[0] == kept[1] and len(kept[0]) == 15
