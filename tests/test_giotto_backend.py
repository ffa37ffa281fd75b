"""ripser and giotto-tda give the same diagrams (runs in .venv-giotto: `pytest -m giotto`)."""

import numpy as np
import pytest

pytestmark = pytest.mark.giotto


@pytest.fixture(autouse=True)
def _needs_giotto():
    pytest.importorskip("gtda")
    pytest.importorskip("ripser")


def _cloud(kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "circle":
        t = rng.uniform(0, 2 * np.pi, 80)
        return np.c_[np.cos(t), np.sin(t)] + 0.05 * rng.normal(size=(80, 2))
    if kind == "blobs":
        return np.vstack([rng.normal(c, 0.3, (30, 3)) for c in (0.0, 3.0)])
    return rng.normal(size=(70, 5))


@pytest.mark.parametrize("kind", ["circle", "blobs", "gaussian"])
@pytest.mark.parametrize("metric", ["euclidean", "chebyshev", "manhattan"])
def test_backends_agree(kind, metric):
    from datareduce.metrics import diagram_distance, persistence_diagrams

    X = _cloud(kind, 0)
    a = persistence_diagrams(X, homology_dimensions=(0, 1, 2), metric=metric, backend="ripser")
    b = persistence_diagrams(X, homology_dimensions=(0, 1, 2), metric=metric, backend="giotto")
    assert b.backend == "giotto"
    for k in (0, 1, 2):
        assert a[k].shape == b[k].shape
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)
        assert diagram_distance(a[k], b[k]) < 1e-5


def test_giotto_backend_subsampled_and_distance():
    from datareduce.metrics import topological_distance

    X = _cloud("circle", 1)
    kw = dict(max_points=40, homology_dimensions=(0, 1))
    ra = topological_distance(X, X[:30], backend="ripser", **kw)
    rb = topological_distance(X, X[:30], backend="giotto", **kw)
    assert ra.full.cover_radius == rb.full.cover_radius > 0
    for k in (0, 1):
        assert ra.value[k] == pytest.approx(rb.value[k], abs=1e-5)


@pytest.mark.parametrize("method", ["srs", "clc", "mms", "herding", "prd", "phl"])
def test_reducers_fit_on_the_oldest_supported_scikit_learn(method):
    """This environment holds scikit-learn 1.3 (giotto-tda's pin), the floor pyproject
    declares: every reducer failed there in fit's validation (skip_check_array is
    scikit-learn 1.6's name of what 1.3-1.5 call cast_to_ndarray=False; session 13)."""
    import pandas as pd

    from datareduce import get_reducer

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    X["town"] = np.where(rng.random(120) < 0.5, "x", "y")
    y = np.arange(120) % 3
    r = get_reducer(method, keep=0.2, random_state=0)
    Xr, yr = r.fit_resample(X, y)
    assert len(Xr) == len(yr) == 24 and list(Xr.columns) == list(X.columns)
    assert sorted(np.bincount(yr)) == [8, 8, 8]
